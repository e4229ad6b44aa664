"""Each rule: a case that fires and a near miss that does not; readiness statuses."""

from __future__ import annotations

import pytest

from sspr_audit.audit import engine, policy
from sspr_audit.audit.results import Readiness
from sspr_audit.snapshot.models import SourceState, SourceStatus
from tests.builders import REPORTS_READER
from tests.builders import snapshots as b

BEFORE_OCTOBER_2026 = "2026-09-01"  # directory contact data still counted for SSPR


def audit(snap, as_of=None, **declared):
    resolved = policy.resolve({k.replace("__", "."): v for k, v in declared.items()}, snap.tenant)
    return engine.run(snap, resolved, generated_at="2026-11-23T00:00:00Z", as_of=as_of)


def rules_of(result, upn: str) -> set[str]:
    return {f.rule for f in result.findings if f.upn == upn}


def status_of(result, upn: str) -> Readiness:
    return next(u.status for u in result.users if u.user.user_principal_name == upn)


def one(u, as_of=None, **declared):
    result = audit(b.snapshot(u), as_of=as_of, **declared)
    return rules_of(result, u.user_principal_name), status_of(result, u.user_principal_name), result


# -- SSPR001 / SSPR002 / SSPR003 ---------------------------------------------------------------------------------


def test_sspr001_fires_for_a_user_with_nothing_usable():
    rules, status, _ = one(b.user("nomethod", methods=(b.fido2(),)))
    assert "SSPR001" in rules and status == Readiness.NOT_READY


def test_sspr001_near_miss_prepopulated_mobile_counted_before_october_2026():
    """Until 5 October 2026 prepopulated directory data counted (howto-sspr-authenticationdata)."""
    rules, status, _ = one(b.user("prepop", methods=(), mobile_phone="+1 2065550123"), as_of=BEFORE_OCTOBER_2026)
    assert "SSPR001" not in rules
    assert status == Readiness.READY_UNVERIFIED and "SSPR002" in rules


def test_sspr009_directory_data_alone_no_longer_counts_from_5_october_2026():
    """SSPR accepts only explicitly registered methods from 5 October 2026 (howto-sspr-authenticationdata,
    https://learn.microsoft.com/entra/identity/authentication/howto-sspr-authenticationdata, "Important")."""
    u = b.user("prepop", methods=(), mobile_phone="+1 2065550123", other_mails=("alex.home@example.org",))
    rules, status, result = one(u, as_of="2026-10-05")
    assert status == Readiness.NOT_READY and "SSPR009" in rules and not {"SSPR001", "SSPR002"} & rules
    finding = next(f for f in result.findings if f.rule == "SSPR009")
    assert "mobilePhone +1 2065550123" in finding.message and "otherMails[0] alex.home@example.org" in finding.message
    assert "5 October 2026" in finding.message and "Temporary Access Pass" in finding.advice
    assert "directory data, never registered" in result.users[0].reason
    rules, status, _ = one(u, as_of="2026-10-04")
    assert status == Readiness.READY_UNVERIFIED and "SSPR009" not in rules


def test_sspr001_near_miss_disabled_method_is_not_usable_but_enabled_one_is():
    u = b.user("office", methods=(b.phone("+1 2065550123", "office"),))
    rules, status, _ = one(u)  # office phone is not in Microsoft's default methods
    assert "SSPR001" in rules
    rules, status, _ = one(u, sspr__methods_enabled=["office_phone"])
    assert "SSPR001" not in rules and status == Readiness.READY


def test_sspr002_near_miss_registered_method():
    rules, status, _ = one(b.user("reg", methods=(b.phone("+1 2065550123"),), mobile_phone="+1 2065550123"))
    assert "SSPR002" not in rules and status == Readiness.READY


