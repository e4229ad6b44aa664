"""The collector against a scripted Graph: retries, Retry-After, failures, refusals.

Each test serves a tiny tenant from a loopback aiohttp server whose answers
the test scripts, and checks the requests the collector sent and the
snapshot it built.
"""

from __future__ import annotations

import collections
import json
import time

import pytest
from aiohttp import web

from sspr_audit.collect.errors import AuthenticationError, PermissionMissing
from sspr_audit.snapshot.models import CollectionState, SourceState
from tests.builders.graph import ORG, FakeGraph, graph_error, run


def test_inner_retry_after_is_obeyed_and_only_the_throttled_request_is_resent():
    graph = FakeGraph(users=3)
    throttled_user = graph.users[1]["id"]
    graph.inner = lambda user_id, attempt: (
        {"status": 429, "headers": {"Retry-After": "1"}, "body": {"error": {"code": "TooManyRequests"}}}
        if user_id == throttled_user and attempt == 1
        else None
    )
    snapshot, stats = run(graph)
    times = graph.method_times[throttled_user]
    assert len(times) == 2 and times[1] - times[0] >= 1.0
    assert graph.method_calls == {u["id"]: (2 if u["id"] == throttled_user else 1) for u in graph.users}
    assert stats.throttled == 1 and stats.retries == 1
    assert all(u.methods and u.methods[0].phone_number == "+1 4255550100" for u in snapshot.users)


def test_whole_response_retry_after_is_obeyed():
    graph = FakeGraph(users=1)
    seen: list[float] = []

    async def organization(request: web.Request) -> web.Response | None:
        seen.append(time.monotonic())
        return graph_error(429, "TooManyRequests", {"Retry-After": "1"}) if len(seen) == 1 else None

    graph.hooks["/organization"] = organization
    snapshot, stats = run(graph)
    assert len(seen) == 2 and seen[1] - seen[0] >= 1.0
    assert snapshot.tenant.id == ORG["id"] and stats.throttled == 1


def test_server_errors_and_connection_resets_on_batches_are_retried():
    graph = FakeGraph(users=2)
    calls = {"n": 0}

    async def flaky(request: web.Request) -> web.StreamResponse | None:
        calls["n"] += 1
        if calls["n"] == 1:
            return graph_error(503, "serviceNotAvailable")
        if calls["n"] == 2:
            request.transport.close()  # connection reset before any answer
            return web.Response(status=200)
        if calls["n"] == 3:
            return graph_error(500, "generalException")
        return None

    graph.hooks["/$batch"] = flaky
    snapshot, stats = run(graph)
    assert calls["n"] == 4
    assert [u.collection.state for u in snapshot.users] == [CollectionState.OK, CollectionState.OK]
    assert stats.retries == 12  # two users' methods and mailbox reads sent again after each of three failures


def test_a_user_whose_calls_keep_failing_is_failed_with_a_reason_not_empty():
    graph = FakeGraph(users=2)
    broken = graph.users[0]["id"]
    graph.inner = lambda user_id, attempt: (
        {"status": 503, "headers": {}, "body": {"error": {"code": "serviceNotAvailable"}}}
        if user_id == broken
        else None
    )
    snapshot, stats = run(graph, max_attempts=4)
    failed, fine = snapshot.users
    assert graph.method_calls[broken] == 4
    assert failed.methods is None and failed.collection.state == CollectionState.FAILED
    assert failed.collection.reason == "authentication methods could not be read: HTTP 503 on 4 attempts"
    assert fine.methods is not None and fine.collection.state == CollectionState.OK
    assert stats.users_failed == 1


def test_a_failed_batch_does_not_count_against_a_user_that_failed_on_its_own():
    graph = FakeGraph(users=1)
    user = graph.users[0]["id"]
    graph.inner = lambda user_id, attempt: (
        {"status": 503, "headers": {}, "body": {"error": {"code": "serviceNotAvailable"}}} if attempt <= 2 else None
    )
    whole = {"failed": 0}

    async def flaky(request: web.Request) -> web.Response | None:
        if graph.method_calls[user] == 2 and not whole["failed"]:  # the batch of its third attempt fails whole
            whole["failed"] += 1
            return graph_error(503, "serviceNotAvailable")
        return None

    graph.hooks["/$batch"] = flaky
    snapshot, _ = run(graph, max_attempts=3)
    assert whole["failed"] == 1 and graph.method_calls[user] == 3
    assert snapshot.users[0].collection.state == CollectionState.OK and snapshot.users[0].methods is not None


