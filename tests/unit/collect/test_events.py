"""SSPR audit events parsed into each user's activity, from Microsoft's documented activity names.

The names and their meanings are those of howto-sspr-reporting ("Self-Service
Password Management activity types"); the event shape is Graph v1.0's directoryAudit.
"""

from __future__ import annotations

from urllib.parse import unquote

from sspr_audit.collect.events import activities, events_url, retention_days, window_start
from sspr_audit.snapshot.models import Licence, ResetAttempt, SsprActivity

ALEX = "0b2c4e6f-0000-4000-8000-00000000000a"


def event(activity: str, at: str, result: str = "success", reason: str = "", flow: str = "f1", **extra) -> dict:
    who = {"id": ALEX, "displayName": "Alex", "userPrincipalName": "alex@contoso.com", "ipAddress": "203.0.113.9"}
    return {
        "id": f"SSPR_{activity[:5]}_{at}",
        "category": "UserManagement",
        "correlationId": flow,
        "result": result,
        "resultReason": reason,
        "activityDisplayName": activity,
        "activityDateTime": at,
        "loggedByService": extra.pop("service", "Self-service Password Management"),
        "operationType": "Update",
        "initiatedBy": {"app": None, "user": who},
        "targetResources": extra.pop(
            "targets", [{"id": ALEX, "type": "User", "userPrincipalName": who["userPrincipalName"]}]
        ),
        "additionalDetails": [],
        **extra,
    }


PROGRESS = "Self-service password reset flow activity progress"
RESET = "Reset password (self-service)"


def last(*events) -> ResetAttempt | None:
    found = activities(list(events)).get(ALEX)
    return found.last_reset if found else None


def test_a_failed_step_then_a_reset_is_a_reset_with_the_method_named():
    assert last(
        event(PROGRESS, "2026-11-02T10:00:00Z", reason="User submitted their user ID"),
        event(PROGRESS, "2026-11-02T10:01:00Z", "failure", "User entered a wrong code sent to their email"),
        event(PROGRESS, "2026-11-02T10:02:00Z", reason="User verified with a Microsoft Authenticator mobile app code"),
        event(RESET, "2026-11-02T10:03:00Z"),
    ) == ResetAttempt("2026-11-02T10:03:00Z", "reset", "mobile_app")


def test_progress_only_is_abandoned():
    assert last(
        event(PROGRESS, "2026-11-02T10:00:00Z", reason="User submitted their user ID"),
        event(PROGRESS, "2026-11-02T10:01:00Z", reason="User verified with a text message (SMS) to their mobile phone"),
    ) == ResetAttempt("2026-11-02T10:01:00Z", "abandoned", "mobile_phone")


def test_blocked_and_failed_keep_the_step():
    assert last(
        event(PROGRESS, "2026-11-02T10:00:00Z", reason="User started the office phone verification option"),
        event("Blocked from self-service password reset", "2026-11-02T10:05:00Z", reason="Tried too often"),
    ) == ResetAttempt("2026-11-02T10:05:00Z", "blocked", "office_phone", "Tried too often")
    assert last(
        event(PROGRESS, "2026-11-02T10:00:00Z", "failure", "User failed to answer their security questions"),
    ) == ResetAttempt(
        "2026-11-02T10:00:00Z", "failed", "security_questions", "User failed to answer their security questions"
    )
    assert last(event(RESET, "2026-11-02T10:00:00Z", "failure", "FuzzyPolicyViolationInvalidPassword")) == ResetAttempt(
        "2026-11-02T10:00:00Z", "failed", None, "FuzzyPolicyViolationInvalidPassword"
    )


def test_unlock_registration_and_counts_across_flows():
    found = activities(
        [
            event("User registered for self-service password reset", "2026-10-30T09:00:00Z", flow="r"),
            event("User registered for self-service password reset", "2026-10-29T09:00:00Z", "failure", flow="r0"),
            event(RESET, "2026-11-01T09:00:00Z", flow="a"),
            event(PROGRESS, "2026-11-03T09:00:00Z", "failure", "Code expired", flow="b"),
            event("Unlock user account (self-service)", "2026-11-04T09:00:00+01:00", flow="c"),
        ]
    )
    assert found == {
        ALEX: SsprActivity(ResetAttempt("2026-11-04T08:00:00Z", "unlocked", None), "2026-10-30T09:00:00Z", 3, 2)
    }


def test_other_events_and_events_without_a_user_or_time_are_left_out():
    assert (
        activities(
            [
                event("Reset password (by admin)", "2026-11-02T10:00:00Z"),
                event("Change password (self-service)", "2026-11-02T10:00:00Z"),
                event(RESET, "2026-11-02T10:00:00Z", service="Core Directory"),
                event(RESET, "not a time"),
                event(RESET, "2026-11-02T10:00:00"),  # no time zone: not Graph's
                {
                    **event(RESET, "2026-11-02T10:00:00Z", targets=[]),
                    "initiatedBy": {"app": {"appId": "x"}, "user": None},
                },
                "not an object",
            ]
        )
        == {}
    )


def test_the_query_and_the_retention_window():
    assert unquote(events_url("2026-10-24T08:00:00Z")) == (
        "/auditLogs/directoryAudits?$filter=loggedByService eq 'Self-service Password Management'"
        " and activityDateTime ge 2026-10-24T08:00:00Z"
    )
    free = (Licence("s", "EXCHANGESTANDARD", "Enabled", ("EXCHANGE_S_STANDARD",), False),)
    premium = (Licence("p", "AAD_PREMIUM", "Enabled", ("AAD_PREMIUM",), False),)
    assert (retention_days(free), retention_days(premium), retention_days(None)) == (7, 30, 30)
    assert window_start("2026-11-23T08:00:00Z", 7) == "2026-11-16T08:00:00Z"