def test_sspr003_fires_when_two_required_and_one_present():
    rules, status, result = one(b.user("single", methods=(b.app(),)), sspr__methods_required=2)
    assert "SSPR003" in rules and status == Readiness.NOT_READY
    assert "SSPR001" not in rules
    finding = next(f for f in result.findings if f.rule == "SSPR003")
    assert finding.value == "mobile_app" and "requires 2" in finding.message


def test_sspr003_near_miss_one_required():
    rules, status, _ = one(b.user("single", methods=(b.app(),)))
    assert "SSPR003" not in rules and status == Readiness.READY


def test_authenticator_app_and_a_third_party_oath_app_are_two_methods():
    """Microsoft Authenticator, software OATH and hardware OATH are separate configurations of the
    authentication methods policy (concept-authentication-methods-manage): separate methods."""
    oath = b.app()
    oath = type(oath)(id="oath", type="softwareOath", odata_type="#microsoft.graph.softwareOathAuthenticationMethod")
    rules, status, _ = one(b.user("app2", methods=(b.app(), oath)), sspr__methods_required=2)
    assert "SSPR003" not in rules and status == Readiness.READY


def test_one_apps_notification_and_code_count_once():
    """The registration report lists the Authenticator's push and its code; the report cannot tell the code
    from a second app, so they count once."""
    u = b.user("app1", methods=None, registered=("microsoftAuthenticatorPush", "softwareOneTimePasscode"))
    rules, status, _ = one(u, sspr__methods_required=2)
    assert "SSPR003" in rules and status == Readiness.NOT_READY


def test_hardware_oath_counts_from_the_registration_report_even_when_methods_were_read():
    """Graph v1.0 lists no hardware OATH token per user; the registration report's hardwareOneTimePasscode is
    the only evidence (DOMAIN: concept-authentication-methods-manage)."""
    u = b.user("token", methods=(b.app(),), registered=("microsoftAuthenticatorPush", "hardwareOneTimePasscode"))
    _rules, status, result = one(u, sspr__methods_required=2)
    assert status == Readiness.READY
    assert {m.method for m in result.users[0].usable} == {"mobile_app", "hardware_oath"}


# -- administrators ----------------------------------------------------------------------------------------------


def test_sspr004_admin_with_one_method_even_when_tenant_needs_one():
    rules, status, result = one(b.user("admin", methods=(b.app(),), roles=(b.role(),)))
    assert "SSPR004" in rules and status == Readiness.NOT_READY
    assert next(u for u in result.users).required == 2


def test_sspr004_near_miss_admin_with_two_methods():
    rules, status, _ = one(b.user("admin", methods=(b.app(), b.phone("+1 2065550123")), roles=(b.role(),)))
    assert "SSPR004" not in rules and status == Readiness.READY


def test_sspr004_security_questions_never_count_for_admins():
    u = b.user(
        "admin", methods=(b.app(),), registered=("microsoftAuthenticatorPush", "securityQuestion"), roles=(b.role(),)
    )
    rules, status, _ = one(u, sspr__methods_enabled=["mobile_app", "security_questions"])
    assert {"SSPR004", "SSPR005"} <= rules and status == Readiness.NOT_READY


def test_sspr004_pim_eligible_admin_is_judged_as_admin_and_marked():
    u = b.user("eligible", methods=(b.app(),), roles=(b.role(assignment="eligible"),))
    rules, _status, result = one(u)
    assert "SSPR004" in rules
    assert result.users[0].admin_eligible_only is True
    assert "PIM-eligible" in next(f.message for f in result.findings if f.rule == "SSPR004")


def test_admin_via_group_counts_as_admin():
    u = b.user("grp", methods=(b.app(),), roles=(b.role(via_group="Tier0 Admins"),))
    rules, _, result = one(u)
    assert "SSPR004" in rules and result.users[0].is_admin


def test_non_admin_role_is_not_two_gate_unless_policy_adds_it():
    u = b.user("reader", methods=(b.app(),), roles=(b.role(REPORTS_READER),))
    rules, status, result = one(u)
    assert "SSPR004" not in rules and not result.users[0].is_admin and status == Readiness.READY
    rules, _, _ = one(u, admins__add_roles=["Reports Reader"])
    assert "SSPR004" in rules


