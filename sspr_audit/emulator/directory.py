"""The tenant as Graph's directory sees it, indexed once from a Snapshot.

A snapshot records roles per user (with the group they come through); Graph
records assignments per principal. This module turns one into the other:
role definitions, assignments to users, role-assignable groups and a service
principal, PIM eligibility schedules, and groups with their transitive
members. Ids Graph would invent are uuid5 values of names, so they are stable.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sspr_audit.emulator.graph_views import GROUP_TYPE, SERVICE_PRINCIPAL_TYPE, stamp, typed_user
from sspr_audit.snapshot.models import Snapshot, User

ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/sspr-audit/sspr-audit/emulator")

# Built-in roles every tenant has, by template id (Microsoft Entra built-in roles reference).
WELL_KNOWN_ROLES = {
    "62e90394-69f5-4237-9190-012177145e10": "Global Administrator",
    "e8611ab8-c189-46e8-94e1-60213ab1f814": "Privileged Role Administrator",
    "7be44c8a-adaf-4e2a-84d6-ab2649e08a13": "Privileged Authentication Administrator",
    "c4e39bd9-1100-46d3-8c65-fb160da0071f": "Authentication Administrator",
    "966707d0-3269-4727-9be2-8c3a10f19b9d": "Password Administrator",
    "729827e3-9c14-49f7-bb1b-9608f156bbb8": "Helpdesk Administrator",
    "fe930be7-5e62-47db-91af-98c3a49a38b1": "User Administrator",
    "194ae4cb-b126-40b2-bd5b-6091b380977d": "Security Administrator",
    "f2ef992c-3afb-46b9-b7cf-a126ee74c451": "Global Reader",
    "88d8e3e3-8f55-4a1e-953a-9b9898b8876b": "Directory Readers",
}
DIRECTORY_READERS = "88d8e3e3-8f55-4a1e-953a-9b9898b8876b"
SERVICE_PRINCIPAL_NAME = "HR provisioning connector"  # holds a role, so clients must skip non-user principals


def stable_id(*parts: str) -> str:
    """A uuid5 of ``parts``: the same names give the same id in every run."""
    return str(uuid.uuid5(ID_NAMESPACE, "/".join(parts)))


@dataclass(frozen=True)
class GroupInfo:
    id: str
    display_name: str
    role_assignable: bool


@dataclass(frozen=True)
class RoleGrant:
    """One roleAssignment or roleEligibilitySchedule: a role held by one principal."""

    id: str
    template_id: str
    principal_kind: str  # "user" / "group" / "servicePrincipal"
    principal_id: str


class Directory:
    """Indexes over one snapshot; built once, read by every request."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.tenant = snapshot.tenant
        self.users = snapshot.users
        self.by_key: dict[str, User] = {}
        for user in snapshot.users:
            self.by_key[user.id.lower()] = user
            self.by_key.setdefault(user.user_principal_name.lower(), user)
        self.enabled = tuple(u for u in snapshot.users if u.account_enabled)
        self.registered = tuple(u for u in snapshot.users if u.registration is not None)
        self.groups: dict[str, GroupInfo] = {}
        self._by_name: dict[str, GroupInfo] = {}  # casefolded display name -> group
        self.members: dict[str, dict[str, None]] = {}  # group id -> user ids, in snapshot order
        self.role_names: dict[str, str] = dict(WELL_KNOWN_ROLES)
        self.assignments: list[RoleGrant] = []
        self.eligibilities: list[RoleGrant] = []
        self.service_principal_id = stable_id("servicePrincipal", SERVICE_PRINCIPAL_NAME)
        self._index_groups(snapshot)
        self._index_roles(snapshot)
        self.group_list = tuple(self.groups.values())
        self.member_ids = {key: tuple(ids) for key, ids in self.members.items()}
        self.role_definitions = self._role_definitions_json()

    def user(self, key: str) -> User | None:
        """A user by id or userPrincipalName, as Graph addresses ``/users/{id | userPrincipalName}``."""
        return self.by_key.get(key.lower())

    def replace_user(self, new: User) -> None:
        """Put ``new`` where the user with its id was (a PATCH): every later read sees it."""
        self.users = tuple(new if u.id == new.id else u for u in self.users)
        for key, user in list(self.by_key.items()):
            if user.id == new.id:
                self.by_key[key] = new
        self.enabled = tuple(u for u in self.users if u.account_enabled)
        self.registered = tuple(u for u in self.users if u.registration is not None)

    def _index_groups(self, snapshot: Snapshot) -> None:
        for group in snapshot.tenant.groups:
            self._add_group(GroupInfo(group.id, group.display_name, False))
        for user in snapshot.users:
            for group_id in user.groups:
                if group_id.lower() not in self.groups:
                    self._add_group(GroupInfo(group_id, f"Group {group_id[:8]}", False))
                self.members[group_id.lower()][user.id] = None

    def _add_group(self, group: GroupInfo) -> GroupInfo:
        self.groups[group.id.lower()] = group
        self.members.setdefault(group.id.lower(), {})
        self._by_name.setdefault(group.display_name.casefold(), group)
        return group

    def _role_group(self, name: str) -> GroupInfo:
        known = self._by_name.get(name.casefold())
        if known is None:
            return self._add_group(GroupInfo(stable_id("group", name), name, True))
        if not known.role_assignable:
            known = GroupInfo(known.id, known.display_name, True)
            self.groups[known.id.lower()] = known
            self._by_name[name.casefold()] = known
        return known

    def _index_roles(self, snapshot: Snapshot) -> None:
        seen: set[tuple[str, str, str]] = set()
        for user in snapshot.users:
            for role in user.roles:
                self.role_names.setdefault(role.role_template_id, role.role_name)
                if role.via_group:
                    group = self._role_group(role.via_group)
                    self.members[group.id.lower()][user.id] = None
                    kind, principal = "group", group.id
                else:
                    kind, principal = "user", user.id
                key = (role.assignment, principal, role.role_template_id)
                if key in seen:
                    continue
                seen.add(key)
                grant = RoleGrant(
                    stable_id(role.assignment, principal, role.role_template_id), role.role_template_id, kind, principal
                )
                (self.eligibilities if role.assignment == "eligible" else self.assignments).append(grant)
        sp_grant = RoleGrant(
            stable_id("active", self.service_principal_id, DIRECTORY_READERS),
            DIRECTORY_READERS,
            "servicePrincipal",
            self.service_principal_id,
        )
        self.assignments.append(sp_grant)

    def group_json(self, group: GroupInfo) -> dict[str, Any]:
        return {
            "id": group.id,
            "displayName": group.display_name,
            "description": None,
            "groupTypes": [],
            "mail": None,
            "mailEnabled": False,
            "mailNickname": stable_id("nickname", group.id)[:8],
            "securityEnabled": True,
            "isAssignableToRole": True if group.role_assignable else None,
        }

    def principal_json(self, grant: RoleGrant) -> dict[str, Any]:
        """The expanded ``principal`` of an assignment, with its ``@odata.type``."""
        if grant.principal_kind == "user":
            return typed_user(self.by_key[grant.principal_id.lower()])
        if grant.principal_kind == "group":
            return {"@odata.type": GROUP_TYPE, **self.group_json(self.groups[grant.principal_id.lower()])}
        return {
            "@odata.type": SERVICE_PRINCIPAL_TYPE,
            "id": grant.principal_id,
            "displayName": SERVICE_PRINCIPAL_NAME,
            "appId": stable_id("app", SERVICE_PRINCIPAL_NAME),
            "servicePrincipalType": "Application",
            "accountEnabled": True,
        }

    def _role_definitions_json(self) -> tuple[dict[str, Any], ...]:
        """Built-in role definitions: id equals templateId, as Graph gives them."""
        return tuple(
            {
                "id": template,
                "displayName": name,
                "description": f"{name} (built-in role).",
                "templateId": template,
                "isBuiltIn": True,
                "isEnabled": True,
                "resourceScopes": ["/"],
                "version": "1",
                "rolePermissions": [{"allowedResourceActions": [], "condition": None}],
            }
            for template, name in sorted(self.role_names.items(), key=lambda item: item[1])
        )

    @staticmethod
    def assignment_json(grant: RoleGrant) -> dict[str, Any]:
        return {
            "id": grant.id,
            "roleDefinitionId": grant.template_id,
            "principalId": grant.principal_id,
            "directoryScopeId": "/",
            "appScopeId": None,
            "condition": None,
        }

    @staticmethod
    def eligibility_json(grant: RoleGrant) -> dict[str, Any]:
        start = stamp(grant.id, "start")
        return {
            "id": grant.id,
            "roleDefinitionId": grant.template_id,
            "principalId": grant.principal_id,
            "directoryScopeId": "/",
            "appScopeId": None,
            "createdUsing": grant.id,
            "createdDateTime": start,
            "modifiedDateTime": None,
            "status": "Provisioned",
            "memberType": "Group" if grant.principal_kind == "group" else "Direct",
            "scheduleInfo": {
                "startDateTime": start,
                "recurrence": None,
                "expiration": {"type": "noExpiration", "endDateTime": None, "duration": None},
            },
        }
