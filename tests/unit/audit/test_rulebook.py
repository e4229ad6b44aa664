"""Microsoft's dated SSPR changes: each entry pinned to its page, and one tenant judged across the dates."""

from __future__ import annotations

from datetime import date

import pytest

from sspr_audit.audit import engine, policy
from sspr_audit.audit.results import Readiness
from sspr_audit.audit.rulebook import CHANGES, Rulebook, change
from tests.builders import snapshots as b

HELPER = ("Helpdesk Administrator", "729827e3-9c14-49f7-bb1b-9608f156bbb8")


def test_directory_contact_data_stops_counting_on_5_october_2026():
    """Microsoft: "Starting Oct 5, 2026, SSPR will only accept explicitly registered authentication methods"
    (https://learn.microsoft.com/entra/identity/authentication/howto-sspr-authenticationdata)."""
    entry = change("directory_data")
    assert (entry.effective, entry.when) == (date(2026, 10, 5), "5 October 2026")
    assert entry.source.endswith("/howto-sspr-authenticationdata")
    assert Rulebook(date(2026, 10, 4)).directory_data_counts()
    assert not Rulebook(date(2026, 10, 5)).directory_data_counts()


def test_sms_and_voice_end_on_1_february_2027_for_all_but_global_admins_and_external_users():
    """Microsoft: "Beginning February 1, 2027, the retirement applies to all users except Global Administrators and
    external users"; it "applies across Microsoft Entra, including SSPR"
    (https://learn.microsoft.com/entra/identity/authentication/concept-sms-voice-retirement-faq)."""
    entry = change("sms_voice")
    assert (entry.effective, entry.when) == (date(2027, 2, 1), "1 February 2027")
    assert entry.source.endswith("/concept-sms-voice-retirement-faq")
    assert Rulebook(date(2027, 1, 31)).phone_retirement(False) is None
    assert Rulebook(date(2027, 2, 1)).phone_retirement(False) == entry
    assert Rulebook(date(2027, 2, 1)).phone_retirement(True) is None


def test_sms_and_voice_end_on_1_july_2027_for_global_admins_and_external_users():
    """Microsoft: "Global Administrators and external users follow a later retirement date of July 1, 2027"
    (https://learn.microsoft.com/entra/identity/authentication/concept-sms-voice-retirement-faq)."""
    entry = change("sms_voice_global_admins_external")
    assert (entry.effective, entry.when) == (date(2027, 7, 1), "1 July 2027")
    assert Rulebook(date(2027, 6, 30)).phone_retirement(True) is None
    assert Rulebook(date(2027, 7, 1)).phone_retirement(True) == entry


def test_security_questions_retire_in_march_2027():
    """Microsoft: "Security questions (retiring March 2027)": Microsoft names only the month, so the 1st is used
    (https://learn.microsoft.com/entra/identity/authentication/concept-sspr-howitworks)."""
    entry = change("security_questions")
    assert (entry.effective, entry.when) == (date(2027, 3, 1), "March 2027")
    assert entry.source.endswith("/concept-sspr-howitworks")
    assert not Rulebook(date(2027, 2, 28)).security_questions_retired()
    assert Rulebook(date(2027, 3, 1)).security_questions_retired()


def test_the_rulebook_lists_each_change_once_in_date_order():
    assert [c.day for c in Rulebook(date(2026, 1, 1)).upcoming()] == [
        "2026-10-05",
        "2027-02-01",
        "2027-03-01",
        "2027-07-01",
    ]
    assert len({c.key for c in CHANGES}) == len(CHANGES)
    assert Rulebook(date(2027, 7, 1)).upcoming() == ()


def tenant_users():
    """One user per dated rule, under a policy of one method with security questions declared on."""
    return (
        b.user("directory", methods=(), mobile_phone="+1 2065550123"),
        b.user("sms", methods=(b.phone("+1 2065550124"),)),
        b.user("questions", methods=None, registered=("securityQuestion",)),
        b.user("globaladmin", methods=(b.app(), b.phone("+1 2065550125")), roles=(b.role(),)),
        b.user("helpdesk", methods=(b.app(), b.phone("+1 2065550126")), roles=(b.role(HELPER),)),
        b.user(
            "partner",
            methods=(b.phone("+1 2065550127"),),
            user_type="Guest",
            user_principal_name="partner_fabrikam.com#EXT#@contoso.onmicrosoft.com",
        ),
        b.user("guest", methods=(b.phone("+1 2065550128"),), user_type="Guest"),
        b.user("app", methods=(b.app(), b.email("app.home@example.org"))),
    )


