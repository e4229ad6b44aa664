"""Directory roles per user: direct, through role-assignable groups, and PIM-eligible.

Role assignments name a principal: a user, a role-assignable group (whose
transitive members hold the role through it) or a service principal (not a
person, ignored). Role names come from the role definitions, matched by id
or by template id (built-in roles are assigned by template id).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from sspr_audit.snapshot.models import RoleAssignment

USER_TYPE = "#microsoft.graph.user"
GROUP_TYPE = "#microsoft.graph.group"


def group_ids(items: Iterable[dict[str, Any]]) -> list[str]:
    """Ids of the group principals of role assignments or eligibility schedules, first seen first."""
    ids = (item.get("principalId") for item in items if _principal_type(item) == GROUP_TYPE)
    return list(dict.fromkeys(i for i in ids if i))


def user_roles(
    definitions: list[dict[str, Any]],
    active: list[dict[str, Any]],
    eligible: list[dict[str, Any]],
    members: Mapping[str, list[str]],
) -> dict[str, tuple[RoleAssignment, ...]]:
    """Each user's roles, sorted by (role name, assignment, group)."""
    names: dict[str, tuple[str, str]] = {}
    for definition in definitions:
        template = definition.get("templateId") or definition.get("id") or ""
        entry = (definition.get("displayName") or template, template)
        for key in (definition.get("id"), definition.get("templateId")):
            if key:
                names[key] = entry
    found: dict[str, set[RoleAssignment]] = defaultdict(set)
    for kind, items in (("active", active), ("eligible", eligible)):
        for item in items:
            definition_id = item.get("roleDefinitionId") or ""
            role_name, template = names.get(definition_id, (definition_id, definition_id))
            principal = item.get("principal") or {}
            principal_id = item.get("principalId") or principal.get("id")
            if not principal_id:
                continue  # an assignment that names no principal concerns no user
            if _principal_type(item) == USER_TYPE:
                found[principal_id].add(RoleAssignment(role_name, template, kind))
            elif _principal_type(item) == GROUP_TYPE:
                via = principal.get("displayName") or principal_id
                for user_id in members.get(principal_id, ()):
                    found[user_id].add(RoleAssignment(role_name, template, kind, via))
    return {user_id: tuple(sorted(roles, key=sort_key)) for user_id, roles in found.items()}


def sort_key(role: RoleAssignment) -> tuple[str, str, str]:
    """The order roles are listed in: name, then active before eligible, then group."""
    return role.role_name, role.assignment, role.via_group or ""


def _principal_type(item: dict[str, Any]) -> str | None:
    principal = item.get("principal")
    return principal.get("@odata.type") if isinstance(principal, dict) else None
