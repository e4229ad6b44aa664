"""Put the raw Graph data of one collection together into a :class:`Snapshot`.

Pure and synchronous: the collector hands over what each source returned
(or why it did not), the methods of the users that were read, and the
failures of those that could not be; this module decides nothing else.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sspr_audit import __version__
from sspr_audit.collect.events import activities
from sspr_audit.collect.mapping import (
    dropped_reason,
    failure_reason,
    map_licences,
    map_methods,
    map_registration,
    map_settings,
    map_user,
    verdict_needs_methods,
)
from sspr_audit.collect.roles import user_roles
from sspr_audit.collect.targets import map_group
from sspr_audit.snapshot.models import (
    CollectionState,
    CollectionStatus,
    EventsRead,
    Licence,
    RegistrationDetails,
    Snapshot,
    Source,
    SourceState,
    SourceStatus,
    Tenant,
    User,
)

GENERATOR = f"sspr-audit collector {__version__}"
ON_REPORT = "judged on the registration report"


@dataclass
class Collected:
    """Everything one collection read: per source, its status and raw data."""

    graph_endpoint: str
    collected_at: str
    fallback_tenant_id: str = ""
    sources: dict[str, tuple[SourceStatus, Any]] = field(default_factory=dict)
    methods: Mapping[str, list[Any]] = field(default_factory=dict)  # user id -> raw methods
    failures: Mapping[str, str] = field(default_factory=dict)  # user id -> detail
    mailboxes: Mapping[str, str] = field(default_factory=dict)  # user id -> userPurpose, or "none" (no mailbox)
    unread: str | None = None  # why users whose methods were wanted were not asked (a choice, or time)
    unread_users: int = 0  # how many such users there were; counted by build_snapshot
    report_cut: bool = False  # the registration report was cut short: a user may lack a row for that alone

    def data(self, source: Source) -> Any:
        """The raw data of ``source`` if it was read, else None."""
        status, data = self.sources.get(source.value, (None, None))
        return data if status is not None and status.state == SourceState.READ else None

    def partial(self, source: Source) -> Any:
        """The raw data of ``source`` even when part of it could not be read (each item says so), else None."""
        return self.sources.get(source.value, (None, None))[1]


def report_rows(collected: Collected) -> dict[str, RegistrationDetails | dict[str, Any]] | None:
    """Registration report rows by user id; None when the report was not read.

    Each row is held as the user's registration, one object for rows alike; a row with values of the
    wrong type stays as read, so that the user's collection status can name them.
    """
    rows = collected.data(Source.REGISTRATION_DETAILS)
    if rows is None:
        return None
    alike: dict[RegistrationDetails, RegistrationDetails] = {}
    held: dict[str, RegistrationDetails | dict[str, Any]] = {}
    for row in rows:
        if isinstance(row, dict) and isinstance(row.get("id"), str):
            notes: list[str] = []
            registration = map_registration(row, notes)
            held[row["id"]] = row if notes else alike.setdefault(registration, registration)
    return held


def build_snapshot(collected: Collected) -> Snapshot:
    """The snapshot of one collection, whole in memory."""
    tenant, users = assembled(collected)
    return Snapshot(tenant=tenant, users=tuple(users), generator=GENERATOR)


def assembled(collected: Collected) -> tuple[Tenant, Iterator[User]]:
    """The tenant, and its users built one at a time as they are asked for: a snapshot file is written from these
    without a million users ever being held at once.

    The tenant says for how many users the methods detail went unread, so the users are gone through once
    for that count before the tenant is made.
    """
    rows = report_rows(collected)
    roles = _roles(collected)
    groups = _groups(collected)
    memberships = {g["id"]: set(g["members"]) for g in groups if g.get("members") is not None}
    events = collected.data(Source.SSPR_EVENTS)
    done = activities(events["events"]) if events else {}

    def registration_of(user_id: str, notes: list[str]) -> RegistrationDetails | None:
        row = None if rows is None else rows.get(user_id)
        return map_registration(row, notes) if isinstance(row, dict) else row

    def unread(user_id: str, registration: RegistrationDetails | None, notes: list[str]) -> bool:
        """Whether the user's methods were wanted and left unread by choice or for time (the user is marked so)."""
        wanted = verdict_needs_methods(registration) or bool(notes)
        return (
            wanted
            and collected.unread is not None
            and user_id not in collected.methods
            and user_id not in collected.failures
        )

    def user_of(raw: dict[str, Any]) -> User:
        user = map_user(raw)
        notes: list[str] = []
        registration = registration_of(user.id, notes)
        methods, status = None, user.collection
        wanted = verdict_needs_methods(registration) or bool(notes)
        if user.id in collected.methods:
            methods = map_methods(collected.methods[user.id], notes)
        elif user.id in collected.failures or (wanted and collected.unread is None):
            detail = collected.failures.get(user.id, "not read")
            status = CollectionStatus(CollectionState.FAILED, failure_reason(detail))
        elif wanted and registration is None:
            missing = (
                "; nor was their registration report row, the report being cut short" if collected.report_cut else ""
            )
            status = CollectionStatus(CollectionState.FAILED, f"{collected.unread}{missing}")
        elif wanted:  # never judged on less than the report says: on the report, and marked so
            status = CollectionStatus(CollectionState.PARTIAL, f"{collected.unread}; {ON_REPORT}")
        if notes and status.state != CollectionState.FAILED:
            status = _partial(status, notes)
        return dataclasses.replace(
            user,
            methods=methods,
            registration=registration,
            roles=roles.get(user.id, ()),
            groups=tuple(g["id"] for g in groups if user.id in memberships.get(g["id"], ())),
            collection=status,
            activity=done.get(user.id.casefold()) or done.get(user.user_principal_name.casefold()),
            mailbox_purpose=collected.mailboxes.get(user.id),
        )

    listed = collected.data(Source.USERS) or []
    count = 0
    for raw in listed:
        notes: list[str] = []
        count += unread(raw["id"], registration_of(raw["id"], notes), notes)
    collected.unread_users = count
    if count:
        _note_unread(collected, count)
    return _tenant(collected, groups), (user_of(raw) for raw in listed)


