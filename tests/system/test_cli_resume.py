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
    demo = ["run", "--demo", "--users", "1000", "-o", str(out), "-f", "json", "--no-history", "-q"]
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
    assert header["graph_endpoint"] == "sspr-audit demo tenant (1000 users, seed 7)"  # not the emulator's port

    refused = subprocess.run(demo_command(out), capture_output=True, text=True, cwd=CHECKOUT, timeout=120)
    assert refused.returncode == 2 and "add --resume" in refused.stderr
    resumed = subprocess.run(demo_command(out, "--resume"), capture_output=True, text=True, cwd=CHECKOUT, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout == ""  # -q: neither the snapshot line nor the summary
    assert not checkpoint.exists() and (out / "demo-snapshot-1000-seed7.json.gz").exists()


def test_output_to_a_pipe_keeps_long_paths_whole_and_draws_no_progress(tmp_path):
    out = tmp_path / ("a-folder-name-long-enough-that-every-path-passes-eighty-columns-" * 2)
    done = subprocess.run(
        [sys.executable, "-m", "tests.system.fast_cli", "run", "--demo", "-o", str(out), "-f", "json,csv"],
        capture_output=True,
        text=True,
        cwd=CHECKOUT,
        timeout=120,
        env={**os.environ, "COLUMNS": "80"},
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert f"Snapshot: {out / 'demo-snapshot-250-seed7.json.gz'}" in lines
    written = [line.removeprefix("Wrote ") for line in lines if line.startswith("Wrote ")]
    assert len(written) == 2 and all(Path(p).is_file() for p in written)
    assert "\x1b" not in done.stdout and "\r" not in done.stdout and "Methods" not in done.stdout


@pytest.mark.slow
def test_on_an_80_column_terminal_the_progress_fits_and_the_phase_line_goes(tmp_path):
    import fcntl
    import pty
    import re
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    command = [sys.executable, "-m", "tests.system.fast_cli", "run", "--demo", "-o", str(tmp_path / "r")]
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    process = subprocess.Popen(
        [*command, "-f", "json", "--no-history"], stdout=follower, stderr=follower, cwd=CHECKOUT, env={**env}
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert process.wait(timeout=120) == 0
    os.close(leader)
    screen = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", b"".join(chunks).decode()).split("Snapshot:")[0]
    drawn = [part for line in screen.split("\n") for part in line.split("\r")]  # every redraw of the display
    assert max(len(line.rstrip()) for line in drawn) <= 80
    assert "Methods are read one by one for" in screen
    final = screen.rstrip().split("\r")[-1].strip()
    assert re.fullmatch(r"Methods ━+ +(\d+)/\1 users, done", final), final  # the phase line is gone
