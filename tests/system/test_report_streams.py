"""`report` judges a current snapshot as it reads it, and any other file exactly as the whole read gives it."""

from __future__ import annotations

import gc
import json
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from sspr_audit import snapshot
from sspr_audit.audit import engine
from sspr_audit.cli import main
from sspr_audit.snapshot import codec
from sspr_audit.snapshot.models import MethodConfiguration, User
from tests.builders import snapshots as b

_USERS = b.snapshot(
    b.user("ann", methods=(b.app(),), mobile_phone="+44 20 7946 0000"),
    b.user("ben", methods=(b.phone("+44 20 7946 0000"),)),  # the same number: found without the users kept
    b.user("cal", registered=("email",)),
)
_SMS_FOR_ALL = (MethodConfiguration("Sms", "enabled"), MethodConfiguration("MicrosoftAuthenticator", "enabled"))
SNAP = replace(
    _USERS, tenant=replace(_USERS.tenant, settings=replace(_USERS.tenant.settings, method_configurations=_SMS_FOR_ALL))
)


def _report(path: Path, out: Path) -> tuple[int, dict]:
    run = CliRunner().invoke(main, ["report", str(path), "-o", str(out), "-f", "json", "-q", "--no-history"])
    files = list(out.glob("*.json"))
    return run.exit_code, json.loads(files[0].read_text()) if files else {"output": run.output}


def _findings(report: dict) -> list[tuple[str, str | None, str]]:
    return [(f["rule"], f["upn"], f["message"]) for f in report["findings"]]


def test_a_current_snapshot_is_judged_as_it_is_read_never_read_whole(tmp_path, monkeypatch):
    path = snapshot.write(SNAP, tmp_path / "s.json.gz")
    expected = engine.run(SNAP, engine.load_policy(None, SNAP))

    def whole_read(_path: Path) -> None:
        raise AssertionError("read whole")

    monkeypatch.setattr(codec, "read", whole_read)
    monkeypatch.setattr(snapshot, "read", whole_read)
    code, report = _report(path, tmp_path / "out")
    assert code == 0
    assert _findings(report) == [(f.rule, f.upn, f.message) for f in expected.findings]
    assert sum(f.rule == "PHN005" for f in expected.findings) == 2


def test_a_version_1_snapshot_is_judged_as_the_whole_read_migrates_it(tmp_path):
    data = snapshot.to_dict(SNAP)
    data["schema_version"] = 1
    path = tmp_path / "v1.json"
    path.write_text(json.dumps(data))
    migrated = snapshot.read(path)
    assert migrated != SNAP  # the method configurations' targets are now "not read"
    expected = engine.run(migrated, engine.load_policy(None, migrated))
    code, report = _report(path, tmp_path / "out")
    assert code == 0
    assert _findings(report) == [(f.rule, f.upn, f.message) for f in expected.findings]
    assert report["assumptions"] == list(expected.assumptions)
    assert any(
        a.startswith("Per-user targeting of the authentication methods policy was not read")
        for a in report["assumptions"]
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            lambda t: t.replace('"cal@contoso.com"', "7"),
            "users[2].user_principal_name: expected a string, got a number",
        ),
        (lambda t: t[:-20], "not valid JSON at line 1"),
        (lambda t: t.replace('"schema_version":3', '"schema_version":99'), "schema_version 99 is newer"),
    ],
)
def test_a_problem_after_users_were_judged_is_named_as_the_whole_read_names_it(tmp_path, text, message):
    path = tmp_path / "bad.json"
    path.write_text(text(snapshot.dumps(SNAP)))
    code, report = _report(path, tmp_path / "out")
    assert code == 2
    assert f"{path}: " in report["output"] and message in report["output"]
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


@pytest.mark.parametrize("version", [3, 1])
def test_no_user_judged_is_still_held_while_the_next_are_judged(tmp_path, monkeypatch, version):
    """Read as it is judged (a current file) or read whole (version 1): either way a judged user is let go."""
    data = snapshot.to_dict(b.snapshot(*(b.user(f"many{i}", methods=(b.app(),)) for i in range(40))))
    data["schema_version"] = version
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data))
    judged: set[str] = set()
    held: list[int] = []  # users judged before, still alive, each time one is judged
    assess = engine.assess

    def counting(facts, *args, **kwargs):
        upn = facts.user.user_principal_name
        if facts.index == 0:  # a version-1 file is judged as streamed, then again as read whole
            judged.clear()
        alive = [o for o in gc.get_objects() if isinstance(o, User) and o.user_principal_name.startswith("many")]
        held.append(sum(o.user_principal_name in judged and o.user_principal_name != upn for o in alive))
        judged.add(upn)
        return assess(facts, *args, **kwargs)

    monkeypatch.setattr(engine, "assess", counting)
    code, report = _report(path, tmp_path / "out")
    assert code == 0 and len(report["users"]) == 40
    assert len(judged) == 40 and max(held) <= 1  # at most the one before, whose record is being replaced