@pytest.mark.parametrize("sync", [False, None])
def test_one_gate_tenant_admin_needs_one_method(sync):
    """One-gate: no custom domain and not synchronising; onPremisesSyncEnabled is null for a tenant that never
    synced (concept-sspr-policy, "Administrator reset policy differences")."""
    u = b.user("admin", methods=(b.app(),), roles=(b.role(),), user_principal_name="admin@contoso.onmicrosoft.com")
    read = tuple(SourceStatus(s, SourceState.READ) for s in ("users", "registration_details", "organization"))
    snap = b.snapshot(u, verified_domains=("contoso.onmicrosoft.com",), on_premises_sync_enabled=sync, sources=read)
    result = audit(snap)
    assert result.users[0].required == 1 and result.users[0].status == Readiness.READY
    unread = b.snapshot(u, verified_domains=(), on_premises_sync_enabled=None)  # organization not read: two-gate
    assert audit(unread).users[0].required == 2


def test_admins_not_allowed_sspr_are_out_of_scope():
    rules, status, _ = one(b.user("admin", methods=(b.app(),), roles=(b.role(),)), sspr__admins_allowed=False)
    assert status == Readiness.OUT_OF_SCOPE and "SSPR004" not in rules


def test_sspr005_near_miss_admin_without_security_questions():
    u = b.user(
        "admin",
        methods=(b.app(), b.phone("+1 2065550123")),
        registered=("microsoftAuthenticatorPush",),
        roles=(b.role(),),
    )
    rules, _, _ = one(u)
    assert "SSPR005" not in rules


# -- security questions, unknown ---------------------------------------------------------------------------------


def test_sspr006_security_questions_alone_suffice_when_declared_and_one_required():
    """No Microsoft page says security questions never suffice alone; they retire in March 2027
    (concept-sspr-howitworks, "Security questions (retiring March 2027)")."""
    u = b.user("sq", methods=None, registered=("securityQuestion",))
    rules, status, result = one(u, sspr__security_questions=True)
    assert status == Readiness.READY and "SSPR006" in rules and "SSPR001" not in rules
    assert "March 2027" in next(f.message for f in result.findings if f.rule == "SSPR006")
    assert result.users[0].loses_sspr_on == "2027-03-01"
    rules, status, result = one(u)  # not declared: Graph cannot read the legacy SSPR policy
    assert status == Readiness.NOT_READY and "SSPR001" in rules
    assert "security_questions = true" in result.users[0].reason


def test_sspr006_near_miss_security_questions_plus_email():
    u = b.user("sq", methods=None, registered=("securityQuestion", "email"))
    rules, status, _ = one(u, sspr__methods_enabled=["security_questions", "email"])
    assert "SSPR006" not in rules and status == Readiness.READY


def test_sspr007_failed_collection_is_unknown_never_not_ready():
    u = b.failed(b.user("broken", registered=None, methods=None))
    rules, status, _ = one(u)
    assert status == Readiness.UNKNOWN
    assert "SSPR007" in rules and not {"SSPR001", "SSPR003"} & rules


def test_sspr007_near_miss_registration_report_answers_without_per_user_call():
    u = b.user("report", methods=None, registered=("microsoftAuthenticatorPush",))
    rules, status, _ = one(u)
    assert "SSPR007" not in rules and status == Readiness.READY


# -- phones ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "fires", "suggestion"),
    [
        ("+14255550123", True, "+1 4255550123"),
        ("+1 (425) 555-0123", True, "+1 4255550123"),
        ("+1 4255550123", False, None),
    ],
)
def test_phn001(number, fires, suggestion):
    rules, _, result = one(b.user("p", methods=(b.app(),), mobile_phone=number))
    assert ("PHN001" in rules) is fires
    if fires:
        finding = next(f for f in result.findings if f.rule == "PHN001")
        assert finding.field == "mobilePhone" and finding.value == number and finding.suggestion == suggestion


