"""The groups the authentication methods policy names, with their transitive user members.

A method configuration is enabled for groups (``includeTargets``) minus groups
(``excludeTargets``), so who may use a method depends on group membership.
Each group named by an enabled configuration is read once: its name and its
transitive user members. A group whose members cannot be read (no
``GroupMember.Read.All``, or a hidden-membership group) is kept with the
refusal, never as a group without members.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sspr_audit.collect.graph import GraphError
from sspr_audit.collect.sources import GROUP_MEMBERS_PERMISSION, TenantReader
from sspr_audit.snapshot.models import ALL_USERS, Group, Source, SourceState, SourceStatus


def target_group_ids(policy: dict[str, Any]) -> list[str]:
    """Ids of the groups the enabled configurations include or exclude, first named first."""
    ids: list[str] = []
    for config in policy.get("authenticationMethodConfigurations") or ():
        if not isinstance(config, dict) or config.get("state") != "enabled":
            continue
        for key in ("includeTargets", "excludeTargets"):
            for target in config.get(key) or ():
                if not isinstance(target, dict) or (target.get("targetType") or "group") != "group":
                    continue
                if target.get("id") and target["id"] != ALL_USERS:
                    ids.append(str(target["id"]))
    return list(dict.fromkeys(ids))


async def read_target_groups(reader: TenantReader, ids: list[str], concurrency: int) -> list[dict[str, Any]]:
    """Each group as ``{"id", "displayName", "members"}``; ``members`` is None and ``error`` set when unreadable."""
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(group_id: str) -> dict[str, Any]:
        async with gate:
            found: dict[str, Any] = {"id": group_id, "displayName": "", "members": None}
            try:
                found["displayName"] = (await reader.group(group_id)).get("displayName") or ""
                found["members"] = await reader.members(group_id)
            except GraphError as error:
                found["error"] = {"http_status": error.status, "error_code": error.code}
            return found

    return list(await asyncio.gather(*(one(group_id) for group_id in ids)))


def target_groups_status(groups: list[dict[str, Any]]) -> SourceStatus:
    """The source's status: read when every group's members were, else the first refusal or failure."""
    source = Source.METHOD_TARGET_GROUPS.value
    if not groups:
        return SourceStatus(source, SourceState.NOT_ATTEMPTED, message="no enabled method targets a group")
    unread = [g for g in groups if g.get("error")]
    if not unread:
        return SourceStatus(source, SourceState.READ)
    first = next((g for g in unread if g["error"].get("http_status") == 403), unread[0])
    error = first["error"]
    state = SourceState.NOT_PERMITTED if error.get("http_status") == 403 else SourceState.FAILED
    message = f"the members of {len(unread)} of {len(groups)} groups could not be read"
    return SourceStatus(
        source, state, error.get("http_status"), error.get("error_code"), message, GROUP_MEMBERS_PERMISSION
    )


def map_group(raw: dict[str, Any]) -> Group:
    """A group read by the collector (scope or target), with why its members are unknown if they are."""
    error = raw.get("error")
    if not error:
        return Group(raw["id"], raw.get("displayName") or "")
    status = error.get("http_status")
    return Group(
        raw["id"],
        raw.get("displayName") or "",
        SourceState.NOT_PERMITTED if status == 403 else SourceState.FAILED,
        status,
        error.get("error_code"),
        GROUP_MEMBERS_PERMISSION if status == 403 else None,
    )
