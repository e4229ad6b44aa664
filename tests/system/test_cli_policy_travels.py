"""The same snapshot gives the same numbers: the policy a run used travels with its snapshot."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from sspr_audit import snapshot
from sspr_audit.cli import main
from sspr_audit.history import store

WHAT_IF = '[sspr]\nmethods_required = 1\nmethods_enabled = ["mobile_app", "mobile_phone"]\n'


def invoke(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


def summary(folder: Path) -> dict:
    (report,) = folder.glob("sspr-audit_*.json")
    return json.loads(report.read_text())["summary"]


def test_report_on_the_snapshot_run_demo_wrote_gives_the_same_numbers(tmp_path, fast_retries):
    out = tmp_path / "run"
    ran = invoke("run", "--demo", "-o", out, "-f", "json", "-q")
    assert ran.exit_code == 0, ran.output
    snap = out / "demo-snapshot-250-seed7.json.gz"
    assert (out / "demo-snapshot-250-seed7.policy.toml").is_file()
    again = invoke("report", snap, "-o", tmp_path / "again", "-f", "json", "--history", out / "history.sqlite", "-q")
    assert again.exit_code == 0, again.output
    assert summary(tmp_path / "again") == summary(out)
    assert [r.what_if for r in store.list_runs(out / "history.sqlite")] == [False, False]


def test_a_what_if_is_recorded_as_one_and_kept_out_of_the_trend(tmp_path):
    out, history = tmp_path / "demo", tmp_path / "history.sqlite"
    assert invoke("demo", "-o", out, "-f", "json", "--history", history, "-q").exit_code == 0
    snap = out / "demo-snapshot-250-seed7.json.gz"
    what_if = tmp_path / "what-if.toml"
    what_if.write_text(WHAT_IF)
    asked = invoke("report", snap, "--policy", what_if, "-o", tmp_path / "w", "-f", "json", "--history", history)
    assert asked.exit_code == 0, asked.output
    assert asked.output.splitlines()[0] == (
        f"What-if: judged with {what_if} instead of the policy its run used"
        f" ({out / 'demo-snapshot-250-seed7.policy.toml'}); recorded as a what-if, outside the trend"
    )
    assert summary(tmp_path / "w") != summary(out)
    assert len(store.list_runs(history)) == 1
    assert [r.what_if for r in store.list_runs(history, what_ifs=True)] == [True, False]
    listed = invoke("history", "--history", history, "--what-if").output.splitlines()
    assert listed[1].split()[:2] == ["2", "what-if"] and listed[2].split()[1] != "what-if"

    real = invoke("report", snap, "-o", tmp_path / "r", "-f", "json", "--history", history, "-q")
    assert real.exit_code == 0, real.output
    (report,) = (tmp_path / "r").glob("sspr-audit_*.json")
    changes = json.loads(report.read_text())["changes"]
    assert changes["old"]["run_id"] == 1 and [p["run_id"] for p in changes["trend"]] == [1, None]
    assert summary(tmp_path / "r") == summary(out)


def test_diff_names_each_side_by_its_collection_time(tmp_path):
    out = tmp_path / "demo"
    assert invoke("demo", "-o", out, "-f", "json", "--no-history", "-q").exit_code == 0
    snap = out / "demo-snapshot-250-seed7.json.gz"
    text = invoke("diff", snap, snap).output.splitlines()
    collected = snapshot.read(snap).tenant.collected_at
    assert text[2].startswith(f"  old: {snap} (") and text[2].endswith(f": data collected {collected}")
    assert text[3].startswith("  new: ") and text[3].endswith(f"data collected {collected}")


def test_remediate_plans_with_the_policy_the_snapshots_run_used(tmp_path):
    """Only users the audit judges are planned: another policy's scope plans for other users."""
    out = tmp_path / "demo"
    assert invoke("demo", "-o", out, "-f", "json", "--no-history", "-q").exit_code == 0
    snap = out / "demo-snapshot-250-seed7.json.gz"
    kept = out / "demo-snapshot-250-seed7.policy.toml"
    pilot = tmp_path / "pilot.toml"
    pilot.write_text('[sspr]\nscope = "selected"\ngroups = ["SSPR-Pilot-SMS"]\n')
    runs = {
        name: invoke("remediate", snap, "-o", tmp_path / name, *args)
        for name, args in {"kept": (), "same": ("--policy", kept), "other": ("--policy", pilot)}.items()
    }
    assert [r.exit_code for r in runs.values()] == [0, 0, 0], [r.output for r in runs.values()]
    assert runs["kept"].output.splitlines()[0] == f"Policy: {kept} (the policy the snapshot's run used)"
    assert runs["other"].output.splitlines()[0] == f"Policy: {pilot}"
    planned = {name: (tmp_path / name / "remediation.csv").read_bytes() for name in runs}
    assert planned["kept"] == planned["same"]
    assert planned["kept"].count(b"\r\n") > planned["other"].count(b"\r\n")  # the pilot group is smaller
