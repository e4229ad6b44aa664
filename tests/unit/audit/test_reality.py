"""Verdicts against what users did: a crafted tenant where every agreement and contradiction occurs.

The SSPR audit log (howto-sspr-reporting) is compared with each verdict by the
rules in force on the attempt's own day (audit/rulebook.py): a reset before
5 October 2026 by a user who relied on directory data agrees with "not ready".
"""

from __future__ import annotations

import json
from dataclasses import replace

from sspr_audit.audit import engine, policy
from sspr_audit.audit.reality import Agreement
from sspr_audit.render import json_report
from sspr_audit.snapshot.models import EventsRead, ResetAttempt, SourceState, SourceStatus, SsprActivity
from tests.builders import snapshots as b

COLLECTED = "2026-10-20T09:00:00Z"


def tried(u, at: str, outcome: str, method: str | None = None, step: str | None = None):
    attempt = ResetAttempt(at, outcome, method, step)
    return replace(u, activity=SsprActivity(attempt, None, 1, int(outcome in ("reset", "unlocked"))))


def crafted():
    return b.snapshot(
        tried(
            b.user("stale", methods=(), mobile_phone="+1 2065550123"), "2026-10-12T08:00:00Z", "reset", "mobile_phone"
        ),
        tried(
            b.user("early", methods=(), mobile_phone="+1 2065550124"), "2026-09-25T08:00:00Z", "reset", "mobile_phone"
        ),
        tried(
            b.user("mailbox", methods=(b.email("mailbox@example.org"),)),
            "2026-10-18T10:00:00Z",
            "failed",
            "email",
            "User did not enter the verification code in time",
        ),
        tried(b.user("wrongstep", methods=(b.app(),)), "2026-10-17T10:00:00Z", "failed", "office_phone", "No answer"),
        tried(b.user("throttled", methods=(b.app(),)), "2026-10-16T10:00:00Z", "blocked"),
        tried(b.user("stuck", methods=(b.fido2(),)), "2026-10-15T10:00:00Z", "failed", None, "Not registered"),
        tried(b.user("fine", methods=(b.app(),)), "2026-10-14T10:00:00Z", "reset", "mobile_app"),
        tried(b.failed(b.user("unreadable")), "2026-10-13T10:00:00Z", "reset", "email"),
        b.user("idle", methods=(b.app(),)),
        collected_at=COLLECTED,
        events=EventsRead("2026-09-20T09:00:00Z", 30, 41),
        sources=(SourceStatus("users", SourceState.READ), SourceStatus("sspr_events", SourceState.READ)),
    )


def audit(snap):
    return engine.run(snap, policy.resolve({}, snap.tenant), generated_at="2026-10-20T10:00:00Z")


def by_upn(result):
    return {result.users[c.user_index].user.user_principal_name.split("@")[0]: c for c in result.reality.comparisons}


def test_every_kind_of_agreement_and_contradiction():
    result = audit(crafted())
    got = {name: c.agreement for name, c in by_upn(result).items()}
    assert got == {
        "stale": Agreement.RESET_WHILE_NOT_READY,  # not ready since 5 October 2026, reset on 12 October
        "early": Agreement.AGREES,  # reset on 25 September, when directory data still counted
        "mailbox": Agreement.FAILED_WHILE_READY,  # failed at the email the audit counted
        "wrongstep": Agreement.AGREES,  # failed at an office phone the audit never counted
        "throttled": Agreement.AGREES,  # blocked, no method named: nothing the audit claimed
        "stuck": Agreement.PREDICTED,  # not ready, tried, failed: the helpdesk call predicted
        "fine": Agreement.AGREES,
        "unreadable": Agreement.NOT_COMPARED,  # methods unknown: no verdict to hold it against
    }
    r = result.reality
    assert (r.events_read, r.window_days, r.users_with_attempts, r.agree, r.contradict, r.not_compared) == (
        41,
        30,
        8,
        5,
        2,
        1,
    )


def test_each_contradiction_is_a_finding_with_both_sides():
    result = audit(crafted())
    found = {(f.rule, f.upn): f for f in result.findings if f.rule.startswith("EVT")}
    assert set(found) == {("EVT001", "stale@contoso.com"), ("EVT002", "mailbox@contoso.com")}
    stale = found["EVT001", "stale@contoso.com"]
    assert stale.message.startswith("Judged not ready (")
    assert "SSPR no longer accepts it since 5 October 2026" in stale.message
    assert stale.message.endswith(
        "but on 2026-10-12 08:00 UTC the user reset their password using Mobile phone (SMS or voice call)."
    )
    assert (stale.field, stale.value, stale.severity.value) == ("last_reset", "2026-10-12T08:00:00Z", "medium")
    mailbox = found["EVT002", "mailbox@contoso.com"]
    assert mailbox.message.startswith("Judged ready (") and mailbox.severity.value == "high"
    assert mailbox.message.endswith("the user failed using Email (User did not enter the verification code in time).")


def test_the_json_report_holds_the_counts_and_each_last_reset(tmp_path):
    path = json_report.render(audit(crafted()), tmp_path / "r.json")
    data = json.loads(path.read_bytes())
    assert data["reality"] == {
        "read": True,
        "not_read_because": None,
        "events_read": 41,
        "window_days": 30,
        "users_with_attempts": 8,
        "agree": 5,
        "contradict": 2,
        "not_compared": 1,
        "predicted": 1,
    }
    users = {u["upn"].split("@")[0]: u for u in data["users"]}
    assert users["mailbox"]["last_reset"] == {
        "at": "2026-10-18T10:00:00Z",
        "outcome": "failed",
        "method": "email",
        "step": "User did not enter the verification code in time",
    }
    assert users["mailbox"]["reality"] == "failed_while_ready"
    assert users["idle"]["last_reset"] is None and users["idle"]["reality"] is None


def test_events_not_read_give_unknown_counts_never_zero(tmp_path):
    refused = SourceStatus(
        "sspr_events", SourceState.NOT_PERMITTED, 403, "Authorization_RequestDenied", None, "AuditLog.Read.All"
    )
    snap = replace(crafted(), tenant=replace(crafted().tenant, events=None, sources=(refused,)))
    result = audit(snap)
    assert not [f for f in result.findings if f.rule.startswith("EVT")]
    data = json.loads(json_report.render(result, tmp_path / "r.json").read_bytes())
    assert data["reality"]["read"] is False
    assert data["reality"]["not_read_because"] == "Graph refused them (HTTP 403): grant AuditLog.Read.All"
    assert {data["reality"][k] for k in ("events_read", "users_with_attempts", "agree", "contradict")} == {None}
