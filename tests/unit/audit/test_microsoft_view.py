"""Microsoft's own SSPR flags beside the verdict: when they are compared, and why they differ.

The flags are userRegistrationDetails' isSsprRegistered, isSsprEnabled and isSsprCapable
(graph-v1.0-userregistrationdetails); the report "can take up to 36 hours" to reflect a
change (howto-authentication-methods-activity).
"""

from __future__ import annotations

from sspr_audit.audit import engine, microsoft_view, policy
from sspr_audit.audit.results import Readiness
from sspr_audit.snapshot.models import RegistrationDetails
from tests.builders import snapshots as b

COLLECTED = "2026-11-20T09:00:00Z"  # the builders' collection time


def flags(capable, *, enabled=True, updated="2026-11-01T00:00:00Z", methods=("microsoftAuthenticatorPush",)):
    return RegistrationDetails(methods, False, True, enabled, capable, True, last_updated=updated)


def judge(*users, as_of="2026-11-26", declared=None):
    snap = b.snapshot(*users)
    result = engine.run(snap, policy.resolve(declared or {}, snap.tenant), as_of=as_of)
    return {r.user.display_name: (r, microsoft_view.view(r, COLLECTED)) for r in result.users}


def test_flags_that_match_the_verdict_agree():
    seen = judge(b.user("app", methods=(b.app(),), registration=flags(True)))
    r, v = seen["App"]
    assert r.status == Readiness.READY
    assert v is not None and v.agrees is True and (v.registered, v.enabled, v.capable) == (True, True, True)


def test_a_method_the_audit_no_longer_counts_explains_the_difference():
    """SMS ends for SSPR on 2027-02-01 (concept-sms-voice-retirement-faq); Microsoft's flag does not know it."""
    sms = b.user("sms", methods=(b.phone("+14255550100"),), registration=flags(True, methods=("mobilePhone",)))
    before, after = judge(sms)["Sms"], judge(sms, as_of="2027-02-02")["Sms"]
    assert before[1] is not None and before[1].agrees is True
    r, v = after
    assert r.status == Readiness.NOT_READY
    assert v is not None and v.agrees is False
    assert v.explanation == (
        "Microsoft says capable; this audit does not count authentication phone (mobile) +14255550100:"
        " Microsoft-provided SMS and voice end for SSPR on 1 February 2027 (no telephony provider declared)."
        " Microsoft's flag applies neither the dated changes nor the authentication methods policy per user."
    )


def test_a_recent_registration_is_explained_by_the_reports_lag():
    recent = b.user("recent", methods=(b.app(),), registration=flags(False, updated="2026-11-19T20:00:00Z"))
    stale = b.user("stale", methods=(b.app(),), registration=flags(False, updated="2026-11-01T00:00:00Z"))
    seen = judge(recent, stale)
    lagging, unexplained = seen["Recent"][1], seen["Stale"][1]
    assert lagging is not None and lagging.agrees is False
    assert lagging.explanation.startswith("The registration report was updated 2026-11-19T20:00:00Z and lags by up")
    assert unexplained is not None and unexplained.agrees is False
    assert unexplained.explanation.startswith("Microsoft says not capable, this audit does not; no known cause")


def test_microsofts_scope_is_named_when_it_differs_from_the_declared_one():
    outside = b.user("outside", methods=(b.app(),), registration=flags(False, enabled=False))
    r, v = judge(outside, declared={"sspr.scope": "all"})["Outside"]
    assert r.status == Readiness.READY
    assert v is not None and v.agrees is False
    assert "its SSPR policy does not enable this user (isSsprEnabled is false)" in v.explanation


def test_unknown_out_of_scope_and_unreported_users_are_not_compared():
    unread = b.failed(b.user("unread", registration=flags(True)))
    outside = b.user("outside", methods=(b.app(),), registration=flags(False, enabled=False))  # scope undeclared
    silent = b.user("silent", methods=(b.app(),), registration=flags(None))
    none = b.user("none", methods=(b.app(),))
    seen = judge(unread, outside, silent, none)
    assert seen["Unread"][0].status == Readiness.UNKNOWN
    assert seen["Outside"][0].status == Readiness.OUT_OF_SCOPE
    said = {name: v.explanation for name, (_, v) in seen.items() if v is not None}
    assert said == {
        "Unread": "Not checked: this user's methods could not be read.",
        "Outside": "Not compared: the user is outside this audit's SSPR scope.",
        "Silent": "Not compared: the report gives no isSsprCapable for this user.",
    }
    assert seen["None"][1] is None  # no report row: nothing to show


def test_the_tally_counts_only_compared_users():
    seen = judge(
        b.user("a", methods=(b.app(),), registration=flags(True)),
        b.user("b", methods=(b.app(),), registration=flags(False)),
        b.failed(b.user("c", registration=flags(True))),
        b.user("d", methods=(b.app(),)),
    )
    assert microsoft_view.tally([v for _, v in seen.values()]) == microsoft_view.FlagTally(2, 1, 1)


def test_an_administrator_with_one_method_is_explained_by_the_two_gate_policy():
    admin = b.user("boss", methods=(b.app(),), roles=(b.role(),), registration=flags(True))
    r, v = judge(admin)["Boss"]
    assert r.is_admin and r.status == Readiness.NOT_READY
    assert v is not None and v.explanation == (
        "Microsoft says capable; this audit says not: administrators need 2 methods and 1 count."
    )
