"""A token given by flag or by environment reaches no output: not stdout, stderr, logs, snapshot, reports, history."""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from sspr_audit.cli import main
from sspr_audit.demo.tenant import generate_tenant
from sspr_audit.emulator.config import EmulatorConfig
from sspr_audit.emulator.server import emulator_in_thread

SENTINEL = "SENTINEL-token-4f9d2b7c81e0"


def contents(path: Path) -> bytes:
    """The file's bytes; for a workbook, every member unpacked."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            return b"".join(archive.read(name) for name in archive.namelist())
    return path.read_bytes()


@pytest.mark.usefixtures("fast_retries")
@pytest.mark.parametrize("how", ["flag", "environment"])
def test_access_token_never_reaches_any_output(tmp_path, caplog, how):
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "azure", "kiota_http", "msgraph_core", "sspr_audit", "aiohttp"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    out = tmp_path / "out"
    config = EmulatorConfig(token=SENTINEL, throttle="off", seed=5)
    with emulator_in_thread(generate_tenant(users=30, seed=5), config) as emulator:
        args = ["run", "--graph-url", emulator.url, "-o", str(out), "--snapshot", str(out / "snap.json")]
        env = {}
        if how == "flag":
            args += ["--access-token", SENTINEL]
        else:
            env["SSPR_AUDIT_ACCESS_TOKEN"] = SENTINEL
        result = CliRunner(env=env).invoke(main, args)
        wrong = CliRunner().invoke(
            main,
            ["collect", "--graph-url", emulator.url, "-o", str(tmp_path / "x"), "--access-token", SENTINEL + "-wrong"],
        )
    assert result.exit_code == 0, result.output
    assert wrong.exit_code == 2
    written = sorted(p for p in out.rglob("*") if p.is_file())
    assert {p.suffix for p in written} >= {".json", ".html", ".xlsx", ".csv", ".sqlite"}
    leaks = [p.name for p in written if SENTINEL.encode() in contents(p)]
    assert not leaks
    for text in (result.output, wrong.output, caplog.text):
        assert SENTINEL not in text
