"""The run history keeps what users did: diff names who was not ready and reset since; the trend counts attempts."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

from sspr_audit.audit import engine, policy
from sspr_audit.history import store as history
from sspr_audit.history.compare import compare, run_from_result
from sspr_audit.render.changes import render_text, to_json
from sspr_audit.snapshot.models import EventsRead, ResetAttempt, SsprActivity
from tests.builders import snapshots as b

STALE = b.user("stale", methods=(), mobile_phone="+1 2065550123")
FINE = b.user("fine", methods=(b.app(),))


def week(collected: str, *users, events: EventsRead | None = None):
    snap = b.snapshot(*users, collected_at=collected, events=events)
    return engine.run(snap, policy.resolve({}, snap.tenant), generated_at=collected)


def did(u, at: str, outcome: str, attempts: int = 1, successes: int = 1):
    return replace(u, activity=SsprActivity(ResetAttempt(at, outcome, "mobile_phone"), None, attempts, successes))


def two_weeks():
    first = week("2026-11-13T09:00:00Z", STALE, FINE)  # events not read that week
    second = week(
        "2026-11-20T09:00:00Z",
        did(STALE, "2026-11-17T07:30:00Z", "reset"),
        did(FINE, "2026-11-18T07:30:00Z", "failed", attempts=2, successes=1),
        events=EventsRead("2026-10-21T09:00:00Z", 30, 9),
    )
    return first, second


def test_diff_says_who_was_not_ready_and_reset_since_the_last_run(tmp_path: Path):
    db = tmp_path / "history.sqlite"
    first, second = two_weeks()
    history.record_run(db, first)
    history.record_run(db, second)
    old, new = history.latest_pair(db)
    changes = compare(old, new)
    assert [(c.upn, c.before, c.after) for c in changes.reset_while_not_ready] == [
        ("stale@contoso.com", "not_ready", "not_ready")
    ]
    text = render_text(changes)
    assert "1 user who was not ready reset successfully since the last run (collected 2026-11-13T09:00:00Z)" in text
    assert "Not ready, yet reset successfully since (1)" in text
    assert "stale@contoso.com: Was not ready; reset successfully on 2026-11-17T07:30:00Z. Now not ready." in text
    trend = to_json(changes)["trend"]
    assert [(p["attempts"], p["successes"]) for p in trend] == [(None, None), (3, 2)]  # unknown before, not 0


def test_a_recorded_run_keeps_its_events_and_each_last_attempt(tmp_path: Path):
    db = tmp_path / "history.sqlite"
    _, second = two_weeks()
    run_id = history.record_run(db, second)
    stored = history.load_run(db, run_id)
    assert stored == run_from_result(second, None, run_id)
    assert (stored.summary.events_read, stored.summary.attempts, stored.summary.successes) == (9, 3, 2)
    assert {u.upn: (u.last_reset_at, u.last_reset_outcome) for u in stored.users} == {
        "stale@contoso.com": ("2026-11-17T07:30:00Z", "reset"),
        "fine@contoso.com": ("2026-11-18T07:30:00Z", "failed"),
    }


def test_a_version_4_history_is_migrated_with_events_unknown(tmp_path: Path):
    db = tmp_path / "history.sqlite"
    conn = sqlite3.connect(db, isolation_level=None)
    for version in range(1, 5):
        history.MIGRATIONS[version](conn)
    conn.execute(f"PRAGMA application_id = {history.APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 4")
    conn.execute(
        "INSERT INTO runs (tenant_id, tenant_name, generated_at, policy_hash, users_total, users_in_scope,"
        " users_ready, users_recorded, as_of, collected_at) VALUES"
        " ('11111111-2222-3333-4444-555555555555', 'Contoso Test', '2026-11-13T09:00:00Z', 'x', 1, 1, 0, 1,"
        " '2026-11-13', '2026-11-13T09:00:00Z')"
    )
    conn.execute("INSERT INTO users VALUES (1, 'u1', 'stale@contoso.com', 'Stale', 'not_ready', 0, 0, '', NULL, NULL)")
    conn.close()
    (run,) = history.list_runs(db)
    assert (run.events_read, run.attempts, run.successes) == (None, None, None)
    (user,) = history.load_run(db, 1).users
    assert (user.last_reset_at, user.last_reset_outcome) == (None, None)
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == history.SCHEMA_VERSION == 5
    conn.close()
