"""The emulator's SSPR audit events: Graph's directoryAudit shape and names, the documented $filter, a 403."""

from __future__ import annotations

from dataclasses import replace

import httpx

from sspr_audit.collect.events import activities, events_url
from sspr_audit.emulator.config import EmulatorConfig
from sspr_audit.emulator.server import emulator_in_thread
from sspr_audit.snapshot.models import ResetAttempt, SsprActivity
from tests.builders.emulator import ALICE, small_tenant
from tests.unit.emulator.test_emulator import _check, _client

ACTIVITY = SsprActivity(
    ResetAttempt("2026-11-20T10:00:00Z", "blocked", "email", "Tried too often"), "2026-11-01T08:00:00Z", 3, 1
)


def tenant():
    truth = small_tenant()
    users = tuple(replace(u, activity=ACTIVITY) if u.id == ALICE else u for u in truth.users)
    return replace(truth, users=users)


def test_events_have_graphs_shape_and_tell_the_users_activity():
    with emulator_in_thread(tenant(), EmulatorConfig(throttle="off")) as running, _client(running.url) as graph:
        answer = graph.get(events_url("2026-10-21T00:00:00Z"))
        assert answer.status_code == 200, answer.text
        body = answer.json()
        narrowed = graph.get(events_url("2026-11-19T00:00:00Z")).json()["value"]
        refused = graph.get("/auditLogs/directoryAudits?$filter=result eq 'success'")
    assert body["@odata.context"] == "https://graph.microsoft.com/v1.0/$metadata#auditLogs/directoryAudits"
    seen: set[str] = set()
    for index, item in enumerate(body["value"]):
        _check(item, "directoryAudit", f"[{index}]", seen)
    assert {"directoryAudit", "auditActivityInitiator", "userIdentity", "targetResource"} <= seen
    names = {e["activityDisplayName"] for e in body["value"]}
    assert names == {
        "User registered for self-service password reset",
        "Self-service password reset flow activity progress",
        "Reset password (self-service)",
        "Blocked from self-service password reset",
    }
    assert activities(body["value"]) == {ALICE: ACTIVITY}
    assert all(e["activityDateTime"] >= "2026-11-19T00:00:00Z" for e in narrowed) and len(narrowed) < len(body["value"])
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "Request_UnsupportedQuery"


def test_an_app_without_the_permission_gets_graphs_403():
    config = EmulatorConfig(throttle="off", audit_log_denied=True)
    with emulator_in_thread(tenant(), config) as running, _client(running.url) as graph:
        answer: httpx.Response = graph.get(events_url("2026-10-21T00:00:00Z"))
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "Authorization_RequestDenied"
