"""Verdicts by the authentication methods policy per user, on a tenant collected through the Graph emulator.

Microsoft's rule (concept-authentication-methods-manage, how-to-authentication-methods-manage): a method counts
for a user only when its configuration is enabled, the user is in an included group (or all users, nested groups
counting) and in no excluded group; a group that could not be read makes the verdict unknown, never "not enabled".
"""

from __future__ import annotations

import dataclasses

import pytest

from sspr_audit.audit import engine, policy
from sspr_audit.audit.results import Readiness
from sspr_audit.emulator.config import EmulatorConfig
from sspr_audit.emulator.server import emulator_in_thread
from sspr_audit.snapshot.models import (
    ALL_USERS,
    AuthMethod,
    Group,
    Licence,
    MethodConfiguration,
    MethodTarget,
    RegistrationDetails,
    Snapshot,
    TenantSettings,
)
from tests.builders import snapshots as b
from tests.builders.emulator import small_tenant
from tests.system.test_method_targets import collect_from

PILOT = Group("0000eeee-0000-4000-8000-000000000001", "SSPR-Pilot-SMS")
FIELD = Group("0000eeee-0000-4000-8000-000000000002", "SSPR-Pilot-SMS-Field")  # nested in PILOT
NO_EMAIL = Group("0000eeee-0000-4000-8000-000000000003", "No-Email-OTP")
HIDDEN = Group("0000eeee-0000-4000-8000-000000000004", "OATH-Hidden")  # its members answer 403
OATH_APP = AuthMethod("s1", "softwareOath", "#microsoft.graph.softwareOathAuthenticationMethod")


def _person(n: int, name: str, methods: tuple[AuthMethod, ...], groups: tuple[str, ...] = ()):
    template = small_tenant().users[-1]
    names = {"email": "email", "softwareOath": "softwareOneTimePasscode"}
    registered = tuple(
        ("mobilePhone" if m.phone_type == "mobile" else "officePhone")
        if m.type == "phone"
        else names.get(m.type, "microsoftAuthenticatorPush")
        for m in methods
    )
    return dataclasses.replace(
        template,
        id=f"b0000000-0000-4000-8000-{n:012d}",
        user_principal_name=f"{name}@contoso.example",
        display_name=name.title(),
        mobile_phone=None,
        business_phones=(),
        other_mails=(),
        methods=(b.PASSWORD, *methods),
        registration=RegistrationDetails(registered, is_admin=False, is_sspr_enabled=True),
        roles=(),
        groups=groups,
        manager_id=None,
        manager_name=None,
    )


def tenant() -> Snapshot:
    base = small_tenant()
    users = (
        _person(1, "pia", (b.phone("+1 4255550131"),), (PILOT.id,)),
        _person(2, "nico", (b.phone("+1 4255550132"),), (FIELD.id, PILOT.id)),
        _person(3, "olga", (b.phone("+1 4255550133"),)),
        _person(4, "eve", (b.email("eve@home.example"),), (NO_EMAIL.id,)),
        _person(5, "ada", (b.email("ada@home.example"),)),
        _person(6, "otto", (b.phone("+1 4255550136", "office"),)),
        _person(7, "amy", (b.app(),)),
        _person(8, "sol", (OATH_APP,), (HIDDEN.id,)),
    )
    configs = (
        MethodConfiguration("Sms", "enabled", (MethodTarget(PILOT.id),)),
        MethodConfiguration("Email", "enabled", (MethodTarget(ALL_USERS),), (MethodTarget(NO_EMAIL.id),)),
        MethodConfiguration("Voice", "disabled", (MethodTarget(ALL_USERS),), office_phone_allowed=True),
        MethodConfiguration(
            "MicrosoftAuthenticator", "enabled", (MethodTarget(ALL_USERS),), software_oath_enabled=False
        ),
        MethodConfiguration("SoftwareOath", "enabled", (MethodTarget(ALL_USERS),), (MethodTarget(HIDDEN.id),)),
    )
    p2 = Licence("84a661c4-e949-4bd2-a560-ed7766fcaf2b", "AAD_PREMIUM_P2", "Enabled", ("AAD_PREMIUM_P2",), False)
    settings = TenantSettings(method_configurations=configs, policy_migration_state="migrationComplete", licences=(p2,))
    groups = (PILOT, FIELD, NO_EMAIL, HIDDEN)
    return Snapshot(dataclasses.replace(base.tenant, settings=settings, groups=groups), users, generator="tests")


@pytest.fixture(scope="module")
def verdicts():
    with emulator_in_thread(tenant(), EmulatorConfig(throttle="off", unreadable_groups=(HIDDEN.id,))) as emu:
        got = collect_from(emu.url)
    result = engine.run(got, policy.resolve({}, got.tenant), as_of="2026-11-26")
    return {u.user.user_principal_name.split("@")[0]: u for u in result.users}


@pytest.mark.parametrize(
    ("name", "status", "because"),
    [
        ("pia", Readiness.READY, None),
        ("nico", Readiness.READY, None),  # through the group nested in the pilot
        ("olga", Readiness.NOT_READY, "Sms is enabled only for the group SSPR-Pilot-SMS; this user is not in it"),
        ("eve", Readiness.NOT_READY, "this user is in the excluded group No-Email-OTP"),
        ("ada", Readiness.READY, None),
        ("otto", Readiness.NOT_READY, "Voice is disabled in the authentication methods policy"),
        ("amy", Readiness.NOT_READY, "SSPR offers only the Authenticator's code"),
        ("sol", Readiness.UNKNOWN, "the members of the excluded group OATH-Hidden could not be read (403"),
    ],
)
def test_each_user_is_judged_by_the_policy_as_it_applies_to_them(verdicts, name, status, because):
    user = verdicts[name]
    assert user.status == status, user.reason
    if because:
        assert because in user.reason
        assert any(because in u.why for u in user.uncounted)


def test_a_policy_file_list_of_methods_replaces_per_user_targeting_for_a_what_if(verdicts):
    snap = tenant()
    result = engine.run(snap, policy.resolve({"sspr.methods_enabled": ("mobile_phone",)}, snap.tenant))
    by_name = {u.user.user_principal_name.split("@")[0]: u.status for u in result.users}
    assert by_name["olga"] == Readiness.READY and by_name["ada"] == Readiness.NOT_READY


def test_while_migration_is_not_complete_the_legacy_policy_is_declared_or_assumed_off():
    """concept-authentication-methods-manage: a user enabled for a method in any policy can use it."""
    snap = tenant()
    snap = dataclasses.replace(
        snap,
        tenant=dataclasses.replace(
            snap.tenant,
            settings=dataclasses.replace(snap.tenant.settings, policy_migration_state="migrationInProgress"),
        ),
    )
    undeclared = engine.run(snap, policy.resolve({}, snap.tenant))
    olga = next(u for u in undeclared.users if u.user.user_principal_name.startswith("olga"))
    assert olga.status == Readiness.NOT_READY and "legacy_methods: assumed off" in olga.reason
    touched = sum(any("legacy_methods" in u.why for u in r.uncounted) for r in undeclared.users)
    assert touched >= 4  # olga, eve, otto, amy
    assert any("migrationInProgress" in a and f"({touched} user(s) touched)" in a for a in undeclared.assumptions)
    declared = engine.run(snap, policy.resolve({"sspr.legacy_methods": ("mobile_phone",)}, snap.tenant))
    olga = next(u for u in declared.users if u.user.user_principal_name.startswith("olga"))
    assert olga.status == Readiness.READY
