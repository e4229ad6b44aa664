"""One bad character must not stop the audit: lone surrogates, U+FFFE and U+FFFF, end to end.

Graph's JSON may escape a lone surrogate into a name; U+FFFE and U+FFFF are
legal JSON but illegal XML. A collection from a loopback Graph serving them,
its checkpoint, every report format, the per-department workbooks, the
remediation files and the history must all be written, with what a format
cannot hold replaced by U+FFFD.
"""

from __future__ import annotations

import asyncio
import csv
import json
import sqlite3
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from sspr_audit.cli import main
from sspr_audit.collect.checkpoint import Checkpoint
from sspr_audit.collect.collector import collect
from sspr_audit.snapshot import read
from sspr_audit.snapshot.models import Source, SourceState, SourceStatus
from tests.builders.hostile_graph import TOKEN, HostileGraph, hostile, options, user

BAD = "\ud800"  # a lone surrogate, as Graph's "\ud800" escape puts it into a str
BAD_XML = "\ufffe\uffff"


def _hostile_tenant() -> HostileGraph:
    graph = HostileGraph(users=0)
    graph.users = [
        user(0, displayName=f"Ann {BAD}", department=f"Sales{BAD}", jobTitle=BAD_XML, mobilePhone=f"+44 7700{BAD}"),
        user(1, displayName=f"Bob {BAD_XML}", department=f"Ops{BAD_XML}", otherMails=[f"b{BAD}@x.example"]),
        user(2, displayName="Cat", department="Sales", mobilePhone="(425) 555-0100"),
    ]
    graph.inner = lambda user_id, attempt: {
        "status": 200,
        "body": {"value": [{"@odata.type": "#microsoft.graph.phoneAuthenticationMethod", "id": "m1",
                            "phoneNumber": f"+1 425555{BAD}", "phoneType": "mobile"}]},
    }  # fmt: skip
    return graph


def invoke(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


def _all_text(folder: Path) -> str:
    """Every report, workbook and remediation file in ``folder``, as text (workbook cells included)."""
    parts = []
    for path in sorted(folder.iterdir()):
        if path.suffix == ".xlsx":
            workbook = openpyxl.load_workbook(path, read_only=True)
            parts += [str(v) for ws in workbook for row in ws.iter_rows(values_only=True) for v in row if v]
        elif path.suffix in (".html", ".json", ".csv", ".ps1"):
            parts.append(path.read_bytes().decode("utf-8"))  # strict: must be valid UTF-8
    return "\n".join(parts)


def test_lone_surrogates_and_xml_noncharacters_from_graph_reach_every_file_replaced(tmp_path: Path) -> None:
    graph = _hostile_tenant()
    out = tmp_path / "reports"
    with hostile(graph) as url:
        result = invoke("run", "--graph-url", url, "--access-token", TOKEN, "-o", out, "--split-by", "department", "-q")
    assert result.exit_code == 0, result.output
    snapshot_path = next(out.glob("snapshot-*.json.gz"))
    snap = read(snapshot_path)
    assert snap.users[0].display_name == "Ann \ufffd"  # replaced where Graph's answer came in
    assert snap.users[1].display_name == f"Bob {BAD_XML}"  # JSON holds these: kept in the snapshot
    names = {p.suffix for p in out.iterdir()}
    assert {".html", ".xlsx", ".json", ".csv"} <= names
    assert len(list(out.glob("*_index.xlsx"))) == 1 and len(list(out.glob("*.xlsx"))) >= 4  # main + index + groups
    text = _all_text(out)
    assert "Ann \ufffd" in text and "Bob \ufffd\ufffd" in text  # in the workbooks, U+FFFE/U+FFFF replaced
    assert "\ufffe" not in "".join(
        str(v) for p in out.glob("*.xlsx") for ws in openpyxl.load_workbook(p) for r in ws.values for v in r if v
    )
    with sqlite3.connect(out / "history.sqlite") as conn:
        assert ("Ann \ufffd",) in conn.execute("SELECT display_name FROM users").fetchall()
    fixes = tmp_path / "fixes"
    assert invoke("remediate", snapshot_path, "-o", fixes).exit_code == 0
    assert (fixes / "remediation.csv").read_bytes().decode("utf-8-sig")


def test_a_checkpoint_holding_lone_surrogates_is_written_and_resumed(tmp_path: Path) -> None:
    graph = _hostile_tenant()
    checkpoint = tmp_path / "collect.checkpoint"
    with hostile(graph) as url:
        snap, _ = asyncio.run(collect(options(url), checkpoint=checkpoint, now="2026-11-26T06:00:00Z"))
    assert snap.users[0].display_name == "Ann \ufffd"
    assert not checkpoint.exists()  # done: removed
    # A checkpoint written by an interrupted run (same content) reads back with U+FFFD in place.
    identity = {"graph_endpoint": "http://x", "tenant_id": None, "client_id": None, "scope_groups": []}
    written = Checkpoint.open(checkpoint, identity, resume=False)
    written.record_source(SourceStatus(Source.USERS.value, SourceState.READ), [user(9, displayName=BAD)])
    written.close()
    assert "\ufffd".encode() in checkpoint.read_bytes()
    resumed = Checkpoint.open(checkpoint, identity, resume=True)
    assert resumed.sources["users"][1][0]["displayName"] == "\ufffd"
    resumed.close()


def test_a_hand_made_snapshot_with_lone_surrogates_and_noncharacters_reports_in_every_format(tmp_path: Path) -> None:
    snap = {
        "schema_version": 1,
        "tenant": {"id": "t\\ud800", "display_name": "Tenant \\udfff\\uffff", "verified_domains": [],
                   "on_premises_sync_enabled": None, "collected_at": "2026-11-26T06:00:00Z", "graph_endpoint": ""},
        "users": [{"id": "u1", "user_principal_name": "a\\ud800@x.example", "display_name": "\\ufffe\\ud800",
                   "user_type": "Member", "account_enabled": True, "department": "D\\uffff",
                   "mobile_phone": "+1 42\\ud800", "methods": []}],
    }  # fmt: skip
    path = tmp_path / "hand.json"
    path.write_text(json.dumps(snap).replace("\\\\", "\\"))
    out = tmp_path / "out"
    result = invoke("report", path, "-o", out, "--split-by", "department", "-q")
    assert result.exit_code == 0, result.output
    assert "Tenant \ufffd" in _all_text(out)
    rows = list(csv.reader((next(out.glob("*.csv"))).read_text("utf-8-sig").splitlines()))
    assert any("a\ufffd@x.example" in row for row in rows)
    assert invoke("remediate", path, "-o", tmp_path / "fix").exit_code == 0
    assert invoke("history", "--history", out / "history.sqlite").exit_code == 0
