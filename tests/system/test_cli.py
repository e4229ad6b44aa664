"""The command line: exit codes, one-line errors, the catalog, fast start-up."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from sspr_audit import snapshot
from sspr_audit.audit.rules import catalog
from sspr_audit.audit.rules.registry import all_rules
from sspr_audit.cli import main
from tests.builders import CHECKOUT
from tests.builders import snapshots as b

ROOT = CHECKOUT
RULES = {r.id: r for r in all_rules()}


def invoke(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_help_starts_without_heavy_imports():
    code = (
        "import sys; from sspr_audit.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('openpyxl', 'msgraph', 'jinja2', 'aiohttp', 'phonenumbers', 'rich', 'azure.identity')"
        " if m in sys.modules]\nprint('HEAVY', heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out and "Usage:" in out


def test_python_dash_m_works():
    out = subprocess.run([sys.executable, "-m", "sspr_audit", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and "sspr-audit" in out.stdout


def test_rules_catalog_formats():
    table = invoke("rules")
    assert table.exit_code == 0
    entry = table.output.split("\n\n")[3].splitlines()  # not a terminal: whole lines, never wrapped
    assert entry == [
        "SSPR004  critical  Administrator without two usable methods",
        f"  Why:  {RULES['SSPR004'].why}",
        f"  Fix:  {RULES['SSPR004'].fix}",
        f"  More: {RULES['SSPR004'].doc_url}",
    ]
    wrapped = catalog.render("table", width=60).split("\n\n")[3].splitlines()
    assert max(len(line) for line in wrapped if not line.startswith("  More:")) <= 60
    assert (
        " ".join(line[8:] for line in wrapped[1:-1] if line.startswith(("  Why:", "        ")))[:40]
        == (RULES["SSPR004"].why[:40])
    )
    data = json.loads(invoke("rules", "--format", "json").output)
    assert [r["id"] for r in data][:3] == ["SSPR001", "SSPR002", "SSPR003"] and len(data) == 22
    assert all(r["why"] and r["fix"] and r["doc_url"].startswith("https://") for r in data)
    assert invoke("rules", "--format", "markdown").output.startswith("| id | severity |")


def test_help_shows_whole_command_summaries():
    help_text = CliRunner().invoke(main, ["--help"], terminal_width=80).output
    commands = " ".join(help_text.split("Commands:")[1].split())
    assert "..." not in commands
    assert "demo Write a demo tenant's ground-truth snapshot and every report, offline." in commands
    assert "run Collect and report in one go; with --demo, from the built-in demo tenant." in commands


def test_a_report_given_as_snapshot_is_named_for_what_it_is(tmp_path):
    snap = tmp_path / "s.json"
    snapshot.write(b.snapshot(b.user("alex")), snap)
    assert invoke("report", snap, "-o", tmp_path, "-f", "json", "--no-history", "-q").exit_code == 0
    (written,) = tmp_path.glob("sspr-audit_*.json")
    for command in ("report", "remediate"):
        result = CliRunner().invoke(main, [command, str(written), "-o", str(tmp_path / "x")])
        assert result.exit_code == 2
        assert result.output.startswith(
            f"sspr-audit: error: {written}: this is an sspr-audit report, not a snapshot; pass the snapshot"
        )


def test_readme_rule_table_is_generated_from_the_catalog():
    readme = (ROOT / "README.md").read_text()
    start, end = "<!-- rules:start -->\n", "\n<!-- rules:end -->"
    generated = readme.split(start, 1)[1].split(end, 1)[0]
    assert generated == catalog.render("markdown"), (
        "README rule table is stale: paste the output of 'sspr-audit rules --format markdown'"
    )


def test_readme_test_command_is_what_ci_runs():
    ci = (ROOT / ".ci" / "run").read_text()
    command = next(line for line in ci.splitlines() if line.startswith("python3 -m venv"))
    assert command in (ROOT / "README.md").read_text()


def test_malformed_snapshot_is_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema_version": 1, "tenant": {}, "users": []}')
    result = CliRunner().invoke(main, ["report", str(bad), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "tenant.id: required field is missing" in result.output
    assert "Traceback" not in result.output


def test_bad_policy_and_format_are_exit_2(tmp_path):
    snap = snapshot.write(b.snapshot(b.user("a", methods=(b.app(),))), tmp_path / "s.json")
    pol = tmp_path / "p.toml"
    pol.write_text("[sspr]\nmethods_required = 5\n")
    result = CliRunner().invoke(main, ["report", str(snap), "--policy", str(pol), "-o", str(tmp_path)])
    assert result.exit_code == 2 and "methods_required: 5 is not allowed; use 1 or 2" in result.output
    result = CliRunner().invoke(main, ["report", str(snap), "-f", "pdf", "-o", str(tmp_path)])
    assert result.exit_code == 2 and "unknown report format pdf" in result.output


def test_fail_on_sets_exit_code(tmp_path):
    snap = snapshot.write(b.snapshot(b.user("admin", methods=(b.app(),), roles=(b.role(),))), tmp_path / "s.json")
    out = tmp_path / "out"
    assert invoke("report", snap, "-o", out, "-f", "json", "-q").exit_code == 0
    assert invoke("report", snap, "-o", out, "-f", "json", "-q", "--fail-on", "critical").exit_code == 1
    healthy = snapshot.write(b.snapshot(b.user("ok", methods=(b.app(),))), tmp_path / "h.json")
    assert invoke("report", healthy, "-o", out, "-f", "json", "-q", "--fail-on", "low").exit_code == 0


def test_report_writes_every_format_owner_only(tmp_path):
    snap = snapshot.write(b.snapshot(b.user("a", methods=(b.app(),), mobile_phone="+14255550123")), tmp_path / "s.json")
    result = invoke("report", snap, "-o", tmp_path / "out")
    assert result.exit_code == 0
    files = sorted((tmp_path / "out").iterdir())
    assert sorted(p.suffix for p in files) == [".csv", ".html", ".json", ".sqlite", ".xlsx"]
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in files)
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o700
    assert all(p.name.startswith("sspr-audit_contoso-test_") for p in files if p.suffix != ".sqlite")


def test_policy_init_and_check(tmp_path):
    path = tmp_path / "policy.toml"
    assert invoke("policy", "init", path).exit_code == 0
    assert path.stat().st_mode & 0o777 == 0o600
    again = CliRunner().invoke(main, ["policy", "init", str(path)])
    assert again.exit_code == 2 and "already exists; use --force" in again.output
    check = invoke("policy", "check", path)
    assert check.exit_code == 0 and "OK" in check.output


def test_unwritable_output_folder_is_a_clear_error(tmp_path):
    snap = snapshot.write(b.snapshot(b.user("a", methods=(b.app(),))), tmp_path / "s.json")
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the folder should be")
    result = CliRunner().invoke(main, ["report", str(snap), "-o", str(blocked / "out")])
    assert result.exit_code == 2 and "cannot create the output folder" in result.output


def test_remediate_writes_the_csv_and_a_dry_run_script(tmp_path):
    cloud = b.user("cloud", methods=(b.app(),), mobile_phone="+14255550123")
    synced = b.user("synced", methods=(b.app(),), mobile_phone="+14255550124", on_premises_sync_enabled=True)
    snap = snapshot.write(b.snapshot(cloud, synced), tmp_path / "s.json")
    result = invoke("remediate", snap, "-o", tmp_path / "fix")
    assert result.exit_code == 0
    script = (tmp_path / "fix" / "remediate.ps1").read_text()
    rows = (tmp_path / "fix" / "remediation.csv").read_text(encoding="utf-8-sig")
    assert "+1 4255550123" in script and "synced@contoso.com" not in script
    assert "synced@contoso.com" in rows and "mobile" in rows
    bad = CliRunner().invoke(main, ["remediate", str(snap), "--default-region", "XX", "-o", str(tmp_path)])
    assert bad.exit_code == 2 and "two-letter ISO country code" in bad.output


def test_weekly_runs_record_history_and_show_changes(tmp_path):
    out = tmp_path / "weekly"
    week1 = b.snapshot(b.user("alex", methods=(b.app(),), mobile_phone="+14255550123"), b.user("sam", methods=()))
    week2 = b.snapshot(
        b.user("alex", methods=(b.app(),), mobile_phone="+1 4255550123"),
        b.user("sam", methods=(b.app(),)),
        b.user("kim", methods=()),
    )
    first = snapshot.write(week1, tmp_path / "w1.json")
    second = snapshot.write(week2, tmp_path / "w2.json")
    assert invoke("report", first, "-o", out, "-f", "json", "-q").exit_code == 0
    report = json.loads(next(out.glob("*.json")).read_text())
    assert report["changes"] is None
    for old in out.glob("*.json"):
        old.unlink()
    assert invoke("report", second, "-o", out, "-f", "json", "-q").exit_code == 0
    changes = json.loads(next(out.glob("*.json")).read_text())["changes"]
    assert changes is not None
    listing = invoke("history", "--history", out / "history.sqlite")
    assert listing.exit_code == 0 and listing.output.count("Contoso Test") == 2
    text = invoke("diff", "--history", out / "history.sqlite")
    assert text.exit_code == 0
    assert "PHN001" in text.output and "SSPR001" in text.output and "kim@contoso.com" in text.output
    as_json = json.loads(invoke("diff", "--history", out / "history.sqlite", "-f", "json").output)
    resolved = {(f["rule"], f["upn"]) for f in as_json["resolved_findings"]}
    assert resolved == {("PHN001", "alex@contoso.com"), ("SSPR001", "sam@contoso.com")}
    assert {(f["rule"], f["upn"]) for f in as_json["new_findings"]} == {("SSPR001", "kim@contoso.com")}


def test_no_history_writes_no_database_and_diff_without_runs_is_exit_2(tmp_path):
    snap = snapshot.write(b.snapshot(b.user("a", methods=(b.app(),))), tmp_path / "s.json")
    assert invoke("report", snap, "-o", tmp_path / "out", "-f", "csv", "-q", "--no-history").exit_code == 0
    assert not (tmp_path / "out" / "history.sqlite").exists()
    result = CliRunner().invoke(main, ["diff", "--history", str(tmp_path / "out" / "history.sqlite")])
    assert result.exit_code == 2 and "sspr-audit: error:" in result.output


def test_split_by_department_and_redact(tmp_path):
    sales = b.user(
        "ann", methods=(), department="Sales", mobile_phone="+14255550123", other_mails=("ann.private@example.org",)
    )
    legal = b.user("bob", methods=(), department="Legal/Compliance", mobile_phone="+1 4255550188")
    snap = snapshot.write(b.snapshot(sales, legal), tmp_path / "s.json")
    out = tmp_path / "out"
    assert invoke("report", snap, "-o", out, "--split-by", "department", "--redact", "-q").exit_code == 0
    names = sorted(p.name for p in out.glob("*.xlsx"))
    assert any(n.endswith("_index.xlsx") for n in names)
    assert any("Sales" in n for n in names) and any("Legal" in n and "/" not in n for n in names)
    for path in out.iterdir():
        if path.suffix in (".html", ".json", ".csv"):
            text = path.read_text(encoding="utf-8-sig")
            assert "4255550123" not in text and "ann.private@example.org" not in text
            assert "ann@contoso.com" in text  # names and UPNs stay


def test_a_pattern_matching_everyone_never_turns_fail_on_green(tmp_path):
    """Four users without a method are four critical findings; [[exclude]] upn = "*" must not make that exit 0."""
    users = [
        b.user(n, methods=(b.app(),) if n == "admin" else (), roles=(b.role(),) if n == "admin" else ())
        for n in ("a", "b", "c", "admin")
    ]
    snap = snapshot.write(b.snapshot(*users), tmp_path / "s.json")
    policy_path = tmp_path / "policy.toml"
    policy_path.write_text('[[exclude]]\nupn = "*"\nreason = "everyone"\n')
    out = tmp_path / "out"
    before = invoke("report", snap, "-o", tmp_path / "before", "-f", "json", "--fail-on", "critical")
    assert before.exit_code == 1
    result = invoke("report", snap, "-o", out, "-f", "json,csv", "--policy", policy_path, "--fail-on", "high")
    assert result.exit_code == 1
    assert "WARNING: exclusions removed 4 of 4 users ([[exclude]] patterns 4)" in " ".join(result.output.split())
    report = json.loads(next(out.glob("*.json")).read_text())
    assert report["warnings"][0].startswith("WARNING: exclusions removed 4 of 4 users")
    assert [f["rule"] for f in report["findings"]] == ["TEN003"]
    assert report["summary"]["status_counts"]["excluded"] == 4
    csv_text = next(out.glob("*.csv")).read_text(encoding="utf-8-sig")
    assert "TEN003,critical" in csv_text
    quiet = CliRunner().invoke(
        main, ["report", str(snap), "-o", str(tmp_path / "q"), "-f", "json", "-q", "--policy", str(policy_path)]
    )
    assert quiet.exit_code == 0  # no --fail-on: the exit code is not asked for, but the warning still is said
    assert quiet.stdout == "" and quiet.stderr.startswith("WARNING: exclusions removed 4 of 4 users")
