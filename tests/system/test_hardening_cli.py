"""What a user sees: crash exit code, terminal-safe text, CSV that never computes, short errors, masked secrets."""

from __future__ import annotations

import base64
import csv
import gzip
import json
import logging
import stat
import time
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from sspr_audit.cli import main
from sspr_audit.collect.redact import Redactor, redacting_logs
from sspr_audit.errors import SnapshotError
from sspr_audit.render.csv_report import neutralise
from sspr_audit.snapshot import read, write
from tests.builders import snapshots as b

HOSTILE_NAME = "Ops\x1b]0;pwned\x07\x1b[2J\x1b]52;c;ZXZpbA==\x07\x9b31m\r end"


def invoke(*args: object, **kwargs):
    return CliRunner().invoke(main, [str(a) for a in args], **kwargs)


def test_an_unexpected_error_exits_3_with_one_line_and_an_owner_only_crash_log_without_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sspr_audit.audit import engine

    secret = "SENTINEL+SECRET/value"

    def broken(*args, **kwargs):
        raise RuntimeError(f"boom near {secret} and {base64.b64encode(secret.encode()).decode()}")

    monkeypatch.setattr(engine, "run", broken)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("AZURE_CLIENT_SECRET", secret)
    snap = write(b.snapshot(b.user("alex")), tmp_path / "s.json")
    result = invoke("report", snap, "-o", tmp_path / "out", "-q")
    assert result.exit_code == 3
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sspr-audit: unexpected error (RuntimeError: ")
    assert secret not in result.stderr and "Traceback" not in result.stderr
    (log,) = (tmp_path / "cache" / "sspr-audit").glob("crash-*.log")
    assert str(log) in lines[0]
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700
    text = log.read_text()
    assert "Traceback (most recent call last)" in text and "RuntimeError: boom near ***" in text
    assert secret not in text and base64.b64encode(secret.encode()).decode() not in text


def test_readme_documents_exit_code_3() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert "| 3 | an unexpected error" in readme
    assert "3 means sspr-audit itself failed" in readme


def test_terminal_control_characters_never_reach_the_terminal(tmp_path: Path) -> None:
    history = tmp_path / "history.sqlite"
    first = b.snapshot(b.user("alex", display_name=HOSTILE_NAME), display_name=HOSTILE_NAME)
    second = b.snapshot(
        b.user("alex", display_name=HOSTILE_NAME, mobile_phone="(425) 555-0100"),
        replace(b.user("bo", display_name=HOSTILE_NAME)),
        display_name=HOSTILE_NAME,
    )
    outputs = []
    for n, snap in enumerate((first, second)):
        path = write(
            replace(snap, tenant=replace(snap.tenant, collected_at=f"2026-11-2{n}T06:00:00Z")), tmp_path / f"{n}.json"
        )
        run = invoke("report", path, "-o", tmp_path / "out", "--history", history, "-f", "json")
        assert run.exit_code == 0, run.output
        outputs.append(run.output)
    outputs.append(invoke("history", "--history", history).output)
    outputs.append(invoke("diff", "--history", history).output)
    outputs.append(invoke("diff", tmp_path / "0.json", tmp_path / "1.json", "--history", history).output)
    for text in outputs:
        assert "Ops" in "".join(outputs)
        assert not any(c in text for c in "\x1b\x07\x9b\r"), repr(text[:300])


@pytest.mark.parametrize(
    "value",
    [" =1+1", "  +SUM(A1)", "\u3000=1+1", "\uff1d1+1", "\uff0b1", "\uff0d1", "\uff20SUM(1)", "\u200b=1+1", "\xa0@x"],
)
def test_csv_neutralises_formulas_behind_blanks_and_full_width_forms(value: str, tmp_path: Path) -> None:
    assert neutralise(value) == "'" + value
    snap = b.snapshot(b.user("alex", display_name=value, mobile_phone="(425) 555-0100"))
    out = tmp_path / "out"
    assert (
        invoke("report", write(snap, tmp_path / "s.json"), "-o", out, "-f", "csv", "-q", "--no-history").exit_code == 0
    )
    rows = list(csv.DictReader(next(out.glob("*.csv")).read_text("utf-8-sig").splitlines()))
    assert rows and all(row["display_name"] == "'" + value for row in rows)


def test_csv_leaves_ordinary_values_alone() -> None:
    for value in ("Alex", "alex@example.org", " Alex", "\uff21lex", "1+1", "'=x"):
        assert neutralise(value) == value


def test_a_client_secret_is_masked_url_encoded_and_in_base64() -> None:
    secret = "SENTINEL+SECRET/abc=d~e"
    redactor = Redactor([secret])
    texts = [
        "client_secret=SENTINEL%2BSECRET%2Fabc%3Dd~e&grant_type=client_credentials",
        "client_secret=SENTINEL%2BSECRET%2Fabc%3Dd%7Ee",
        "client_secret=sentinel%2bsecret... SENTINEL%2bSECRET%2fabc%3dd~e",
    ]
    for prefix in ("", "a", "ab", "client-id:"):
        texts.append("Basic " + base64.b64encode(f"{prefix}{secret}:tail".encode()).decode())
        texts.append("token " + base64.urlsafe_b64encode(f"{prefix}{secret}".encode()).decode())
    for text in texts:
        masked = redactor.redact(text)
        assert "***" in masked, text
        assert "SENTINEL%2BSECRET%2Fabc" not in masked and "SENTINEL%2bSECRET%2fabc" not in masked
        assert base64.b64encode(secret.encode()).decode()[4:-4] not in masked
    logger = logging.getLogger("sspr-audit-test-idp")
    with redacting_logs(redactor):
        record = logger.makeRecord(logger.name, logging.ERROR, __file__, 1, "IdP said: %s", (texts[0],), None)
    assert "SENTINEL" not in record.getMessage()


def test_a_huge_user_supplied_value_is_not_echoed_whole(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text('[report]\nfail_on = "' + "x" * 10_000_000 + '"\n')
    snap = write(b.snapshot(b.user("alex")), tmp_path / "s.json")
    result = invoke("report", snap, "--policy", policy, "-o", tmp_path / "out", "-q")
    assert result.exit_code == 2
    assert len(result.stderr) < 600 and "10,000,000 characters" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    usage = invoke("report", snap, "--fail-on", "y" * 100_000, "-o", tmp_path / "out")
    assert usage.exit_code == 2 and len(usage.stderr) < 1_000


def test_a_gzip_bomb_snapshot_is_refused_quickly_with_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "bomb.json.gz"
    path.write_bytes(gzip.compress(b'{"schema_version": 1, "x": "' + b" " * (300 << 20), compresslevel=9))
    assert path.stat().st_size < 400_000
    started = time.monotonic()
    with pytest.raises(SnapshotError) as caught:
        read(path)
    assert time.monotonic() - started < 5
    assert str(caught.value).startswith(f"{path}: inflates past 67,108,864 bytes")
    good = write(b.snapshot(b.user("alex")), tmp_path / "good.json.gz")
    assert read(good).users[0].id == json.loads(gzip.decompress(good.read_bytes()))["users"][0]["id"]
