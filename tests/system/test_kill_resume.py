"""A collection killed hard (SIGKILL) resumes to the exact snapshot, asking Graph again only for what was lost."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sspr_audit import snapshot
from sspr_audit.demo.tenant import generate_tenant
from sspr_audit.emulator.config import EmulatorConfig
from sspr_audit.emulator.expected import expected_collection
from sspr_audit.emulator.server import emulator_in_thread
from sspr_audit.snapshot import to_dict
from tests.builders import CHECKOUT


def methods_lines(checkpoint: Path) -> int:
    if not checkpoint.exists():
        return 0
    lines = checkpoint.read_bytes().split(b"\n")
    return sum(1 for line in lines if b'"kind":"methods"' in line.replace(b" ", b""))


def collect_command(url: str, token: str, out: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "tests.system.fast_cli",  # sspr-audit with retries that do not wait
        "collect",
        "--graph-url",
        url,
        "--access-token",
        token,
        "-o",
        str(out),
        "--snapshot",
        str(out / "snap.json.gz"),
        "--concurrency",
        "2",
        "-q",
        *extra,
    ]


def saved_users(checkpoint: Path) -> set[str]:
    """Ids of the users whose methods whole lines of the checkpoint hold (a torn last line does not count)."""
    users: set[str] = set()
    for line in checkpoint.read_bytes().split(b"\n"):
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("kind") == "methods":
            users.update(record["users"])
    return users


def checkpoint_started(checkpoint: Path) -> bool:
    return checkpoint.exists() and checkpoint.stat().st_size > 0


@pytest.mark.slow
@pytest.mark.parametrize("batches_before_kill", [0, 3], ids=["while-listing", "between-batches"])
def test_sigkill_then_resume_gives_the_truth_and_no_half_written_file(tmp_path, batches_before_kill):
    truth = generate_tenant(users=600, seed=3)
    config = EmulatorConfig(latency_ms=40, throttle="off", seed=3)
    out = tmp_path / "run"
    checkpoint = out / "collect.checkpoint"
    with emulator_in_thread(truth, config) as emulator:
        process = subprocess.Popen(
            collect_command(emulator.url, config.token, out),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=CHECKOUT,  # where python -m finds the tests package
        )
        deadline = time.monotonic() + 60

        def reached() -> bool:
            if batches_before_kill == 0:
                return checkpoint_started(checkpoint)
            return methods_lines(checkpoint) >= batches_before_kill

        while not reached() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert process.poll() is None, "the collection finished before it could be interrupted"
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        done_before = methods_lines(checkpoint)
        saved = saved_users(checkpoint)
        assert not (out / "snap.json.gz").exists()
        assert all(p.name == "collect.checkpoint" for p in out.iterdir()), sorted(p.name for p in out.iterdir())

        resumed = subprocess.run(
            collect_command(emulator.url, config.token, out, "--resume"),
            capture_output=True,
            text=True,
            timeout=120,
            cwd=CHECKOUT,  # where python -m finds the tests package
        )
        assert resumed.returncode == 0, resumed.stderr
        calls = dict(emulator.stats.user_method_calls)

    collected = snapshot.read(out / "snap.json.gz")
    # No --scope-group was given: only the groups the methods policy targets are read.
    expected = expected_collection(truth, scope_groups=(), collected_at=collected.tenant.collected_at)
    got, want = [to_dict(u) for u in collected.users], [to_dict(u) for u in expected.users]
    diffs = [(w["user_principal_name"], k) for g, w in zip(got, want, strict=True) for k in w if g[k] != w[k]]
    assert not diffs, diffs[:10]
    assert not checkpoint.exists()
    assert done_before >= batches_before_kill
    fetched = [u.id for u in expected.users if u.methods is not None]
    asked_twice = [uid for uid in fetched if calls.get(uid, 0) > 1]
    # Users whose batch had reached the checkpoint are never asked again; only those of the batches in
    # flight at the kill (at most 2 of 20, by --concurrency 2) may be.
    assert len(saved) >= batches_before_kill  # batches may hold fewer than 20 users
    assert not set(asked_twice) & saved
    assert len(asked_twice) <= 2 * 20, asked_twice