def test_phn002_extension_and_near_miss():
    rules, status, result = one(b.user("x", methods=(), mobile_phone="+1 4255550123 x123"), as_of=BEFORE_OCTOBER_2026)
    assert "PHN002" in rules and "PHN001" not in rules
    assert next(f for f in result.findings if f.rule == "PHN002").suggestion == "+1 4255550123"
    assert status == Readiness.AT_RISK
    rules, _, _ = one(b.user("x", methods=(), mobile_phone="+1 4255550123"))
    assert "PHN002" not in rules


def test_phn003_microsoft_example_is_formatted_but_invalid():
    rules, _, _ = one(b.user("ms", methods=(b.app(),), mobile_phone="+1 4251234567"))
    assert "PHN003" in rules and "PHN001" not in rules
    rules, _, _ = one(b.user("ok", methods=(b.app(),), mobile_phone="+1 4255550123"))
    assert "PHN003" not in rules


def test_phn004_uk_landline_in_mobile_slot_but_not_nanp():
    rules, _, _ = one(b.user("uk", methods=(b.app(),), mobile_phone="+44 2079460000", usage_location="GB"))
    assert "PHN004" in rules
    rules, _, _ = one(b.user("us", methods=(b.app(),), mobile_phone="+1 4255550123"))
    assert "PHN004" not in rules
    rules, _, _ = one(b.user("ukoffice", methods=(b.app(),), business_phones=("+44 2079460000",)))
    assert "PHN004" not in rules


def test_phn005_shared_number_lists_the_other_users():
    a = b.user("a", methods=(b.app(),), business_phones=("+44 20 7946 0000",))
    c = b.user("c", methods=(b.app(),), business_phones=("+44 2079460000",))
    d = b.user("d", methods=(b.app(),), business_phones=("+44 2079460001",))
    result = audit(b.snapshot(a, c, d))
    shared = [f for f in result.findings if f.rule == "PHN005"]
    assert {f.upn for f in shared} == {"a@contoso.com", "c@contoso.com"}
    assert "c@contoso.com" in next(f.message for f in shared if f.upn == "a@contoso.com")


def test_national_number_needs_a_region_for_a_suggestion():
    _, _, result = one(b.user("nat", methods=(b.app(),), mobile_phone="(425) 555-0123", usage_location=None))
    finding = next(f for f in result.findings if f.rule == "PHN001")
    assert finding.suggestion is None
    _rules, _, result = one(b.user("nat", methods=(b.app(),), mobile_phone="(425) 555-0123", usage_location="US"))
    assert next(f for f in result.findings if f.rule == "PHN001").suggestion == "+1 4255550123"


def test_masked_number_is_not_malformed():
    rules, status, _ = one(b.user("m", methods=(b.phone("+1 42XXXXXX23"),)))
    assert not {"PHN001", "PHN002", "PHN003", "PHN004"} & rules and status == Readiness.READY


# -- emails, tenant ----------------------------------------------------------------------------------------------


def test_eml001_org_domain_and_near_miss():
    rules, status, _ = one(b.user("e", methods=(), other_mails=("alex.home@contoso.com",)), as_of=BEFORE_OCTOBER_2026)
    assert "EML001" in rules and status == Readiness.AT_RISK
    rules, _, _ = one(b.user("e", methods=(), other_mails=("alex.home@example.org",)))
    assert "EML001" not in rules


def test_eml002_malformed_and_near_miss():
    rules, status, _ = one(b.user("e", methods=(), other_mails=("alex..home@example.org",)))
    assert "EML002" in rules and status == Readiness.NOT_READY
    rules, _, _ = one(b.user("e", methods=(b.email("alex@example.org"),)))
    assert "EML002" not in rules