READY, NOT_READY, UNVERIFIED = Readiness.READY, Readiness.NOT_READY, Readiness.READY_UNVERIFIED
# user -> {as of: (status, loses_sspr_on)}
EXPECTED = {
    "directory": {
        "2026-09-01": (UNVERIFIED, "2026-10-05"),
        "2026-10-06": (NOT_READY, None),
        "2027-02-02": (NOT_READY, None),
        "2027-03-02": (NOT_READY, None),
        "2027-07-02": (NOT_READY, None),
    },
    "sms": {
        "2026-09-01": (READY, "2027-02-01"),
        "2026-10-06": (READY, "2027-02-01"),
        "2027-02-02": (NOT_READY, None),
        "2027-03-02": (NOT_READY, None),
        "2027-07-02": (NOT_READY, None),
    },
    "questions": {
        "2026-09-01": (READY, "2027-03-01"),
        "2026-10-06": (READY, "2027-03-01"),
        "2027-02-02": (READY, "2027-03-01"),
        "2027-03-02": (NOT_READY, None),
        "2027-07-02": (NOT_READY, None),
    },
    "globaladmin": {
        "2026-09-01": (READY, "2027-07-01"),
        "2026-10-06": (READY, "2027-07-01"),
        "2027-02-02": (READY, "2027-07-01"),
        "2027-03-02": (READY, "2027-07-01"),
        "2027-07-02": (NOT_READY, None),
    },
    "helpdesk": {
        "2026-09-01": (READY, "2027-02-01"),
        "2026-10-06": (READY, "2027-02-01"),
        "2027-02-02": (NOT_READY, None),
        "2027-03-02": (NOT_READY, None),
        "2027-07-02": (NOT_READY, None),
    },
    "partner": {
        "2026-09-01": (READY, "2027-07-01"),
        "2026-10-06": (READY, "2027-07-01"),
        "2027-02-02": (READY, "2027-07-01"),
        "2027-03-02": (READY, "2027-07-01"),
        "2027-07-02": (NOT_READY, None),
    },
    "guest": {
        "2026-09-01": (READY, "2027-02-01"),
        "2026-10-06": (READY, "2027-02-01"),
        "2027-02-02": (NOT_READY, None),
        "2027-03-02": (NOT_READY, None),
        "2027-07-02": (NOT_READY, None),
    },
    "app": {day: (READY, None) for day in ("2026-09-01", "2026-10-06", "2027-02-02", "2027-03-02", "2027-07-02")},
}


def judged(as_of: str, **declared) -> dict[str, tuple[Readiness, str | None]]:
    snap = b.snapshot(*tenant_users())
    settings = {"sspr.security_questions": True, "sspr.include_guests": True, **declared}
    result = engine.run(snap, policy.resolve(settings, snap.tenant), as_of=as_of)
    return {u.user.user_principal_name.split("@")[0].split("_")[0]: (u.status, u.loses_sspr_on) for u in result.users}


@pytest.mark.parametrize("as_of", ["2026-09-01", "2026-10-06", "2027-02-02", "2027-03-02", "2027-07-02"])
def test_one_tenant_across_microsofts_dates(as_of):
    """howto-sspr-authenticationdata (5 October 2026), concept-sms-voice-retirement-faq (1 February and
    1 July 2027; internal guests follow February), concept-sspr-howitworks (security questions, March 2027)."""
    got = judged(as_of)
    assert got == {name: by_day[as_of] for name, by_day in EXPECTED.items()}


def test_a_declared_telephony_provider_keeps_sms_and_voice():
    """Microsoft: "Tenants that have configured a telephony provider can continue using SMS or voice"
    (concept-sms-voice-retirement-faq)."""
    got = judged("2027-07-02", **{"sspr.telephony_provider": True})
    assert got["sms"] == (READY, None) and got["globaladmin"] == (READY, None)


