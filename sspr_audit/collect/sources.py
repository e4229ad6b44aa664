"""Read each tenant-level Graph source as raw JSON, and say how it went.

A reader returns the Graph data it needs, as parsed JSON, so the same data
can be kept in a checkpoint and mapped later. :func:`read_source` turns a
refusal into a :class:`SourceStatus` (``not_permitted`` on 403, ``failed``
otherwise) so one missing permission never stops the collection.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from sspr_audit.collect.errors import OptionError
from sspr_audit.collect.graph import GraphError, GraphSession
from sspr_audit.collect.pages import read_all
from sspr_audit.collect.roles import USER_TYPE, group_ids
from sspr_audit.snapshot.models import Source, SourceState, SourceStatus

USER_FIELDS = (
    "id,userPrincipalName,displayName,userType,accountEnabled,mobilePhone,businessPhones,otherMails,"
    "mail,onPremisesSyncEnabled,department,jobTitle,usageLocation,country,assignedLicenses,createdDateTime"
)
ORGANIZATION = "/organization?$select=id,displayName,verifiedDomains,onPremisesSyncEnabled"
# signInActivity needs AuditLog.Read.All and Entra ID P1: without them Graph refuses the whole list (403), which is
# then read again without it (USERS_WITHOUT_SIGN_IN).
USERS = (
    f"/users?$filter={quote('accountEnabled eq true')}&$select={USER_FIELDS},signInActivity"
    "&$expand=manager($select=id,displayName)&$top=999"
)
USERS_WITHOUT_SIGN_IN = USERS.replace(",signInActivity&", "&")
REGISTRATION = "/reports/authenticationMethods/userRegistrationDetails"
ROLE_DEFINITIONS = "/roleManagement/directory/roleDefinitions?$select=id,displayName,templateId,isBuiltIn"
ROLE_ASSIGNMENTS = "/roleManagement/directory/roleAssignments?$expand=principal"
ROLE_ELIGIBILITY = "/roleManagement/directory/roleEligibilitySchedules?$expand=principal"
AUTHORIZATION_POLICY = "/policies/authorizationPolicy"
METHODS_POLICY = "/policies/authenticationMethodsPolicy"
ON_PREMISES_SYNC = "/directory/onPremisesSynchronization"
SUBSCRIBED_SKUS = "/subscribedSkus?$select=skuId,skuPartNumber,capabilityStatus,servicePlans"
SUBSCRIPTIONS = "/directory/subscriptions?$select=id,skuId,skuPartNumber,status,isTrial"
GROUP = "/groups/{id}?$select=id,displayName"
GROUP_USERS = "/groups/{id}/transitiveMembers/microsoft.graph.user?$select=id&$top=999"

PERMISSIONS = {
    Source.USERS: "User.Read.All",
    Source.MANAGERS: "User.Read.All",
    Source.ORGANIZATION: "Organization.Read.All",
    Source.REGISTRATION_DETAILS: "AuditLog.Read.All (and an Entra ID P1 or P2 licence)",
    Source.AUTHENTICATION_METHODS: "UserAuthenticationMethod.Read.All",
    Source.ROLE_ASSIGNMENTS: "RoleManagement.Read.Directory",
    Source.ROLE_ELIGIBILITY: "RoleEligibilitySchedule.Read.Directory (and an Entra ID P2 licence)",
    Source.AUTHORIZATION_POLICY: "Policy.Read.All",
    Source.AUTHENTICATION_METHODS_POLICY: "Policy.Read.AuthenticationMethod",
    Source.ON_PREMISES_SYNC: "OnPremDirectorySynchronization.Read.All (delegated sign-in only)",
    Source.GROUPS: "GroupMember.Read.All",
    Source.METHOD_TARGET_GROUPS: "GroupMember.Read.All",
    Source.SUBSCRIBED_SKUS: "LicenseAssignment.Read.All",
    Source.SUBSCRIPTIONS: "Organization.Read.All",
    Source.SSPR_EVENTS: "AuditLog.Read.All",
    Source.SIGN_IN_ACTIVITY: "AuditLog.Read.All (and an Entra ID P1 or P2 licence)",
    Source.MAILBOX_SETTINGS: "MailboxSettings.Read",
}
GROUP_MEMBERS_PERMISSION = "GroupMember.Read.All"
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def refused(source: Source, error: GraphError) -> SourceStatus:
    """The status of a source Graph would not give."""
    state = SourceState.NOT_PERMITTED if error.status == 403 else SourceState.FAILED
    permission = getattr(error, "permission", None) or PERMISSIONS[source]
    return SourceStatus(source.value, state, error.status, error.code, error.message or None, permission)


async def read_source(source: Source, reader: Callable[[], Awaitable[Any]]) -> tuple[SourceStatus, Any]:
    """Run ``reader``; a Graph refusal becomes the source's status instead of an exception."""
    try:
        data = await reader()
    except GraphError as error:
        return refused(source, error), None
    return SourceStatus(source.value, SourceState.READ), data


