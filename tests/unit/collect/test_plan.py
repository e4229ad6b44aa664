"""Pipelining: who needs the per-user call while users and report rows arrive, and the report's pace."""

from __future__ import annotations

import asyncio
import collections

import pytest
from aiohttp import web

from sspr_audit.collect.plan import MethodsPlan
from sspr_audit.collect.throttle import WindowPacer
from sspr_audit.snapshot.models import SourceState
from tests.builders.graph import FakeGraph, run

REPORT = "/reports/authenticationMethods/userRegistrationDetails"


def row(user_id: str, *methods: str) -> dict:
    return {"id": user_id, "methodsRegistered": list(methods), "isSsprRegistered": bool(methods)}


def planned() -> tuple[MethodsPlan, list[str]]:
    needed: list[str] = []
    return MethodsPlan(needed.append), needed


def test_a_user_is_decided_once_its_listing_and_its_row_are_both_in():
    plan, needed = planned()
    plan.rows([row("a", "microsoftAuthenticatorPush"), row("b", "mobilePhone")])
    plan.users([{"id": "a"}, {"id": "b"}, {"id": "c"}, {"id": "b"}])
    assert needed == ["b"]  # a's row spares the call; c has no row yet; b listed twice, asked once
    plan.users_finished()
    assert not plan.enough.is_set()  # c still waits for its row
    plan.rows([row("c", "email"), row("disabled-user", "mobilePhone")])
    assert needed == ["b", "c"] and plan.needed == 2
    assert plan.enough.is_set()  # every listed user has its row: the report need not go on


def test_without_the_report_every_user_is_needed_whatever_rows_came_before():
    plan, needed = planned()
    plan.rows([row("a", "fido2")])
    plan.users([{"id": "a"}, {"id": "b"}])
    assert needed == []
    plan.report_finished(read=False)  # refused or failed half way
    plan.users([{"id": "c"}])
    assert needed == ["a", "b", "c"]


def test_users_without_a_row_once_the_report_is_done_are_needed():
    plan, needed = planned()
    plan.users([{"id": "a"}])
    plan.rows([row("b", "fido2")])
    plan.report_finished(read=True)
    plan.users([{"id": "b"}, {"id": "c"}])
    assert needed == ["a", "c"]


def test_the_report_pacer_keeps_five_answers_in_any_ten_seconds():
    now = [100.0]
    pacer = WindowPacer(5, 10.0, margin=0.05, clock=lambda: now[0])
    for step in range(5):
        assert pacer.delay() == 0
        now[0] += 0.1 * step
        pacer.answered()
    assert abs(pacer.delay() - (100.0 + 10.05 - now[0])) < 1e-9
    now[0] = 110.06
    assert pacer.delay() == 0


def test_the_report_stops_once_every_listed_user_has_its_row():
    graph = FakeGraph(users=3)
    listed = asyncio.Event()
    calls: collections.Counter[str] = collections.Counter()

    async def users(request: web.Request) -> web.Response:
        listed.set()
        return web.json_response({"value": graph.users})

    async def report(request: web.Request) -> web.Response:
        page = request.query.get("$skiptoken", "first")
        calls[page] += 1
        await listed.wait()
        await asyncio.sleep(0.05)  # the listing reaches the collector first
        rows = [row(u["id"], "mobilePhone") for u in graph.users] + [row("disabled", "email")]
        return web.json_response({"value": rows, "@odata.nextLink": f"http://{request.host}/v1.0{REPORT}?$skiptoken=2"})

    graph.hooks["/users"] = users
    graph.hooks[REPORT] = report
    snapshot, stats = run(graph)
    assert calls == {"first": 1}  # the next page could only hold rows of users not listed
    assert snapshot.tenant.source("registration_details").state == SourceState.READ
    assert all(u.registration is not None and u.methods is not None for u in snapshot.users)
    assert stats.users_to_fetch == 3 and set(graph.method_calls.values()) == {1}


def admin_row(user_id: str, *methods: str) -> dict:
    return {**row(user_id, *methods), "isAdmin": True}


def test_methods_detail_chooses_whose_methods_are_read_and_administrators_go_first():
    rows = [row("app", "microsoftAuthenticatorPush"), row("phone", "mobilePhone"), admin_row("admin", "fido2")]
    listed = [{"id": "app"}, {"id": "phone"}, {"id": "admin"}, {"id": "no-row"}]
    chosen = {}
    for detail in ("all", "needed", "admins", "none"):
        needed: list[str] = []
        plan = MethodsPlan(needed.append, detail=detail)
        plan.rows(rows)
        plan.users(listed)
        plan.users_finished()
        plan.report_finished(read=True)
        chosen[detail] = sorted(needed)
        assert [plan.priority(u) for u in ("admin", "phone")] == [0, 1]
    assert chosen == {
        "all": ["admin", "app", "no-row", "phone"],
        "needed": ["admin", "no-row", "phone"],  # an administrator's verdict always turns on their methods
        "admins": ["admin", "no-row"],  # nothing but the call answers for a user without a row
        "none": [],
    }


def test_requests_still_out_hold_their_place_in_the_report_window():
    now = [100.0]
    pacer = WindowPacer(5, 10.0, margin=0.05, clock=lambda: now[0])
    for _ in range(3):
        pacer.sent()
        pacer.answered()
    pacer.sent()
    pacer.sent()  # two chains each have a page out: the window is full until 10 s after the first answer
    assert pacer.delay() == pytest.approx(10.05)
    now[0] = 101.0
    pacer.answered()  # an answer does not free a place: its request was already counted
    assert pacer.delay() == pytest.approx(9.05)
    now[0] = 110.06
    assert pacer.delay() == 0