def test_the_timeline_counts_who_can_reset_on_each_date():
    snap = b.snapshot(*tenant_users())
    settings = {"sspr.security_questions": True, "sspr.include_guests": True}
    result = engine.run(snap, policy.resolve(settings, snap.tenant), as_of="2026-11-26")
    assert [(p.date, p.users_in_scope, p.users_ready, p.users_losing) for p in result.timeline] == [
        ("2027-02-01", 8, 4, 3),  # sms, helpdesk, internal guest
        ("2027-03-01", 8, 3, 1),  # questions
        ("2027-07-01", 8, 1, 2),  # the Global Administrator, the external partner
    ]
    assert result.timeline[0].share == 50.0
    telephony = next(a for a in result.assumptions if "telephony_provider" in a)
    assert "1 February 2027" in telephony


def test_sspr010_severity_rises_as_the_date_nears():
    snap = b.snapshot(b.user("sms", methods=(b.phone("+1 2065550124"),)))
    resolved = policy.resolve({}, snap.tenant)

    def severity(as_of: str) -> str:
        result = engine.run(snap, resolved, as_of=as_of)
        return next(f.severity.value for f in result.findings if f.rule == "SSPR010")

    assert severity("2026-09-01") == "medium"  # 153 days
    assert severity("2026-11-26") == "high"  # 67 days
    assert severity("2027-01-15") == "critical"  # 17 days


def test_as_of_defaults_to_the_collection_date_and_bad_dates_are_refused():
    snap = b.snapshot(b.user("app", methods=(b.app(),)), collected_at="2026-09-30T23:00:00Z")
    result = engine.run(snap, policy.resolve({}, snap.tenant))
    assert (result.as_of, result.as_of_origin) == ("2026-09-30", "the snapshot's collection date")
    with pytest.raises(Exception, match="--as-of '2027-13-01': not a date; use YYYY-MM-DD"):
        engine.run(snap, policy.resolve({}, snap.tenant), as_of="2027-13-01")


def test_history_says_when_a_user_lost_sspr_because_a_date_passed(tmp_path):
    """Same data, two weeks apart around 5 October 2026: the change names Microsoft's rule, not the user."""
    from sspr_audit.history import store
    from sspr_audit.history.compare import compare

    snap = b.snapshot(b.user("directory", methods=(), mobile_phone="+1 2065550123"), b.user("app", methods=(b.app(),)))
    resolved = policy.resolve({}, snap.tenant)
    db = tmp_path / "history.sqlite"
    week1 = store.record_run(db, engine.run(snap, resolved, as_of="2026-10-01"))
    week2 = store.record_run(db, engine.run(snap, resolved, as_of="2026-10-08"))
    changes = compare(store.load_run(db, week1), store.load_run(db, week2))
    [slipped] = changes.became_not_ready
    assert slipped.upn == "directory@contoso.com"
    assert slipped.detail.startswith("Was ready unverified, now not ready. Lost SSPR on 2026-10-05 because Microsoft")
    assert "directory properties mobilePhone, businessPhones and otherMails no longer count" in slipped.detail


def test_sspr009_names_the_directory_change_only_when_it_alone_decided():
    """A user with an authentication phone and the same number in mobilePhone is stranded on 2 February 2027
    by the SMS retirement, not by the directory change: no SSPR009 (howto-sspr-authenticationdata,
    concept-sms-voice-retirement-faq)."""
    sms = b.user("sms", methods=(b.phone("+1 2065550124"),), mobile_phone="+1 2065550124")
    directory = b.user("directory", methods=(), other_mails=("alex.home@example.org",))
    snap = b.snapshot(sms, directory)
    result = engine.run(snap, policy.resolve({}, snap.tenant), as_of="2027-02-02")
    rules = {(f.upn, f.rule) for f in result.findings}
    assert ("directory@contoso.com", "SSPR009") in rules and ("sms@contoso.com", "SSPR009") not in rules
    assert ("sms@contoso.com", "SSPR001") in rules
