"""Hostile Graph answers: malformed batches, endless waits, endless pages, gzip bombs, foreign page links.

Each test serves a tiny tenant from a real loopback server whose answers it
scripts, and checks what the collector made of them: the user's verdict, the
requests sent, the error the user gets, and that nothing hangs.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from typing import Any

import pytest
from aiohttp import web

from sspr_audit.collect.errors import GraphUnavailable
from sspr_audit.collect.retry import RetryPolicy
from sspr_audit.snapshot.models import CollectionState, SourceState
from tests.builders.hostile_graph import METHOD, HostileGraph, collect, serving

NESTED = b"[" * 200_000 + b"]" * 200_000


def _first_time(answer: Any, times: int = 1):
    """A hook that gives ``answer`` (a function of the request) the first ``times`` times, then lets Graph answer."""
    calls = {"n": 0}

    async def hook(request: web.Request) -> web.StreamResponse | None:
        calls["n"] += 1
        return await answer(request) if calls["n"] <= times else None

    hook.calls = calls  # type: ignore[attr-defined]
    return hook


@pytest.mark.parametrize(
    "inner",
    [
        {"status": 200, "body": None},
        {"status": 200, "body": {"value": "not a list"}},
        {"status": 200, "body": {"value": {"id": "m"}}},
        {"status": 200, "body": [METHOD]},
        {"status": 200},
    ],
    ids=["body-null", "value-string", "value-object", "body-list", "body-missing"],
)
def test_an_inner_answer_without_a_method_list_is_a_failed_read_never_no_methods(inner: dict[str, Any]) -> None:
    graph = HostileGraph(users=2)
    broken = graph.users[0]["id"]
    graph.inner = lambda user_id, attempt: inner if user_id == broken else None
    snap, _ = collect(graph, max_attempts=3)
    failed, fine = snap.users
    assert graph.method_calls[broken] == 3  # retried like a 502
    assert failed.methods is None and failed.collection.state == CollectionState.FAILED
    assert failed.collection.reason == "authentication methods could not be read: a malformed answer on 3 attempts"
    assert fine.methods and fine.collection.state == CollectionState.OK


@pytest.mark.parametrize("body", [b"[]", b'[{"responses": []}]', NESTED, b'{"responses": "x"}'])
def test_a_whole_batch_answer_that_is_no_object_of_answers_is_retried(body: bytes) -> None:
    graph = HostileGraph(users=2)

    async def hostile(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(body=body, content_type="application/json")

    graph.hooks["/$batch"] = hook = _first_time(hostile)
    snap, _ = collect(graph)
    assert hook.calls["n"] == 2
    assert [u.collection.state for u in snap.users] == [CollectionState.OK, CollectionState.OK]
    assert all(u.methods and u.methods[0].phone_number == METHOD["phoneNumber"] for u in snap.users)


def test_two_inner_answers_with_the_same_id_fail_the_request_and_it_is_asked_again() -> None:
    graph = HostileGraph(users=1)
    calls = {"n": 0}

    async def twice(request: web.Request) -> web.Response | None:
        calls["n"] += 1
        if calls["n"] > 1:
            return None
        await request.read()
        good = {"id": "1", "status": 200, "body": {"value": [METHOD]}}
        empty = {"id": "1", "status": 200, "body": {"value": []}}
        return web.json_response({"responses": [good, empty]})

    graph.hooks["/$batch"] = twice
    snap, _ = collect(graph)
    assert calls["n"] == 2 and graph.method_calls[graph.users[0]["id"]] == 1  # the second batch reached Graph
    assert snap.users[0].methods and snap.users[0].methods[0].phone_number == METHOD["phoneNumber"]


def test_retry_after_is_capped_by_default_and_as_configured() -> None:
    policy = RetryPolicy()
    for told in ("1e9", "inf", "Infinity"):
        assert policy.throttle_wait({"Retry-After": told}, 1) == 300.0
    assert RetryPolicy(max_retry_after=0.2).throttle_wait({"retry-after": "1e9"}, 1) == 0.2


@pytest.mark.parametrize("told", ["1e9", "inf"])
def test_a_huge_retry_after_on_whole_and_inner_answers_does_not_stall_the_run(told: str) -> None:
    graph = HostileGraph(users=2)
    throttled = graph.users[1]["id"]
    graph.inner = lambda user_id, attempt: (
        {"status": 429, "headers": {"Retry-After": told}, "body": {}} if user_id == throttled and attempt == 1 else None
    )

    async def throttle(request: web.Request) -> web.Response:
        return web.json_response({"error": {"code": "TooManyRequests"}}, status=429, headers={"Retry-After": told})

    graph.hooks["/organization"] = _first_time(throttle)
    started = time.monotonic()
    snap, stats = collect(graph, max_retry_after=0.2)
    assert time.monotonic() - started < 10
    assert stats.throttled == 2 and snap.tenant.id
    assert all(u.collection.state == CollectionState.OK for u in snap.users)


def test_a_body_that_trickles_in_is_abandoned_at_the_deadline_and_asked_again() -> None:
    graph = HostileGraph(users=1)

    async def trickle(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        for byte in b'{"value": [' + b" " * 1000:  # one byte every 0.1 s: never 0.5 s of silence
            await response.write(bytes([byte]))
            await asyncio.sleep(0.1)
        return response

    graph.hooks["/organization"] = hook = _first_time(trickle)
    started = time.monotonic()
    snap, _ = collect(graph, request_deadline=0.6, request_timeout=0.5)
    assert time.monotonic() - started < 8
    assert hook.calls["n"] == 2 and snap.tenant.display_name == "Hostile"


def test_endless_paging_stops_at_the_page_limit_with_a_clear_error() -> None:
    graph = HostileGraph(users=1)

    async def endless(request: web.Request) -> web.Response:
        page = int(request.query.get("page", "0"))
        return web.json_response({"value": [], "@odata.nextLink": f"{graph.url}/v1.0/users?page={page + 1}"})

    graph.hooks["/users"] = endless
    with pytest.raises(GraphUnavailable) as caught:
        collect(graph, max_pages=25)
    assert "Graph kept sending further pages of" in str(caught.value) and "past 25" in str(caught.value)
    assert "--max-pages" in str(caught.value)
    assert sum(path.startswith("/v1.0/users") for path in graph.requests) == 25


def _bomb(inflated: int) -> bytes:
    """A gzip member inflating to ``inflated`` zero bytes."""
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = b"\0" * (1 << 20)
    parts = [squeeze.compress(chunk) for _ in range(inflated >> 20)]
    return b"".join(parts) + squeeze.flush()


def test_a_gzip_bomb_is_refused_once_past_the_cap_and_a_good_answer_after_it_is_used() -> None:
    graph = HostileGraph(users=1)
    bomb = _bomb(256 << 20)  # 250 KB of gzip, 256 MB inflated

    async def gzip_bomb(request: web.Request) -> web.Response:
        return web.Response(body=bomb, headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})

    graph.hooks["/organization"] = hook = _first_time(gzip_bomb)
    graph.hooks["/policies/authorizationPolicy"] = gzip_bomb  # every time
    snap, _ = collect(graph, max_attempts=2)
    assert hook.calls["n"] == 2 and snap.tenant.display_name == "Hostile"
    refused = snap.tenant.source("authorization_policy")
    assert refused.state == SourceState.FAILED
    assert "an answer larger than 67,108,864 bytes (inflated) was refused" in refused.message


def test_a_gzip_answer_within_the_cap_is_read() -> None:
    graph = HostileGraph(users=1)

    async def gzipped(request: web.Request) -> web.Response:
        body = zlib.compress(b'{"value": [{"id": "org-gz", "displayName": "Zipped"}]}', wbits=16 + zlib.MAX_WBITS)
        return web.Response(body=body, headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})

    graph.hooks["/organization"] = gzipped
    snap, _ = collect(graph)
    assert (snap.tenant.id, snap.tenant.display_name) == ("org-gz", "Zipped")


@pytest.mark.parametrize("where", ["another host", "another port"])
def test_a_page_link_away_from_the_graph_root_is_refused_and_never_followed(where: str) -> None:
    foreign_requests: list[tuple[str, str | None]] = []

    async def foreign(request: web.Request) -> web.Response:
        foreign_requests.append((request.path_qs, request.headers.get("Authorization")))
        return web.json_response({"value": [{"id": "planted", "userPrincipalName": "planted@evil.example"}]})

    graph = HostileGraph(users=1)
    with serving(foreign, "127.0.0.1" if where == "another port" else "127.0.0.2") as link:

        async def users(request: web.Request) -> web.Response:
            return web.json_response({"value": graph.users, "@odata.nextLink": f"{link}/v1.0/users?page=2"})

        graph.hooks["/users"] = users
        with pytest.raises(GraphUnavailable) as caught:
            collect(graph, max_attempts=2)
    assert foreign_requests == []
    assert "@odata.nextLink leads away from http://127.0.0.1:" in str(caught.value)
    assert "only links to the Graph root given are followed" in str(caught.value)


def test_a_foreign_page_link_once_is_asked_again_and_no_user_is_lost() -> None:
    graph = HostileGraph(users=3)
    graph.page_size = 1

    async def redirect(request: web.Request) -> web.Response | None:
        if request.query.get("page") != "1":
            return None
        body = graph.users_page(1)
        body["@odata.nextLink"] = "https://graph.evil.example/v1.0/users?page=2"
        return web.json_response(body)

    graph.hooks["/users"] = _first_time(redirect, times=2)  # page 0 passes, page 1 foreign once
    snap, _ = collect(graph)
    assert [u.id for u in snap.users] == [u["id"] for u in graph.users]