def test_batches_hold_at_most_twenty_requests_and_each_user_is_asked_once():
    graph = FakeGraph(users=47)
    _, stats = run(graph, concurrency=2)
    assert max(graph.batch_sizes) == 20 and sum(graph.batch_sizes) == 2 * 47  # methods and mailbox purpose
    assert set(graph.method_calls.values()) == set(graph.mailbox_calls.values()) == {1}
    assert stats.batches == len(graph.batch_sizes) and stats.graph_requests >= 47


def test_report_refused_means_every_user_is_inspected_and_the_refusal_recorded():
    graph = FakeGraph(users=3)
    snapshot, _ = run(graph)
    report = snapshot.tenant.source("registration_details")
    assert report.state == SourceState.NOT_PERMITTED and report.http_status == 403
    assert report.error_code == "Authentication_RequestFromNonPremiumTenantOrB2CTenant"
    assert "AuditLog.Read.All" in report.permission
    assert all(u.registration is None and u.methods is not None for u in snapshot.users)
    assert snapshot.tenant.settings.admins_allowed_sspr is False
    assert snapshot.tenant.settings.method_configurations[0].office_phone_allowed is True
    assert snapshot.tenant.source("on_premises_sync").state == SourceState.NOT_PERMITTED
    assert snapshot.tenant.settings.password_writeback_enabled is None


def test_report_rows_without_contact_methods_spare_the_per_user_call():
    graph = FakeGraph(users=2)
    rows = [
        {"id": graph.users[0]["id"], "methodsRegistered": ["microsoftAuthenticatorPush"], "isAdmin": False},
        {"id": graph.users[1]["id"], "methodsRegistered": ["mobilePhone"], "isAdmin": False},
    ]

    async def report(request: web.Request) -> web.Response:
        return web.json_response({"value": rows})

    graph.hooks["/reports/authenticationMethods/userRegistrationDetails"] = report
    snapshot, _ = run(graph)
    assert list(graph.method_calls) == [graph.users[1]["id"]]
    assert snapshot.users[0].methods is None and snapshot.users[0].collection.state == CollectionState.OK
    assert snapshot.users[0].registration.methods_registered == ("microsoftAuthenticatorPush",)
    assert snapshot.users[1].methods is not None


def test_a_refused_role_source_is_recorded_and_the_run_goes_on():
    graph = FakeGraph(users=1)

    async def refuse(request: web.Request) -> web.Response:
        return graph_error(403, "Authorization_RequestDenied")

    graph.hooks["/roleManagement/directory/roleAssignments"] = refuse
    snapshot, _ = run(graph)
    status = snapshot.tenant.source("role_assignments")
    assert (status.state, status.http_status, status.permission) == (
        SourceState.NOT_PERMITTED,
        403,
        "RoleManagement.Read.Directory",
    )
    assert len(snapshot.users) == 1 and snapshot.users[0].methods is not None


def test_a_wrong_token_stops_with_one_line_naming_the_fix():
    graph = FakeGraph(users=1)
    with pytest.raises(AuthenticationError) as caught:
        run(graph, access_token="not-the-right-token-xyz")
    message = str(caught.value)
    assert "invalid, expired" in message and "--access-token" in message and "\n" not in message
    assert "not-the-right-token-xyz" not in message
    sent = collections.Counter(graph.requests)  # the first requests all go out at once
    assert "/organization" in sent and "/users" in sent and "/$batch" not in sent
    assert set(sent.values()) == {1}  # no retries of a 401


def test_a_refused_users_list_stops_naming_user_read_all():
    graph = FakeGraph(users=1)

    async def refuse(request: web.Request) -> web.Response:
        return graph_error(403, "Authorization_RequestDenied")

    graph.hooks["/users"] = refuse
    with pytest.raises(PermissionMissing, match=r"User\.Read\.All"):
        run(graph)


def test_batch_bodies_are_graph_json_batching():
    graph = FakeGraph(users=2)
    bodies: list[dict] = []

    async def capture(request: web.Request) -> None:
        bodies.append(json.loads(await request.read()))
        return None

    graph.hooks["/$batch"] = capture
    run(graph)
    first, second = graph.users[0]["id"], graph.users[1]["id"]
    mailbox = "mailboxSettings?$select=userPurpose"  # each user's mailbox purpose rides behind its methods
    assert bodies == [
        {
            "requests": [
                {"id": "1", "method": "GET", "url": f"/users/{first}/authentication/methods"},
                {"id": "2", "method": "GET", "url": f"/users/{first}/{mailbox}"},
                {"id": "3", "method": "GET", "url": f"/users/{second}/authentication/methods"},
                {"id": "4", "method": "GET", "url": f"/users/{second}/{mailbox}"},
            ]
        }
    ]
