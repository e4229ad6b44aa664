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
- only the requested scope groups are collected, and password writeback
  cannot be read with app-only permissions.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict

from sspr_audit.audit.sspr_methods import PHONE_METHOD_IDS
from sspr_audit.collect.assemble import GENERATOR
from sspr_audit.collect.mapping import failure_reason, needs_methods, retries_exhausted
from sspr_audit.collect.retry import DEFAULT_MAX_ATTEMPTS
from sspr_audit.collect.roles import sort_key
from sspr_audit.collect.sources import PERMISSIONS
from sspr_audit.snapshot.models import (
    AuthMethod,
    CollectionState,
    CollectionStatus,
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
    truth: Snapshot, registration_permitted: bool = True, pim_permitted: bool | None = None
) -> Snapshot:
    """``truth`` as the collector must report it (``pim_permitted`` follows ``registration_permitted``)."""
    pim = registration_permitted if pim_permitted is None else pim_permitted
    roles = _group_roles(truth.users, pim)
    ordered_groups = [g.id for g in truth.tenant.groups]
    names = {u.id: u.display_name for u in truth.users}
    users = []
    for user in truth.users:
        if not user.account_enabled:
            continue
        registration = _registration(user.registration) if registration_permitted else None
        methods, status = None, CollectionStatus()
        if needs_methods(registration):
            if user.collection.state == CollectionState.FAILED:
                detail = retries_exhausted(PERSISTENT_FAILURE_STATUS, DEFAULT_MAX_ATTEMPTS)
                status = CollectionStatus(CollectionState.FAILED, failure_reason(detail))
            else:
                methods = tuple(_method(m) for m in user.methods or ())
        users.append(
            dataclasses.replace(
                user,
                methods=methods,
                registration=registration,
                roles=roles.get(user.id, ()),
                collection=status,
                manager_name=names.get(user.manager_id, user.manager_name) if user.manager_id else None,
                groups=tuple(g for g in ordered_groups if g in set(user.groups)),
            )
        )
    tenant = dataclasses.replace(
        truth.tenant,
        settings=dataclasses.replace(truth.tenant.settings, password_writeback_enabled=None),
        sources=expected_sources(truth, registration_permitted, pim, tuple(users)),
    )
    return Snapshot(tenant=tenant, users=tuple(users), schema_version=truth.schema_version, generator=GENERATOR)


def expected_sources(
    truth: Snapshot, registration_permitted: bool, pim: bool, users: tuple[User, ...]
) -> tuple[SourceStatus, ...]:
    """Source states (without Graph's messages) the collection of ``truth`` records."""

    def status(
        source: Source, state: SourceState = SourceState.READ, http: int | None = None, code: str | None = None
    ) -> SourceStatus:
        permission = PERMISSIONS[source] if state in (SourceState.NOT_PERMITTED, SourceState.FAILED) else None
        return SourceStatus(source.value, state, http, code, None, permission)

    fetched = [u for u in users if needs_methods(u.registration)]
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
        Source.GROUPS: status(Source.GROUPS)
        if truth.tenant.groups
        else status(Source.GROUPS, SourceState.NOT_ATTEMPTED),
        Source.MANAGERS: status(Source.MANAGERS),
    }
    return tuple(found[s] for s in Source)


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