def test_ten001_hybrid_only():
    u = b.user("s", methods=(b.app(),), on_premises_sync_enabled=True)
    result = audit(b.snapshot(u, on_premises_sync_enabled=True))
    tenant_findings = [f for f in result.findings if f.rule == "TEN001"]
    assert len(tenant_findings) == 1 and tenant_findings[0].upn is None
    assert "could not be read" in tenant_findings[0].message
    assert not any(f.rule == "TEN001" for f in audit(b.snapshot(u)).findings)


# -- scope, exclusions, overrides --------------------------------------------------------------------------------


def test_selected_scope_and_exclusions():
    inside = b.user("in", methods=(), groups=(b.PILOT.id,))
    outside = b.user("out", methods=())
    glass = b.user("breakglass01", methods=())
    result = audit(
        b.snapshot(inside, outside, glass),
        sspr__scope="selected",
        sspr__groups=["SSPR Pilot"],
        exclude=(policy.Exclusion("breakglass*@contoso.com", "Emergency access"),),
    )
    assert status_of(result, "in@contoso.com") == Readiness.NOT_READY
    assert status_of(result, "out@contoso.com") == Readiness.OUT_OF_SCOPE
    assert status_of(result, "breakglass01@contoso.com") == Readiness.EXCLUDED
    assert "Emergency access" in next(u.reason for u in result.users if u.status == Readiness.EXCLUDED)
    assert {f.upn for f in result.findings} == {"in@contoso.com"}


def test_guests_out_of_scope_by_default():
    g = b.user("guest", methods=(), user_type="Guest")
    assert status_of(audit(b.snapshot(g)), g.user_principal_name) == Readiness.OUT_OF_SCOPE
    assert status_of(audit(b.snapshot(g), sspr__include_guests=True), g.user_principal_name) == Readiness.NOT_READY


def test_disable_and_severity_override():
    u = b.user("p", methods=(b.app(),), mobile_phone="+14255550123")
    result = audit(b.snapshot(u), rules__disable=["PHN001"])
    assert not any(f.rule == "PHN001" for f in result.findings)
    from sspr_audit.audit.results import Severity

    result = audit(b.snapshot(u), rules__severity={"PHN001": Severity.CRITICAL})
    assert next(f for f in result.findings if f.rule == "PHN001").severity == Severity.CRITICAL


def test_blank_contact_numbers_are_absent_not_malformed():
    rules, status, _ = one(b.user("blank", methods=(b.app(),), mobile_phone=" ", business_phones=("", "  ")))
    assert not {r for r in rules if r.startswith("PHN")} and status == Readiness.READY


def test_ten002_masked_numbers_are_reported_once_with_the_permission_that_reveals_them():
    masked = b.user("m1", methods=(b.phone("+1 42XXXXXX23"), b.app()))
    other = b.user("m2", methods=(b.phone("+44 7XXXXXXX12"), b.app()))
    result = audit(b.snapshot(masked, other))
    [finding] = [f for f in result.findings if f.rule == "TEN002"]
    assert finding.upn is None and finding.value == "2"
    assert "UserAuthenticationMethod.Read.All" in finding.message
    plain = audit(b.snapshot(b.user("p", methods=(b.phone("+1 4255550123"),))))
    assert not any(f.rule == "TEN002" for f in plain.findings)


def test_sspr008_unrecognised_method_is_reported_not_counted():
    future = b.app()
    future = type(future)(id="f1", type="unrecognised", odata_type="#microsoft.graph.futureAuthenticationMethod")
    rules, status, result = one(b.user("f", methods=(future,)))
    assert "SSPR008" in rules and "SSPR001" in rules and status == Readiness.NOT_READY
    finding = next(f for f in result.findings if f.rule == "SSPR008")
    assert finding.value == "#microsoft.graph.futureAuthenticationMethod"
    rules, _, _ = one(b.user("g", methods=(b.app(),)))
    assert "SSPR008" not in rules
