"""Files: private folders whatever the umask, a tightened history, waiting for a lock, a full disk, tampering."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from sspr_audit.audit import engine
from sspr_audit.cli import main
from sspr_audit.collect.checkpoint import FORMAT, Checkpoint
from sspr_audit.collect.errors import CheckpointError
from sspr_audit.history import store
from sspr_audit.snapshot import write
from tests.builders import snapshots as b


def invoke(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _result(users: int = 3):
    snap = b.snapshot(*(b.user(f"user{n}", mobile_phone="(425) 555-0100") for n in range(users)))
    return engine.run(snap, engine.load_policy(None, snap), generated_at="2026-11-26T06:00:00Z")


def test_every_folder_created_is_0700_the_intermediate_ones_too_whatever_the_umask(tmp_path: Path) -> None:
    snap = write(b.snapshot(b.user("alex")), tmp_path / "s.json")
    previous = os.umask(0)
    try:
        result = invoke("report", snap, "-o", tmp_path / "a" / "b" / "c", "--split-by", "department", "-q")
    finally:
        os.umask(previous)
    assert result.exit_code == 0, result.output
    for folder in (tmp_path / "a", tmp_path / "a" / "b", tmp_path / "a" / "b" / "c"):
        assert _mode(folder) == 0o700, folder
    assert {_mode(p) for p in (tmp_path / "a" / "b" / "c").iterdir()} == {0o600}


def test_a_history_file_with_looser_permissions_is_tightened_before_a_run_goes_in(tmp_path: Path) -> None:
    history = tmp_path / "history.sqlite"
    store.record_run(history, _result())
    os.chmod(history, 0o644)
    store.record_run(history, _result())
    assert _mode(history) == 0o600 and len(store.list_runs(history)) == 2


HOLD = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""


def _hold_lock(history: Path, seconds: float) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(history), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "locked"
    return holder


def test_a_lock_held_by_another_process_is_waited_for_with_a_visible_message(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    history = tmp_path / "history.sqlite"
    store.record_run(history, _result())
    holder = _hold_lock(history, 1.0)
    try:
        started = time.monotonic()
        store.record_run(history, _result())
        waited = time.monotonic() - started
    finally:
        holder.wait(10)
    assert 0.5 < waited < 10
    assert f"sspr-audit: {history} is in use by another process; waiting up to 120 s" in capsys.readouterr().err
    assert len(store.list_runs(history)) == 2


def test_a_lock_held_past_the_limit_gives_one_line_that_does_not_advise_moving_the_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    history = tmp_path / "history.sqlite"
    store.record_run(history, _result())
    monkeypatch.setattr(store, "LOCK_WAIT_S", 0.3)
    holder = _hold_lock(history, 2.0)
    try:
        with pytest.raises(store.HistoryError) as caught:
            store.record_run(history, _result())
    finally:
        holder.kill()
        holder.wait(10)
    text = str(caught.value)
    assert text.startswith(f"{history}: another process kept the run history locked for 0.3 s")
    assert "move it aside" not in text and len(text.splitlines()) == 1
    assert len(store.list_runs(history)) == 1


def test_a_full_disk_says_disk_full_and_keeps_the_history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    history = tmp_path / "history.sqlite"
    store.record_run(history, _result(1))
    real_connect = sqlite3.connect

    def small_disk(*args, **kwargs):  # SQLite's own limit on the file's size: a real SQLITE_FULL
        conn = real_connect(*args, **kwargs)
        conn.execute(f"PRAGMA max_page_count = {conn.execute('PRAGMA page_count').fetchone()[0] + 1}")
        return conn

    monkeypatch.setattr(store.sqlite3, "connect", small_disk)
    with pytest.raises(store.HistoryError) as caught:
        store.record_run(history, _result(300))
    text = str(caught.value)
    assert text.startswith(f"{history}: disk full: this run was not recorded")
    assert "cannot rollback" not in text and "move it aside" not in text
    monkeypatch.setattr(store.sqlite3, "connect", real_connect)
    assert len(store.list_runs(history)) == 1


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE runs SET users_total = 'lots' WHERE id = 2",
        "UPDATE users SET status = 'pwned' WHERE run_id = 2",
        "UPDATE users SET usable_methods = X'ff' WHERE run_id = 2",
        "UPDATE findings SET severity = X'00' WHERE run_id = 2",
        "UPDATE users SET is_admin = 'yes' WHERE run_id = 2",
    ],
)
def test_a_tampered_value_gives_one_line_naming_the_run(tmp_path: Path, tamper: str) -> None:
    history = tmp_path / "history.sqlite"
    for _ in range(2):
        store.record_run(history, _result())
    with sqlite3.connect(history) as conn:
        conn.execute(tamper)
    listing = invoke("history", "--history", history)  # lists runs only: fails when the runs table is damaged
    assert listing.exit_code == (2 if "UPDATE runs" in tamper else 0)
    for result in (listing, invoke("diff", "--history", history)):
        if "UPDATE runs" not in tamper and result is listing:
            continue
        assert result.exit_code == 2, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "run 2" in lines[0], result.stderr
        assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "record",
    [
        {"kind": "source", "name": "users", "status": "read", "data": []},
        {"kind": "source", "name": "users", "status": {"source": "users", "state": "read", "x": 1}, "data": []},
        {"kind": "source", "name": "users", "status": {"source": "users", "state": "read"}, "data": "x"},
        {"kind": "source", "name": "users", "status": {"source": "users", "state": "read"}, "data": [{"no": "id"}]},
        {"kind": "source", "name": "organization", "status": {"source": "organization", "state": "odd"}},
        {"kind": "methods", "users": ["u1"]},
        {"kind": "methods", "users": {"u1": "not a list"}},
        {"kind": "methods"},
    ],
)
def test_a_crafted_checkpoint_gives_one_line_not_a_traceback(tmp_path: Path, record: dict) -> None:
    identity = {"graph_endpoint": "http://127.0.0.1:1", "tenant_id": None, "client_id": None, "scope_groups": []}
    path = tmp_path / "collect.checkpoint"
    read = {"kind": "methods", "users": {"u0": []}}  # a user was read: the checkpoint is worth resuming
    lines = [{"kind": "header", "format": FORMAT, **identity}, read, record]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    with pytest.raises(CheckpointError) as caught:
        Checkpoint.open(path, identity, resume=True)
    assert str(caught.value) == (
        f"{path}: line 3 is not what sspr-audit writes (crafted or from another tool); delete the checkpoint"
        " and collect again"
    )
