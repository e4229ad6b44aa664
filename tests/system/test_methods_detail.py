"""Whose methods are read one by one (--methods-detail), and a run cut short by --max-minutes.

Through the real loopback emulator: the calls it served are the requests the
collector sent; the snapshot and the audit are what a user gets.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from sspr_audit.app import unread_note
from sspr_audit.audit import engine
from sspr_audit.audit.results import Readiness
from sspr_audit.collect.collector import collect
from sspr_audit.collect.mapping import needs_methods
from sspr_audit.collect.options import CollectOptions
from sspr_audit.demo.tenant import generate_tenant
from sspr_audit.emulator.config import EmulatorConfig
from sspr_audit.emulator.expected import expected_collection
from sspr_audit.emulator.server import emulator_in_thread
from sspr_audit.emulator.throttling import ThrottleLimits
from sspr_audit.snapshot import to_dict
from sspr_audit.snapshot.models import CollectionState, Snapshot, SourceState

NOW = "2026-11-23T04:05:06Z"
TRUTH = generate_tenant(60, 5)  # 58 enabled users, 8 administrators, 46 with a phone or email in the report
ENABLED = [u for u in TRUTH.users if u.account_enabled]
ADMINS = {u.id for u in ENABLED if u.registration and u.registration.is_admin}
CONTACT = {u.id for u in ENABLED if needs_methods(u.registration)}
FAILING = {u.id for u in ENABLED if u.collection.state == CollectionState.FAILED}  # the emulator fails their calls
EXPECTED = expected_collection(TRUTH, scope_groups=())


def collect_with(url: str, **overrides: Any) -> tuple[Snapshot, Any]:
    values: dict[str, Any] = {
        "access_token": EmulatorConfig().token,
        "graph_url": url,
        "graph_label": "test tenant",  # one checkpoint identity whichever emulator serves it
        "backoff_base": 0.01,
        "concurrency": 4,
    }
    checkpoint = overrides.pop("checkpoint", None)
    resume = overrides.pop("resume", False)
    values.update(overrides)
    return asyncio.run(collect(CollectOptions(**values), now=NOW, checkpoint=checkpoint, resume=resume))


def test_admins_reads_only_administrators_and_judges_the_rest_on_the_report_marked_so():
    with emulator_in_thread(TRUTH, EmulatorConfig(throttle="off")) as emulator:
        snapshot, stats = collect_with(emulator.url, methods_detail="admins")
        asked = set(emulator.stats.user_method_calls)
    assert asked == ADMINS - FAILING  # the emulator counts the calls it answered
    unread = [u for u in snapshot.users if u.id in CONTACT - ADMINS]
    assert unread and all(u.methods is None and u.registration is not None for u in unread)
    reason = "methods detail not read (--methods-detail admins); judged on the registration report"
    assert {(u.collection.state, u.collection.reason) for u in unread} == {(CollectionState.PARTIAL, reason)}
    assert stats.users_unread == len(unread)
    source = snapshot.tenant.source("authentication_methods")
    assert (
        source.message
        == f"methods detail not read for {len(unread)} users: methods detail not read (--methods-detail admins)"
    )
    result = engine.run(snapshot, engine.load_policy(None, snapshot), generated_at=NOW)
    verdicts = {u.user.id: u for u in result.users}
    assert all(verdicts[u.id].status != Readiness.UNKNOWN for u in unread)  # the report answers for them
    note = unread_note(stats.users_unread, CollectOptions(methods_detail="admins"), Path("collect.checkpoint"))
    assert note == (
        f"Methods detail not read for {len(unread)} users (--methods-detail admins):"
        " they are judged on the registration report and marked so."
    )


def test_all_reads_every_user_and_none_reads_nobody():
    with emulator_in_thread(TRUTH, EmulatorConfig(throttle="off")) as emulator:
        everyone, _ = collect_with(emulator.url, methods_detail="all")
        asked_all = set(emulator.stats.user_method_calls)
        emulator.stats.user_method_calls.clear()
        nobody, stats = collect_with(emulator.url, methods_detail="none")
        asked_none = set(emulator.stats.user_method_calls)
    assert asked_all == {u.id for u in ENABLED} - FAILING
    assert all(u.methods is not None for u in everyone.users if u.collection.state != CollectionState.FAILED)
    assert asked_none == set()
    assert all(u.methods is None for u in nobody.users)
    assert stats.users_unread == len(CONTACT | ADMINS)
    assert nobody.tenant.source("authentication_methods").state == "not_attempted"


@pytest.mark.slow  # waits out the reports budget's whole-second Retry-After
def test_a_run_cut_short_reads_administrators_first_keeps_every_user_and_resume_reads_the_rest(tmp_path):
    checkpoint = tmp_path / "collect.checkpoint"
    limits = ThrottleLimits(bucket_ru=1_000, report_requests=5, report_window_s=1.0)
    with emulator_in_thread(TRUTH, EmulatorConfig(throttle="reports", limits=limits)) as emulator:
        cut, stats = collect_with(emulator.url, max_minutes=0.02, checkpoint=checkpoint)
    read = {u.id for u in cut.users if u.methods is not None}
    assert read and read <= ADMINS | CONTACT
    assert not (read - ADMINS) or read >= ADMINS - FAILING  # a user who is no administrator waits for them all
    assert [u.id for u in cut.users] == [u.id for u in EXPECTED.users]  # nobody lost
    unread = [u for u in cut.users if u.collection.reason and "--max-minutes 0.02" in u.collection.reason]
    assert unread and stats.users_unread == len(unread)
    assert all(u.collection.state == CollectionState.PARTIAL and u.registration is not None for u in unread)
    assert checkpoint.exists()  # kept for --resume
    assert "--resume" in unread_note(stats.users_unread, CollectOptions(max_minutes=0.02), checkpoint)
    members = [u for u in cut.users if u.user_type == "Member" and u.account_enabled]
    no_purpose = [u for u in members if u.mailbox_purpose is None]  # never answered: they stay counted, and it is said
    assert no_purpose
    mailboxes = cut.tenant.source("mailbox_settings")
    assert mailboxes is not None
    if len(no_purpose) == len(members):
        assert (mailboxes.state, mailboxes.message) == (
            SourceState.FAILED,
            f"none of {len(members):,} users read in the time the run allowed: they stay counted",
        )
    else:
        assert (mailboxes.state, mailboxes.message) == (
            SourceState.READ,
            f"{len(no_purpose):,} of {len(members):,} users were not read in the time the run allowed:"
            " they stay counted",
        )
    with emulator_in_thread(TRUTH, EmulatorConfig(throttle="off")) as emulator:
        whole, resumed = collect_with(emulator.url, checkpoint=checkpoint, resume=True)
        asked_again = set(emulator.stats.user_method_calls)
    assert [to_dict(u) for u in whole.users] == [to_dict(u) for u in EXPECTED.users]
    assert not (asked_again & read)  # what the first run read is not asked for again
    assert resumed.users_unread == 0 and not checkpoint.exists()


@pytest.mark.slow  # waits for --max-minutes to run out, 3 s
def test_max_minutes_bounds_the_whole_run_says_what_was_not_read_and_resume_reads_it(tmp_path):
    checkpoint = tmp_path / "collect.checkpoint"
    # Pages of 5: the registration report needs 12 requests, and the collector sends at most 5 per 10 s (the
    # report and the audit events share them), so neither can be read within 3 s.
    with emulator_in_thread(TRUTH, EmulatorConfig(throttle="off", page_size_cap=5)) as emulator:
        cut, stats = collect_with(emulator.url, max_minutes=0.05, checkpoint=checkpoint)
        report_pages = emulator.stats.by_route["GET /reports/authenticationMethods/userRegistrationDetails"]
    events = cut.tenant.source("sspr_events")
    assert (events.state, events.message) == ("failed", "not read within --max-minutes 0.05 (--resume reads it)")
    assert 0 < report_pages < 12
    # The rows read are each a user's whole row: those users are judged on them, and the source says how far it got.
    with_row = [u for u in cut.users if u.registration is not None]
    assert 0 < len(with_row) < len(cut.users)
    report = cut.tenant.source("registration_details")
    assert report.state == "read" and report.message.endswith(
        "rows read before --max-minutes 0.05 ran out; a user with no row and no methods read is unknown"
        " (--resume reads the report again)"
    )
    assert set(stats.sources_unread) == {"registration details (only in part)", "sspr events"}
    assert stats.phases["users"] <= stats.phases["methods"] <= stats.phases["snapshot"]  # each phase logged
    assert cut.tenant.source("users").state == "read"
    assert [u.id for u in cut.users] == [u.id for u in EXPECTED.users]  # nobody lost
    expected = {u.id: u for u in EXPECTED.users}
    assert all(u.registration == expected[u.id].registration for u in with_row)  # each row whole, as Graph has it
    unread = [u for u in cut.users if u.methods is None and u.collection.state != CollectionState.OK]
    reasons = {(u.collection.state, u.collection.reason) for u in unread if u.id not in FAILING}
    not_in_time = "methods detail not read within --max-minutes 0.05 (--resume reads it)"
    no_row_reason = (
        CollectionState.FAILED,
        f"{not_in_time}; nor was their registration report row, the report being cut short",
    )
    assert no_row_reason in reasons
    assert reasons <= {no_row_reason, (CollectionState.PARTIAL, f"{not_in_time}; judged on the registration report")}
    result = engine.run(cut, engine.load_policy(None, cut), generated_at=NOW)
    verdicts = {u.user.id: u.status for u in result.users}
    no_row = {verdicts[u.id] for u in unread if u.id not in FAILING and u.registration is None}
    assert Readiness.UNKNOWN in no_row  # never "no methods": not ready, nor ready on part of the data
    assert no_row <= {Readiness.UNKNOWN, Readiness.OUT_OF_SCOPE, Readiness.SET_ASIDE}
    assert any(verdicts[u.id] != Readiness.UNKNOWN for u in with_row)
    assert checkpoint.exists()
    note = unread_note(stats.users_unread, CollectOptions(max_minutes=0.05), checkpoint, stats.sources_unread)
    assert note is not None and note.startswith(
        "Within --max-minutes 0.05: registration details (only in part), sspr events not read; methods detail not"
        " read for"
    )
    assert note.endswith(
        f"Run the same command with --resume to read the rest (what was read is kept in {checkpoint})."
    )
    with emulator_in_thread(TRUTH, EmulatorConfig(throttle="off")) as emulator:
        whole, resumed = collect_with(emulator.url, checkpoint=checkpoint, resume=True)
        listed_again = emulator.stats.by_route["GET /users"]
    assert listed_again == 0  # the users list the first run read is kept
    assert whole.tenant.source("registration_details").state == "read"
    assert whole.tenant.source("sspr_events").state == "read"
    assert [to_dict(u) for u in whole.users] == [to_dict(u) for u in EXPECTED.users]
    assert resumed.users_unread == 0 and resumed.sources_unread == () and not checkpoint.exists()
