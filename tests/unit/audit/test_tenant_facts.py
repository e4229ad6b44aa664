"""Tenant facts that change verdicts: the two-gate role list, isAdmin, writeback, scope, licences."""

from __future__ import annotations

from sspr_audit.audit import engine, policy
from sspr_audit.audit.admin_roles import TWO_GATE_ROLE_NAMES, matcher
from sspr_audit.audit.results import Readiness
from sspr_audit.audit.tenant_facts import FREE, PAID, TRIAL, licence_level
from sspr_audit.snapshot.models import Licence, RegistrationDetails, SourceState, SourceStatus, TenantSettings
from tests.builders import DATA
from tests.builders import snapshots as b

ROLES_TABLE = DATA / "sspr-two-gate-roles.md"
MIGRATION_ADMIN = "8c8b803f-96e1-4129-9349-20738d9f9652"
P2 = Licence("84a661c4", "AAD_PREMIUM_P2", "Enabled", ("AAD_PREMIUM_P2", "EXCHANGE_S_STANDARD"), False)


def judge(*users, declared=None, **tenant):
    snap = b.snapshot(*users, **tenant)
    return engine.run(snap, policy.resolve(declared or {}, snap.tenant), as_of="2026-11-26")


def microsofts_roles() -> set[str]:
    rows = [line for line in ROLES_TABLE.read_text(encoding="utf-8").splitlines() if line.startswith("| ")][2:]
    return {cell.strip() for row in rows for cell in row.strip("|").split("|") if cell.strip()}


def test_the_two_gate_role_list_is_microsofts_table():
    """concept-sspr-policy, "Administrator reset policy differences" (tests/data/sspr-two-gate-roles.md)."""
    assert set(TWO_GATE_ROLE_NAMES) == microsofts_roles()


def test_migration_administrator_matches_by_name_and_template_id():
    is_two_gate = matcher()
    assert is_two_gate("Microsoft 365 Migration Administrator", "")
    assert is_two_gate("Renamed in this tenant", MIGRATION_ADMIN)
    assert is_two_gate("Microsoft365 Migration Administrator", "")  # the spelling seen before


def test_without_role_assignments_the_registration_reports_is_admin_decides():
    """userRegistrationDetails.isAdmin: "whether the user has an admin role" (graph-v1.0-userregistrationdetails)."""
    reported = b.user(
        "boss", methods=(b.app(),), registration=RegistrationDetails(("microsoftAuthenticatorPush",), True)
    )
    result = judge(reported)
    boss = result.users[0]
    assert boss.is_admin and boss.required == 2 and boss.status == Readiness.NOT_READY
    assert any("registration report says isAdmin" in a for a in result.assumptions)
    roles_read = (*b.tenant().sources, SourceStatus("role_assignments", SourceState.READ))
    assert not judge(reported, sources=roles_read).users[0].is_admin  # the roles were read: they decide


def test_synced_users_cannot_reset_when_writeback_is_off():
    """A synced user "is asked to contact their administrator" without password writeback
    (concept-sspr-howitworks)."""
    synced = b.user("hybrid", methods=(b.app(),), on_premises_sync_enabled=True)
    cloud = b.user("cloud", methods=(b.app(),), on_premises_sync_enabled=False)
    off = judge(synced, cloud, on_premises_sync_enabled=True, declared={"tenant.password_writeback": False})
    assert [u.status for u in off.users] == [Readiness.NOT_READY, Readiness.READY]
    assert "password writeback is off (declared in the policy file)" in off.users[0].reason
    read = judge(
        synced,
        on_premises_sync_enabled=True,
        settings=TenantSettings(admins_allowed_sspr=True, password_writeback_enabled=False),
    )
    assert read.users[0].status == Readiness.NOT_READY and "(read from the tenant)" in read.users[0].reason
    unknown = judge(synced, on_premises_sync_enabled=True)
    assert unknown.users[0].status == Readiness.READY
    assert any("Password writeback is unknown" in a and "1 synced user(s)" in a for a in unknown.assumptions)


def test_undeclared_scope_follows_is_sspr_enabled_and_a_declared_one_lists_disagreement():
    """isSsprEnabled: "whether the user is allowed to perform self-service password reset by policy"
    (graph-v1.0-userregistrationdetails)."""
    outside = b.user("outside", methods=(b.app(),), registration=RegistrationDetails((), is_sspr_enabled=False))
    inside = b.user("inside", methods=(b.app(),), registration=RegistrationDetails((), is_sspr_enabled=True))
    result = judge(outside, inside)
    assert [u.status for u in result.users] == [Readiness.OUT_OF_SCOPE, Readiness.READY]
    assert "isSsprEnabled is false" in result.users[0].reason
    declared = judge(outside, inside, declared={"sspr.scope": "all"})
    assert [u.status for u in declared.users] == [Readiness.READY, Readiness.READY]
    [note] = [a for a in declared.assumptions if "disagree" in a]
    assert "1 user(s): outside@contoso.com" in note


def test_office_phones_need_a_paid_subscription():
    """Office phone needs a paid subscription (concept-authentication-phone-options; concept-sspr-policy:
    "Office and mobile voice calls are also prohibited for trial or free versions")."""
    office = b.user("desk", methods=(b.phone("+1 4255550100", "office"),))
    declared = {"sspr.methods_enabled": ["office_phone"]}
    free = judge(office, declared=declared, settings=TenantSettings(licences=()))
    assert free.users[0].status == Readiness.NOT_READY and "paid subscription" in free.users[0].reason
    paid = judge(office, declared=declared, settings=TenantSettings(licences=(P2,)))
    assert paid.users[0].status == Readiness.READY
    unread = judge(office, declared=declared)
    assert unread.users[0].status == Readiness.READY and any(
        "subscriptions were not read" in a for a in unread.assumptions
    )


def test_licence_levels():
    trial = Licence("x", "AAD_PREMIUM", "Enabled", ("AAD_PREMIUM",), True)
    expired = Licence("y", "SPB", "Suspended", (), False)
    assert licence_level(None) is None
    assert licence_level(()) == FREE and licence_level((expired,)) == FREE
    assert licence_level((trial,)) == TRIAL and licence_level((trial, P2)) == PAID


def test_every_output_names_the_licence_level_used():
    """The report names the licence level it assumed (issue: free and trial tenants lose office phones)."""
    office = b.user("desk", methods=(b.phone("+1 4255550100", "office"),))
    settings = {s.name: (s.value, s.origin) for s in judge(office, settings=TenantSettings(licences=(P2,))).policy}
    assert settings["Licence level"] == ("paid", "tenant")
    unread = {s.name: (s.value, s.origin) for s in judge(office).policy}
    assert unread["Licence level"] == ("paid (assumed: the subscriptions were not read)", "default")
