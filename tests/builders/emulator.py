"""Hand-built snapshots for the Graph emulator tests: a small tenant with every shape the emulator maps."""

from __future__ import annotations

from sspr_audit.audit.sspr_methods import PHONE_METHOD_IDS
from sspr_audit.snapshot.models import (
    ALL_USERS,
    AuthMethod,
    CollectionState,
    CollectionStatus,
    Group,
    Licence,
    MethodConfiguration,
    MethodTarget,
    RegistrationDetails,
    RoleAssignment,
    Snapshot,
    Tenant,
    TenantSettings,
    User,
)
from tests.builders import GLOBAL_ADMIN, HELPDESK_ADMIN, PASSWORD_ADMIN, USER_ADMIN

GRAPH = "#microsoft.graph."
CUSTOM_ROLE = "0f5c6a1e-2b3c-4d5e-8f90-a1b2c3d4e5f6"
PILOT_GROUP = Group("5f1b2c3d-0000-4000-8000-00000000a001", "SSPR Pilot")
NO_EMAIL_GROUP = Group("5f1b2c3d-0000-4000-8000-00000000a002", "No Email OTP")
E3_SKU = "05e9a617-0261-4cee-bb44-138d3ef5d965"

ALICE = "a0000000-0000-4000-8000-000000000001"
BOB = "a0000000-0000-4000-8000-000000000002"
CAROL = "a0000000-0000-4000-8000-000000000003"
DAVE = "a0000000-0000-4000-8000-000000000004"
ERIN = "a0000000-0000-4000-8000-000000000005"
FRANK = "a0000000-0000-4000-8000-000000000006"
GRACE = "a0000000-0000-4000-8000-000000000007"


def _phone(number: str, phone_type: str) -> AuthMethod:
    return AuthMethod(
        PHONE_METHOD_IDS[phone_type],
        "phone",
        GRAPH + "phoneAuthenticationMethod",
        phone_number=number,
        phone_type=phone_type,
    )


def _registration(*methods: str, admin: bool = False) -> RegistrationDetails:
    return RegistrationDetails(
        methods_registered=methods,
        is_admin=admin,
        is_sspr_registered=bool(methods),
        is_sspr_enabled=True,
        is_sspr_capable=bool(methods),
        is_mfa_registered=bool(methods),
        last_updated="2024-05-06T07:08:09Z",
    )


def _user(user_id: str, name: str, **fields) -> User:
    defaults = dict(
        display_name=name.title(), user_type="Member", account_enabled=True, methods=(), registration=_registration()
    )
    defaults.update(fields)
    return User(id=user_id, user_principal_name=f"{name}@contoso.example", **defaults)


