"""What a faithful collection of a ground-truth tenant must produce.

Tests and benchmarks serve a ground-truth :class:`Snapshot` through the
loopback Graph emulator, collect it, and compare the result with
:func:`expected_collection`. The differences it encodes are the ones Graph
itself imposes, not collector choices:

- disabled users are not listed (``$filter=accountEnabled eq true``);
- when the registration report was read, users whose row lists no phone or
  email method were not asked for their methods (``methods=None``);
  when it was refused (no licence), nobody has ``registration`` and, as PIM
  needs a licence too, nobody has eligible roles;
- a user Graph keeps failing is ``failed``, methods unknown;
- Graph's JSON carries only some fields per method type, fixes phone method
  ids per phone type, and gives a role held through a group to every member
  of that group; roles come sorted;
- only the requested scope groups and the groups enabled method
  configurations name are collected; a group whose members the emulator
  refuses is recorded as not read and lists nobody; a group that does not
  exist is a failure;
- method targets a snapshot did not record are served as all users, and the
  Authenticator's include targets always carry an authentication mode;
- licences not recorded are served as none, and password writeback cannot
  be read with app-only permissions;
- the SSPR audit events read are those of the licence's retention window
  before the collection time (7 days free, 30 paid), or none when refused;
- each user's licences, creation time and last sign-in are what the emulator
  serves (:mod:`sspr_audit.emulator.scope_views`; without a licence the
  sign-ins are refused and not read), and the mailbox purpose is asked of
  enabled members only.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable

from sspr_audit.audit.sspr_methods import PHONE_METHOD_IDS
from sspr_audit.collect.assemble import GENERATOR
from sspr_audit.collect.events import activities, retention_days, window_start
from sspr_audit.collect.mapping import failure_reason, retries_exhausted, verdict_needs_methods
from sspr_audit.collect.retry import DEFAULT_MAX_ATTEMPTS
from sspr_audit.collect.roles import sort_key
from sspr_audit.collect.sources import PERMISSIONS
from sspr_audit.emulator.audit_log import sspr_events
from sspr_audit.emulator.graph_views import DEFAULT_AUTHENTICATION_MODE
from sspr_audit.emulator.scope_views import served
from sspr_audit.snapshot.models import (
    EVERYONE,
    AuthMethod,
    CollectionState,
    CollectionStatus,
    EventsRead,
    Group,
    MethodConfiguration,
    RegistrationDetails,
    RoleAssignment,
    Snapshot,
    Source,
    SourceState,
    SourceStatus,
    User,
)

# Method types whose Graph JSON carries a displayName (Graph v1.0 reference, per type).
NAMED_METHOD_TYPES = frozenset(
    {
        "microsoftAuthenticator",
        "fido2",
        "windowsHelloForBusiness",
        "unrecognised",
        "platformCredential",
        "qrCodePin",
        "passkey",
        "external",
        "hardwareOath",
    }
)
PERSISTENT_FAILURE_STATUS = 503  # what the emulator answers for a user whose truth says failed


def expected_collection(
    truth: Snapshot,
    registration_permitted: bool = True,
    pim_permitted: bool | None = None,
    scope_groups: tuple[str, ...] | None = None,
    unreadable_groups: tuple[str, ...] = (),
    events_permitted: bool = True,
    collected_at: str | None = None,
) -> Snapshot:
    """``truth`` as the collector must report it (``pim_permitted`` follows ``registration_permitted``).

    ``scope_groups`` are the names or ids collected with ``--scope-group`` (None: every group of the truth);
    ``unreadable_groups`` those the emulator was told to refuse the members of; ``collected_at`` when the
    collection ran (default: the truth's), which sets the window of SSPR audit events read.
    """
    pim = registration_permitted if pim_permitted is None else pim_permitted
    roles = _group_roles(truth.users, pim)
    scope = ExpectedGroups(truth, scope_groups, unreadable_groups)
    ordered_groups = [g.id for g in scope.groups if g.members_read]
    names = {u.id: u.display_name for u in truth.users}
    events, done = _events(truth, collected_at or truth.tenant.collected_at) if events_permitted else (None, {})
    users = []
    for user in truth.users:
        if not user.account_enabled:
            continue
        registration = _registration(user.registration) if registration_permitted else None
        methods, status = None, CollectionStatus()
        if verdict_needs_methods(registration):
            if user.collection.state == CollectionState.FAILED:
                detail = retries_exhausted(PERSISTENT_FAILURE_STATUS, DEFAULT_MAX_ATTEMPTS)
                status = CollectionStatus(CollectionState.FAILED, failure_reason(detail))
            else:
                methods = tuple(_method(m) for m in user.methods or ())
        seen = served(user, truth.tenant)
        member = (user.user_type or "").lower() == "member"
        users.append(
            dataclasses.replace(
                user,
                assigned_licenses=seen.assigned_licenses,
                created_at=seen.created_at,
                last_sign_in=seen.last_sign_in if registration_permitted else None,
                mailbox_purpose=seen.mailbox_purpose if member else None,
                methods=methods,
                registration=registration,
                roles=roles.get(user.id, ()),
                collection=status,
                manager_name=names.get(user.manager_id, user.manager_name) if user.manager_id else None,
                groups=tuple(g for g in ordered_groups if g in set(user.groups)),
                activity=done.get(user.id.casefold()),
            )
        )
    settings = truth.tenant.settings
    configs = settings.method_configurations
    tenant = dataclasses.replace(
        truth.tenant,
        settings=dataclasses.replace(
            settings,
            password_writeback_enabled=None,
            method_configurations=None if configs is None else tuple(_configuration(c) for c in configs),
            licences=settings.licences or (),
        ),
        sources=expected_sources(truth, registration_permitted, pim, tuple(users), scope, events_permitted),
        groups=scope.groups,
        events=events,
    )
    return Snapshot(tenant=tenant, users=tuple(users), schema_version=truth.schema_version, generator=GENERATOR)


def expected_sources(
    truth: Snapshot,
    registration_permitted: bool,
    pim: bool,
    users: tuple[User, ...],
    groups: ExpectedGroups,
    events_permitted: bool = True,
) -> tuple[SourceStatus, ...]:
    """Source states (without Graph's messages) the collection of ``truth`` records."""

    def status(
        source: Source, state: SourceState = SourceState.READ, http: int | None = None, code: str | None = None
    ) -> SourceStatus:
        permission = PERMISSIONS[source] if state in (SourceState.NOT_PERMITTED, SourceState.FAILED) else None
        return SourceStatus(source.value, state, http, code, None, permission)

    fetched = [u for u in users if verdict_needs_methods(u.registration)]
    methods_state = SourceState.READ if fetched else SourceState.NOT_ATTEMPTED
    if fetched and all(u.collection.state == CollectionState.FAILED for u in fetched):
        methods_state = SourceState.FAILED
    found = {
        Source.USERS: status(Source.USERS),
        Source.AUTHENTICATION_METHODS: status(Source.AUTHENTICATION_METHODS, methods_state),
        Source.REGISTRATION_DETAILS: status(Source.REGISTRATION_DETAILS)
        if registration_permitted
        else status(
            Source.REGISTRATION_DETAILS,
            SourceState.NOT_PERMITTED,
            403,
            "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
        ),
        Source.ROLE_ASSIGNMENTS: status(Source.ROLE_ASSIGNMENTS),
        Source.ROLE_ELIGIBILITY: status(Source.ROLE_ELIGIBILITY)
        if pim
        else status(Source.ROLE_ELIGIBILITY, SourceState.NOT_PERMITTED, 403, "AadPremiumLicenseRequired"),
        Source.AUTHORIZATION_POLICY: status(Source.AUTHORIZATION_POLICY),
        Source.AUTHENTICATION_METHODS_POLICY: status(Source.AUTHENTICATION_METHODS_POLICY),
        Source.ORGANIZATION: status(Source.ORGANIZATION),
        Source.ON_PREMISES_SYNC: status(
            Source.ON_PREMISES_SYNC, SourceState.NOT_PERMITTED, 403, "Authorization_RequestDenied"
        ),
        Source.GROUPS: groups.scope_status(status),
        Source.MANAGERS: status(Source.MANAGERS),
        Source.METHOD_TARGET_GROUPS: groups.target_status(status),
        Source.SUBSCRIBED_SKUS: status(Source.SUBSCRIBED_SKUS),
        Source.SUBSCRIPTIONS: status(Source.SUBSCRIPTIONS),
        Source.SSPR_EVENTS: status(Source.SSPR_EVENTS)
        if events_permitted
        else status(Source.SSPR_EVENTS, SourceState.NOT_PERMITTED, 403, "Authorization_RequestDenied"),
        Source.SIGN_IN_ACTIVITY: status(Source.SIGN_IN_ACTIVITY)
        if registration_permitted
        else status(
            Source.SIGN_IN_ACTIVITY,
            SourceState.NOT_PERMITTED,
            403,
            "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
        ),
        Source.MAILBOX_SETTINGS: status(Source.MAILBOX_SETTINGS),
    }
    return tuple(found[s] for s in Source)


def _events(truth: Snapshot, collected_at: str) -> tuple[EventsRead, dict]:
    """The events of the retention window before the collection, and each user's activity in them."""
    days = retention_days(truth.tenant.settings.licences or ())
    since = window_start(collected_at, days)
    served = [e for e in sspr_events(truth.users) if e["activityDateTime"] >= since]
    return EventsRead(since, days, len(served)), activities(served)


class ExpectedGroups:
    """The groups a collection reads: the requested scope groups, then those enabled method targets name."""

    def __init__(self, truth: Snapshot, scope: tuple[str, ...] | None, unreadable: tuple[str, ...]) -> None:
        known = {g.id.lower(): g for g in truth.tenant.groups}
        refused = {name.casefold() for name in unreadable}
        self._refused = lambda g: bool({g.id.lower(), g.display_name.casefold()} & refused)
        wanted = {name.casefold() for name in scope or ()}
        self.scope = [
            g for g in truth.tenant.groups if scope is None or {g.id.lower(), g.display_name.casefold()} & wanted
        ]
        self.scope_refused = any(self._refused(g) for g in self.scope)
        configs = truth.tenant.settings.method_configurations or ()
        target_ids = dict.fromkeys(i for c in configs if c.state == "enabled" for i in c.group_ids)
        self.targets = [self._target(known.get(i.lower()), i) for i in target_ids]
        read_scope = [] if self.scope_refused else self.scope
        found: dict[str, Group] = {}
        for group in (*read_scope, *self.targets):
            found.setdefault(group.id.lower(), group)
        self.groups = tuple(found.values())

    def _target(self, group: Group | None, group_id: str) -> Group:
        if group is None:  # named by the policy but not in the directory
            return Group(group_id, "", SourceState.FAILED, 404, "Request_ResourceNotFound")
        if self._refused(group):
            return Group(
                group.id,
                group.display_name,
                SourceState.NOT_PERMITTED,
                403,
                "Authorization_RequestDenied",
                PERMISSIONS[Source.METHOD_TARGET_GROUPS],
            )
        return Group(group.id, group.display_name)

    def scope_status(self, status: Callable[..., SourceStatus]) -> SourceStatus:
        if not self.scope:
            return status(Source.GROUPS, SourceState.NOT_ATTEMPTED)
        if self.scope_refused:
            return status(Source.GROUPS, SourceState.NOT_PERMITTED, 403, "Authorization_RequestDenied")
        return status(Source.GROUPS)

    def target_status(self, status: Callable[..., SourceStatus]) -> SourceStatus:
        unread = [g for g in self.targets if not g.members_read]
        if not self.targets:
            return status(Source.METHOD_TARGET_GROUPS, SourceState.NOT_ATTEMPTED)
        if not unread:
            return status(Source.METHOD_TARGET_GROUPS)
        first = next((g for g in unread if g.http_status == 403), unread[0])
        return status(Source.METHOD_TARGET_GROUPS, first.members_state, first.http_status, first.error_code)


def _configuration(config: MethodConfiguration) -> MethodConfiguration:
    """What survives Graph's JSON: unrecorded targets are all users, the Authenticator's always have a mode."""
    authenticator = config.id.lower() == "microsoftauthenticator"
    includes = tuple(
        dataclasses.replace(
            t, authentication_mode=(t.authentication_mode or DEFAULT_AUTHENTICATION_MODE) if authenticator else None
        )
        for t in (EVERYONE if config.include_targets is None else config.include_targets)
    )
    excludes = tuple(dataclasses.replace(t, authentication_mode=None) for t in config.exclude_targets or ())
    return dataclasses.replace(
        config,
        include_targets=includes,
        exclude_targets=excludes,
        office_phone_allowed=config.office_phone_allowed if config.id.lower() == "voice" else None,
        software_oath_enabled=config.software_oath_enabled if authenticator else None,
    )


def _registration(row: RegistrationDetails | None) -> RegistrationDetails | None:
    """The report's booleans are never null in Graph."""
    if row is None:
        return None
    return dataclasses.replace(
        row,
        is_sspr_registered=bool(row.is_sspr_registered),
        is_sspr_enabled=bool(row.is_sspr_enabled),
        is_sspr_capable=bool(row.is_sspr_capable),
        is_mfa_registered=bool(row.is_mfa_registered),
    )


def _method(method: AuthMethod) -> AuthMethod:
    """What survives Graph's JSON for the method's type."""
    phone = method.type == "phone"
    return AuthMethod(
        id=PHONE_METHOD_IDS.get(method.phone_type or "", method.id) if phone else method.id,
        type=method.type,
        odata_type=method.odata_type or f"#microsoft.graph.{method.type}AuthenticationMethod",
        phone_number=method.phone_number if phone else None,
        phone_type=method.phone_type if phone else None,
        email_address=method.email_address if method.type == "email" else None,
        display_name=method.display_name if method.type in NAMED_METHOD_TYPES else None,
    )


def _group_roles(users: tuple[User, ...], pim: bool) -> dict[str, tuple[RoleAssignment, ...]]:
    """Each user's roles as Graph shows them: a group's roles reach every member of the group."""
    group_roles: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    members: dict[str, set[str]] = defaultdict(set)
    for user in users:
        for role in user.roles:
            if role.via_group:
                group_roles[role.via_group].add((role.role_name, role.role_template_id, role.assignment))
                members[role.via_group].add(user.id)
    result = {}
    for user in users:
        held = {r for r in user.roles if not r.via_group}
        for group, ids in members.items():
            if user.id in ids:
                held |= {RoleAssignment(name, template, kind, group) for name, template, kind in group_roles[group]}
        if not pim:
            held = {r for r in held if r.assignment != "eligible"}
        if held:
            result[user.id] = tuple(sorted(held, key=sort_key))
    return result