def _events_read(collected: Collected) -> EventsRead | None:
    data = collected.data(Source.SSPR_EVENTS)
    if not data:
        return None
    return EventsRead(data["since"], data["window_days"], len(data["events"]))


def _note_unread(collected: Collected, unread: int) -> None:
    """The methods source says for how many users, and why, the methods detail was not read."""
    status, data = collected.sources[Source.AUTHENTICATION_METHODS.value]
    message = f"methods detail not read for {unread:,} users: {collected.unread}"
    collected.sources[Source.AUTHENTICATION_METHODS.value] = (dataclasses.replace(status, message=message), data)


def _groups(collected: Collected) -> list[dict[str, Any]]:
    """The scope groups, then the groups the methods policy names, each once (the first reading wins)."""
    found: dict[str, dict[str, Any]] = {}
    for group in (*(collected.data(Source.GROUPS) or ()), *(collected.partial(Source.METHOD_TARGET_GROUPS) or ())):
        found.setdefault(group["id"].lower(), group)
    return list(found.values())


def _licences(collected: Collected) -> tuple[Licence, ...] | None:
    return map_licences(collected.data(Source.SUBSCRIBED_SKUS), collected.data(Source.SUBSCRIPTIONS))


def _partial(status: CollectionStatus, notes: list[str]) -> CollectionStatus:
    """``status`` with more dropped values noted: the user was read, but not whole."""
    reason = dropped_reason(notes)
    if status.state == CollectionState.PARTIAL and status.reason:
        reason = f"{status.reason}; {reason.split(': ', 1)[1]}"
    return CollectionStatus(CollectionState.PARTIAL, reason)


def _roles(collected: Collected) -> dict[str, tuple]:
    active = collected.data(Source.ROLE_ASSIGNMENTS) or {}
    eligible = collected.data(Source.ROLE_ELIGIBILITY) or {}
    members = {**(active.get("members") or {}), **(eligible.get("members") or {})}
    return user_roles(
        active.get("definitions") or [], active.get("assignments") or [], eligible.get("schedules") or [], members
    )


def _tenant(collected: Collected, groups: list[dict[str, Any]]) -> Tenant:
    org = collected.data(Source.ORGANIZATION) or {}
    names = (d.get("name") if isinstance(d, dict) else None for d in org.get("verifiedDomains") or ())
    domains = tuple(name for name in names if isinstance(name, str) and name)
    order = [s.value for s in Source]
    sources = tuple(
        sorted(
            (status for status, _ in collected.sources.values()),
            key=lambda s: order.index(s.source) if s.source in order else len(order),
        )
    )
    return Tenant(
        id=org.get("id") or collected.fallback_tenant_id,
        display_name=org.get("displayName") or "",
        verified_domains=domains,
        on_premises_sync_enabled=org.get("onPremisesSyncEnabled"),
        collected_at=collected.collected_at,
        graph_endpoint=collected.graph_endpoint,
        sources=sources,
        settings=map_settings(
            collected.data(Source.AUTHORIZATION_POLICY),
            collected.data(Source.AUTHENTICATION_METHODS_POLICY),
            collected.data(Source.ON_PREMISES_SYNC),
            _licences(collected),
        ),
        groups=tuple(map_group(g) for g in groups),
        events=_events_read(collected),
    )