def small_tenant() -> Snapshot:
    """Seven users covering every method type, role path, manager case and failure the emulator serves."""
    users = (
        _user(
            ALICE,
            "alice",
            mobile_phone="+1 4255550101",
            business_phones=("+1 4255550100",),
            other_mails=("alice@home.example",),
            mail="alice@contoso.example",
            department="IT",
            job_title="Admin",
            usage_location="US",
            country="United States",
            on_premises_sync_enabled=True,
            manager_id=BOB,
            manager_name="Bob",
            methods=(
                _phone("+1 4255550101", "mobile"),
                AuthMethod("e1", "email", GRAPH + "emailAuthenticationMethod", email_address="alice@home.example"),
                AuthMethod(
                    "m1",
                    "microsoftAuthenticator",
                    GRAPH + "microsoftAuthenticatorAuthenticationMethod",
                    display_name="Alice's iPhone",
                ),
            ),
            registration=_registration("mobilePhone", "email", "microsoftAuthenticatorPush", admin=True),
            roles=(
                RoleAssignment(*GLOBAL_ADMIN, "active"),
                RoleAssignment("Contoso Custom Role", CUSTOM_ROLE, "active"),
            ),
            groups=(PILOT_GROUP.id,),
        ),
        _user(
            BOB,
            "bob",
            methods=(
                AuthMethod("28c10230-6103-485e-b985-444c60001490", "password", GRAPH + "passwordAuthenticationMethod"),
                AuthMethod("f1", "fido2", GRAPH + "fido2AuthenticationMethod", display_name="YubiKey 5"),
                AuthMethod(
                    "w1",
                    "windowsHelloForBusiness",
                    GRAPH + "windowsHelloForBusinessAuthenticationMethod",
                    display_name="BOB-LAPTOP",
                ),
                AuthMethod("s1", "softwareOath", GRAPH + "softwareOathAuthenticationMethod"),
                AuthMethod("t1", "temporaryAccessPass", GRAPH + "temporaryAccessPassAuthenticationMethod"),
            ),
            registration=_registration("fido2", "windowsHelloForBusiness", "softwareOneTimePasscode", admin=True),
            roles=(
                RoleAssignment(*HELPDESK_ADMIN, "active", via_group="Helpdesk Admins"),
                RoleAssignment(*USER_ADMIN, "eligible"),
            ),
        ),
        _user(
            CAROL,
            "carol",
            account_enabled=False,
            methods=(_phone("+44 2079460000", "office"),),
            registration=_registration("officePhone"),
            groups=(PILOT_GROUP.id,),
        ),
        _user(
            DAVE,
            "dave",
            user_type="Guest",
            registration=None,
            roles=(
                RoleAssignment(*PASSWORD_ADMIN, "eligible", via_group="Password Admins"),
                RoleAssignment(*HELPDESK_ADMIN, "active", via_group="Helpdesk Admins"),
            ),
        ),
        _user(
            ERIN,
            "erin",
            methods=None,
            registration=_registration("mobilePhone"),
            collection=CollectionStatus(CollectionState.FAILED, "methods call failed"),
        ),
        _user(
            FRANK,
            "frank",
            manager_id="b0000000-0000-4000-8000-0000000000ff",
            manager_name="External Boss",
            methods=(_phone("+1 2065550123", "alternateMobile"),),
            registration=_registration("alternateMobilePhone"),
            groups=(NO_EMAIL_GROUP.id,),
        ),
        _user(
            GRACE,
            "grace",
            methods=(
                AuthMethod("x1", "unrecognised", GRAPH + "futureThingAuthenticationMethod", display_name="Future"),
            ),
        ),
    )
    settings = TenantSettings(
        method_configurations=(
            MethodConfiguration("Sms", "enabled"),
            MethodConfiguration("Voice", "enabled", office_phone_allowed=True),
            MethodConfiguration("Email", "enabled", exclude_targets=(MethodTarget(NO_EMAIL_GROUP.id),)),
            MethodConfiguration(
                "MicrosoftAuthenticator",
                "enabled",
                (MethodTarget(ALL_USERS, authentication_mode="push"),),
                software_oath_enabled=True,
            ),
            MethodConfiguration("SoftwareOath", "disabled", (MethodTarget(PILOT_GROUP.id),)),
        ),
        licences=(Licence(E3_SKU, "SPE_E3", "Enabled", ("AAD_PREMIUM", "EXCHANGE_S_ENTERPRISE"), is_trial=False),),
        policy_migration_state="migrationInProgress",
        admins_allowed_sspr=False,
    )
    tenant = Tenant(
        id="c0ffee00-0000-4000-8000-000000000001",
        display_name="Contoso Demo",
        verified_domains=("contoso.example", "contosodemo.onmicrosoft.com"),
        on_premises_sync_enabled=True,
        collected_at="2024-06-01T00:00:00Z",
        graph_endpoint="https://graph.microsoft.com",
        settings=settings,
        groups=(PILOT_GROUP, NO_EMAIL_GROUP),
    )
    return Snapshot(tenant=tenant, users=users, generator="tests")


def numbered_tenant(count: int, disabled_every: int = 4) -> Snapshot:
    """``count`` plain users; every ``disabled_every``-th one is disabled."""
    users = tuple(
        _user(
            f"d0000000-0000-4000-8000-{index:012d}",
            f"user{index:05d}",
            account_enabled=index % disabled_every != 0,
            registration=_registration("email") if index % 2 else _registration(),
        )
        for index in range(1, count + 1)
    )
    tenant = Tenant(
        id="c0ffee00-0000-4000-8000-000000000002",
        display_name="Numbered",
        verified_domains=("numbered.onmicrosoft.com",),
        on_premises_sync_enabled=None,
        collected_at="2024-06-01T00:00:00Z",
        graph_endpoint="https://graph.microsoft.com",
    )
    return Snapshot(tenant=tenant, users=users, generator="tests")
