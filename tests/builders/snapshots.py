"""Small builders for hand-made snapshots: a tenant, users and their methods."""

from __future__ import annotations

import itertools
from dataclasses import replace

from sspr_audit.audit.sspr_methods import PHONE_METHOD_IDS
from sspr_audit.snapshot.models import (
    AuthMethod,
    CollectionState,
    CollectionStatus,
    Group,
    RegistrationDetails,
    RoleAssignment,
    Snapshot,
    SourceState,
    SourceStatus,
    Tenant,
    TenantSettings,
    User,
)
from tests.builders import GLOBAL_ADMIN

_ids = itertools.count(1)

PILOT = Group("0000aaaa-0000-0000-0000-000000000001", "SSPR Pilot")


def tenant(**changes) -> Tenant:
    base = Tenant(
        id="11111111-2222-3333-4444-555555555555",
        display_name="Contoso Test",
        verified_domains=("contoso.com", "contoso.onmicrosoft.com"),
        on_premises_sync_enabled=False,
        collected_at="2026-11-20T09:00:00Z",
        graph_endpoint="https://graph.microsoft.com",
        sources=tuple(SourceStatus(s, SourceState.READ) for s in ("users", "registration_details")),
        settings=TenantSettings(admins_allowed_sspr=True),
        groups=(PILOT,),
    )
    return replace(base, **changes)


def phone(number: str, phone_type: str = "mobile") -> AuthMethod:
    return AuthMethod(
        PHONE_METHOD_IDS[phone_type],
        "phone",
        "#microsoft.graph.phoneAuthenticationMethod",
        phone_number=number,
        phone_type=phone_type,
    )


def email(address: str) -> AuthMethod:
    return AuthMethod(
        "3ddfcfc8-9383-446f-83cc-3ab9be4be18f",
        "email",
        "#microsoft.graph.emailAuthenticationMethod",
        email_address=address,
    )


def app(name: str = "iPhone 15") -> AuthMethod:
    return AuthMethod(
        f"app-{next(_ids)}",
        "microsoftAuthenticator",
        "#microsoft.graph.microsoftAuthenticatorAuthenticationMethod",
        display_name=name,
    )


def fido2() -> AuthMethod:
    return AuthMethod(
        f"fido-{next(_ids)}", "fido2", "#microsoft.graph.fido2AuthenticationMethod", display_name="YubiKey 5"
    )


PASSWORD = AuthMethod(
    "28c10230-6103-485e-b985-444c60001490", "password", "#microsoft.graph.passwordAuthenticationMethod"
)


def role(name_and_id=GLOBAL_ADMIN, assignment: str = "active", via_group: str | None = None) -> RoleAssignment:
    return RoleAssignment(name_and_id[0], name_and_id[1], assignment, via_group)


def user(name: str = "alex", *, methods=(), registered: tuple[str, ...] | None = None, **changes) -> User:
    """A member user; ``methods`` become the per-user methods (password added), ``registered`` the report row."""
    n = next(_ids)
    base = User(
        id=f"00000000-0000-0000-0000-{n:012d}",
        user_principal_name=f"{name}@contoso.com",
        display_name=name.title(),
        user_type="Member",
        account_enabled=True,
        usage_location="US",
        methods=(PASSWORD, *methods) if methods is not None else None,
        registration=RegistrationDetails(methods_registered=registered) if registered is not None else None,
    )
    return replace(base, **changes)


def failed(u: User, reason: str = "503 ServiceUnavailable after 5 attempts") -> User:
    return replace(u, methods=None, collection=CollectionStatus(CollectionState.FAILED, reason))


def snapshot(*users: User, **tenant_changes) -> Snapshot:
    return Snapshot(tenant=tenant(**tenant_changes), users=tuple(users))
