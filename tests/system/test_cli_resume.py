"""A failed or interrupted collection: what it leaves behind, what it says, and how the next run goes on."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from sspr_audit.cli import main
from sspr_audit.demo.tenant import generate_tenant
from sspr_audit.emulator.config import EmulatorConfig
from sspr_audit.emulator.server import emulator_in_thread
from tests.builders import CHECKOUT


def test_a_refused_token_leaves_no_checkpoint_and_the_corrected_run_needs_no_resume(tmp_path, fast_retries):
    config = EmulatorConfig(throttle="off")
    out = tmp_path / "reports"
    with emulator_in_thread(generate_tenant(users=30, seed=1), config) as emulator:
        args = ["collect", "--graph-url", emulator.url, "-o", str(out), "--snapshot", str(out / "s.json.gz"), "-q"]
        wrong = CliRunner().invoke(main, [*args, "--access-token", "not-the-token"])
        assert wrong.exit_code == 2, wrong.output
        assert "Graph rejected the access token" in wrong.output
        assert not (out / "collect.checkpoint").exists()
        right = CliRunner().invoke(main, [*args, "--access-token", config.token])
    assert right.exit_code == 0, right.output
    assert (out / "s.json.gz").exists() and not (out / "collect.checkpoint").exists()


def demo_command(out: Path, *extra: str) -> list[str]:
    demo = ["run", "--demo", "--users", "3000", "-o", str(out), "-f", "json", "--no-history", "-q"]
    return [sys.executable, "-m", "tests.system.fast_cli", *demo, *extra]


def has_methods(checkpoint: Path) -> bool:
    if not checkpoint.exists():
        return False
    return any(b'"kind":"methods"' in line for line in checkpoint.read_bytes().split(b"\n")[:-1])


@pytest.mark.slow
def test_ctrl_c_says_how_to_resume_and_the_demo_resumes_on_a_new_port(tmp_path):
    out = tmp_path / "reports"
    checkpoint = out / "demo-collect.checkpoint"
    process = subprocess.Popen(
        demo_command(out), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=CHECKOUT
    )
    deadline = time.monotonic() + 60
    while not has_methods(checkpoint) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert process.poll() is None, "the demo finished before it could be interrupted"
    os.kill(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert stderr.strip().splitlines() == [
        f"sspr-audit: interrupted; what was read is kept in {checkpoint}:"
        " run the same command with --resume to continue"
    ]
    header = json.loads(checkpoint.read_text().splitlines()[0])
    assert header["graph_endpoint"] == "sspr-audit demo tenant (3000 users, seed 7)"  # not the emulator's port

    refused = subprocess.run(demo_command(out), capture_output=True, text=True, cwd=CHECKOUT, timeout=120)
    assert refused.returncode == 2 and "add --resume" in refused.stderr
    resumed = subprocess.run(demo_command(out, "--resume"), capture_output=True, text=True, cwd=CHECKOUT, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout == ""  # -q: neither the snapshot line nor the summary
    assert not checkpoint.exists() and (out / "demo-snapshot-3000-seed7.json.gz").exists()