class TenantReader:
    """Readers of the tenant-level sources; group members are fetched once and shared.

    The users list and the registration report are paged by the collector itself, which acts on each page.
    """

    def __init__(self, session: GraphSession) -> None:
        self._session = session
        self._members: dict[str, asyncio.Task[list[str]]] = {}

    async def organization(self) -> dict[str, Any]:
        body = await self._session.get(self._session.url(ORGANIZATION))
        items = (body or {}).get("value") or []
        if not items:
            raise GraphError(None, None, "Graph returned no organization")
        return items[0]

    async def role_assignments(self) -> dict[str, Any]:
        definitions, assignments = await asyncio.gather(
            read_all(self._session, self._session.url(ROLE_DEFINITIONS)),
            read_all(self._session, self._session.url(ROLE_ASSIGNMENTS)),
        )
        return {
            "definitions": definitions,
            "assignments": assignments,
            "members": await self._members_of(group_ids(assignments)),
        }

    async def role_eligibility(self) -> dict[str, Any]:
        schedules = await read_all(self._session, self._session.url(ROLE_ELIGIBILITY))
        return {"schedules": schedules, "members": await self._members_of(group_ids(schedules))}

    async def authorization_policy(self) -> dict[str, Any]:
        return await self._session.get(self._session.url(AUTHORIZATION_POLICY)) or {}

    async def methods_policy(self) -> dict[str, Any]:
        return await self._session.get(self._session.url(METHODS_POLICY)) or {}

    async def on_premises_sync(self) -> dict[str, Any]:
        body = await self._session.get(self._session.url(ON_PREMISES_SYNC)) or {}
        if isinstance(body.get("value"), list):  # a collection with one item
            return body["value"][0] if body["value"] else {}
        return body

    async def subscribed_skus(self) -> list[dict[str, Any]]:
        return await read_all(self._session, self._session.url(SUBSCRIBED_SKUS))

    async def subscriptions(self) -> list[dict[str, Any]]:
        return await read_all(self._session, self._session.url(SUBSCRIPTIONS))

    async def group(self, group_id: str) -> dict[str, Any]:
        """One group's id and display name."""
        try:
            return await self._session.get(self._session.url(GROUP.format(id=quote(group_id, safe="")))) or {}
        except GraphError as error:
            error.permission = GROUP_MEMBERS_PERMISSION
            raise

    async def members(self, group_id: str) -> list[str]:
        """Ids of the group's transitive user members (read once per collection)."""
        return (await self._members_of([group_id]))[group_id]

    async def scope_groups(self, names: tuple[str, ...]) -> list[dict[str, Any]]:
        """Each named group (by id or display name) with the ids of its transitive user members."""
        groups = await asyncio.gather(*(self._resolve(name) for name in names))
        members = await self._members_of([g["id"] for g in groups])
        return [{"id": g["id"], "displayName": g.get("displayName") or "", "members": members[g["id"]]} for g in groups]

    async def _resolve(self, name: str) -> dict[str, Any]:
        if _GUID.match(name):
            try:
                return await self._session.get(self._session.url(f"/groups/{name}?$select=id,displayName"))
            except GraphError as error:
                if error.status == 404:
                    raise OptionError(f"--scope-group {name}: no group has this id") from None
                raise
        escaped = quote(name.replace("'", "''"), safe="")
        found = await read_all(
            self._session, self._session.url(f"/groups?$filter=displayName%20eq%20'{escaped}'&$select=id,displayName")
        )
        if not found:
            raise OptionError(f"--scope-group {name!r}: no group has this name")
        if len(found) > 1:
            raise OptionError(f"--scope-group {name!r}: {len(found)} groups have this name; give the group's id")
        return found[0]

    async def _members_of(self, ids: list[str]) -> dict[str, list[str]]:
        for group_id in ids:
            if group_id not in self._members:
                self._members[group_id] = asyncio.ensure_future(self._list_members(group_id))
        return {group_id: await self._members[group_id] for group_id in ids}

    async def _list_members(self, group_id: str) -> list[str]:
        url = self._session.url(GROUP_USERS.format(id=quote(group_id, safe="")))
        try:
            items = await read_all(self._session, url)
        except GraphError as error:
            error.permission = GROUP_MEMBERS_PERMISSION
            raise
        # The cast returns users only; Graph may leave out @odata.type on them, so only another type is skipped.
        return [item["id"] for item in items if item.get("@odata.type", USER_TYPE) == USER_TYPE and item.get("id")]
