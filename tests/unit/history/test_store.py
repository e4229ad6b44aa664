"""The run history: recording, reading back, migrating, keeping tenants apart, and what the reports show of it."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import stat
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import openpyxl
import pytest

from sspr_audit.audit import engine
from sspr_audit.audit.results import Readiness, Severity
from sspr_audit.history import store as history
from sspr_audit.history.compare import (
    RunChanges,
    StoredFinding,
    UserChange,
    compare,
    run_from_result,
)
from sspr_audit.render import html, json_report, xlsx
from sspr_audit.render.changes import FIRST_RUN, render_runs
from sspr_audit.render.trend import history_view
from tests.builders import DATA
from tests.builders import snapshots as b
from tests.builders.weeks import WEEK1_AT, WEEK2_AT, audit

V1_SQL = DATA / "history" / "v1.sql"
OTHER_TENANT = "99999999-0000-0000-0000-000000000000"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "reports" / "history.sqlite"


@pytest.fixture
def weeks(tmp_path: Path):
    return audit(1, tmp_path), audit(2, tmp_path)


def test_a_recorded_run_reads_back_as_it_was(db, weeks):
    week1, _ = weeks
    run_id = history.record_run(db, week1, snapshot_path=Path("snapshots/week1.json"))
    assert history.load_run(db, run_id) == run_from_result(week1, "snapshots/week1.json", run_id)


def test_list_runs_newest_first_with_readiness_and_severities(db, weeks):
    ids = [history.record_run(db, r) for r in weeks]
    runs = history.list_runs(db)
    assert [r.id for r in runs] == ids[::-1]
    latest = runs[0]
    assert (latest.generated_at, latest.users_total, latest.users_in_scope, latest.users_ready) == (WEEK2_AT, 10, 8, 6)
    assert latest.ready_percent == 75.0
    assert dict(zip(Severity, latest.severity_counts, strict=True)) == {
        Severity.CRITICAL: 0,
        Severity.HIGH: 1,
        Severity.MEDIUM: 2,
        Severity.LOW: 1,  # ivan's mobilePhone: directory data, PHN001 is low for it
        Severity.INFO: 0,
    }


def test_history_file_and_new_folder_are_owner_only(db, weeks):
    history.record_run(db, weeks[0])
    assert stat.S_IMODE(os.stat(db).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(db.parent).st_mode) == 0o700


def test_reading_a_missing_history_creates_nothing(db):
    assert history.list_runs(db) == [] and history.last_runs(db, "t", 5) == []
    assert history.previous_run(db, "t") is None
    with pytest.raises(history.HistoryError, match="no run history here yet"):
        history.load_run(db, 1)
    assert not db.exists() and not db.parent.exists()


def test_unknown_run_id_is_a_clear_error(db, weeks):
    history.record_run(db, weeks[0])
    with pytest.raises(history.HistoryError, match="there is no run 7; 'sspr-audit history' lists the runs"):
        history.load_run(db, 7)


def test_two_tenants_in_one_file_stay_apart(db, weeks, tmp_path):
    week1, week2 = weeks
    a1, a2 = history.record_run(db, week1), history.record_run(db, week2)
    other = audit(1, tmp_path, id=OTHER_TENANT, display_name="Fabrikam")
    b1 = history.record_run(db, replace(other, generated_at="2026-11-25T09:00:00Z"))

    assert [r.id for r in history.list_runs(db, week1.tenant.id)] == [a2, a1]
    assert [r.id for r in history.list_runs(db, OTHER_TENANT)] == [b1]
    assert history.previous_run(db, OTHER_TENANT).summary.tenant_name == "Fabrikam"
    assert [r.id for r in history.last_runs(db, week1.tenant.id, 5)] == [a1, a2]
    assert history.tenants(db) == [(week1.tenant.id, "Contoso Test"), (OTHER_TENANT, "Fabrikam")]
    with pytest.raises(history.HistoryError, match="holds runs of 2 tenants; choose one with --tenant"):
        history.latest_pair(db)
    old, new = history.latest_pair(db, week1.tenant.id)
    assert (old.summary.id, new.summary.id) == (a1, a2)
    # Fabrikam's next audit compares with Fabrikam's run, never with Contoso's later one.
    changes = history.changes_since_last_run(db, replace(other, generated_at="2026-12-01T09:00:00Z"))
    assert changes.old.id == b1 and [p.run_id for p in changes.trend] == [b1, None]


def test_latest_pair_needs_two_runs(db, weeks):
    history.record_run(db, weeks[0])
    with pytest.raises(history.HistoryError, match="holds one run of this tenant: nothing to compare yet"):
        history.latest_pair(db)


def test_changes_since_last_run_then_record(db, weeks):
    week1, week2 = weeks
    first = history.changes_since_last_run(db, week1)
    assert first.first_run and [p.generated_at for p in first.trend] == [WEEK1_AT]
    run1 = history.record_run(db, week1)
    since = history.changes_since_last_run(db, week2)
    expected = compare(history.load_run(db, run1), week2)
    assert replace(since, trend=()) == replace(expected, trend=())
    assert [(p.run_id, p.ready_percent) for p in since.trend] == [(run1, 87.5), (None, 75.0)]


def test_trend_holds_the_last_runs_only(db, weeks):
    week1, _ = weeks
    for day in range(10, 16):
        history.record_run(db, replace(week1, generated_at=f"2026-10-{day}T09:00:00Z"))
    changes = history.changes_since_last_run(db, replace(week1, generated_at=WEEK1_AT), trend_runs=3)
    assert [p.generated_at for p in changes.trend] == ["2026-10-14T09:00:00Z", "2026-10-15T09:00:00Z", WEEK1_AT]


def _v1_database(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    conn.executescript(V1_SQL.read_text(encoding="utf-8"))
    conn.close()
    return path


def test_a_first_version_history_is_migrated_and_still_compares(db, weeks):
    _v1_database(db)
    (old,) = history.list_runs(db)
    assert (old.id, old.snapshot_path, old.users_ready, old.severity_counts) == (
        1,
        "snapshots/week0.json",
        5,
        (0, 2, 1, 0, 0),
    )
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == history.SCHEMA_VERSION
    assert {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")} == {
        "runs",
        "findings",
        "users",
    }
    conn.close()
    stored = history.load_run(db, 1)
    assert stored.users is None  # unknown for a run recorded before per-user history, not empty
    history.record_run(db, weeks[0])
    old_run, new_run = history.latest_pair(db)
    changes = compare(old_run, new_run)
    assert not changes.users_compared and changes.joined == ()
    assert [(f.rule, f.upn) for f in changes.resolved_findings] == [("SSPR001", "alice@contoso.com")]
    assert [(f.rule, f.upn) for f in changes.new_findings] == []  # carol's and ivan's findings carry over


def test_a_newer_history_is_refused(db):
    _v1_database(db)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(history.HistoryError, match=r"newer sspr-audit \(history schema 99; this version reads up to"):
        history.list_runs(db)


def test_a_damaged_or_foreign_file_is_refused(db, weeks):
    db.parent.mkdir(parents=True)
    db.write_bytes(b"this is not a database, it is a note\n" * 200)
    with pytest.raises(history.HistoryError, match=r"cannot use the run history .*move it aside"):
        history.record_run(db, weeks[0])
    foreign = db.with_name("other.sqlite")
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE notes (text TEXT)")
    conn.close()
    with pytest.raises(history.HistoryError, match="an SQLite database, but not an sspr-audit run history"):
        history.list_runs(foreign)
    with pytest.raises(history.HistoryError, match="is a folder"):
        history.list_runs(db.parent)


class Page(HTMLParser):
    """Elements with their attributes and the text inside each element id'd ``changes``."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(" ".join(data.split()))

    def tags(self, name: str) -> list[dict]:
        return [a for t, a in self.elements if t == name]


def _report(result, tmp_path: Path, changes: RunChanges | None = None) -> Page:
    return Page(html.render(result, tmp_path / "report.html", changes).read_text(encoding="utf-8"))


def test_html_report_shows_changes_since_last_run_and_the_trend(db, weeks, tmp_path):
    week1, week2 = weeks
    history.record_run(db, replace(week1, generated_at="2026-11-13T09:00:00Z"))
    history.record_run(db, week1)
    page = _report(week2, tmp_path, history.changes_since_last_run(db, week2))
    text = " ".join(page.text)
    assert "Changes since 2026-11-20T09:00:00Z" in text
    assert "Ready: 87.5% then, 75.0% now." in text
    assert {a["id"] for a in page.tags("h3") if a.get("id", "").startswith("changes-")} == {
        "changes-new_findings",
        "changes-resolved_findings",
        "changes-became_not_ready",
        "changes-admins_lost_method",
        "changes-joined",
        "changes-left",
    }
    assert "dave@contoso.com Usable methods went from 3 to 2 (email no longer usable)." in text
    (svg,) = [a for a in page.tags("svg") if a.get("class") == "trend"]
    assert svg["role"] == "img"
    assert len(page.tags("circle")) == 3
    (line,) = page.tags("polyline")
    assert len(line["points"].split()) == 3
    raw = (tmp_path / "report.html").read_text(encoding="utf-8")
    chart = raw[raw.index('<svg class="trend"') : raw.index("</svg>", raw.index('<svg class="trend"'))]
    labels = re.findall(r'<text class="axis"[^>]*>([^<]+)</text>', chart)
    assert labels == ["70%", "75%", "80%", "85%", "90%", "2026-11-13", "2026-11-20", "2026-11-27"]  # 87.5% to 75.0%
    assert not any("style" in attrs for _, attrs in page.elements)  # the CSP allows no style attribute
    assert {"href": "#changes"} in page.tags("a")


def test_html_report_first_run_says_so_without_a_chart(weeks, tmp_path):
    page = _report(weeks[0], tmp_path, compare(None, weeks[0]))
    assert FIRST_RUN in page.text
    assert page.tags("polyline") == [] and not [a for a in page.tags("svg") if a.get("class") == "trend"]


def test_html_report_without_history_has_no_changes_section(weeks, tmp_path):
    page = _report(weeks[0], tmp_path)
    assert "changes" not in {a.get("id") for _, a in page.elements}


def test_long_change_lists_are_cut_with_a_count_of_the_rest(weeks):
    changes = compare(*weeks)
    view = history_view(changes, cap=1)
    new = next(lst for lst in view.lists if lst.key == "new_findings")
    assert (new.count, len(new.rows), new.more) == (3, 1, 2)
    assert (new.rows[0].severity, new.rows[0].who) == ("high", "bob@contoso.com")
    assert history_view(None) is None


def _hostile_changes(weeks) -> RunChanges:
    changes = compare(*weeks)
    formula = '=HYPERLINK("http://x","y")'
    finding = StoredFinding("PHN001", Severity.MEDIUM, "u-x", "x@contoso.com", "mobilePhone", "=1+1", formula)
    who = UserChange("u-y", "y@contoso.com", "#N/A", "ready", "not_ready", "@SUM(A1)")
    return replace(
        changes, new_findings=(*changes.new_findings, finding), became_not_ready=(*changes.became_not_ready, who)
    )


def test_workbook_changes_sheet(weeks, tmp_path):
    path = xlsx.render(weeks[1], tmp_path / "report.xlsx", _hostile_changes(weeks))
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:2] == ["Summary", "Changes"]
    rows = list(wb["Changes"].iter_rows(values_only=True))
    assert rows[0][:4] == ("Change", "Severity", "Rule", "UPN")
    assert rows[1][0] == "Compared runs" and rows[1][9].startswith(
        "Changes from audit (data collected 2026-11-20T08:00:00Z)"
    )
    kinds = [r[0] for r in rows[2:]]
    assert kinds.count("New findings") == 4 and kinds.count("Left SSPR scope") == 2
    assert ("Administrators who lost a method", "dave@contoso.com", "3", "2") in {
        (r[0], r[3], r[7], r[8]) for r in rows
    }
    cells = [c for row in wb["Changes"].iter_rows() for c in row if c.value is not None]
    assert all(c.data_type == "s" for c in cells)  # nothing read as a formula or an error value
    assert {'=HYPERLINK("http://x","y")', "=1+1", "#N/A"} <= {c.value for c in cells}


def test_workbook_first_run_and_without_history(weeks, tmp_path):
    first = xlsx.render(weeks[0], tmp_path / "first.xlsx", compare(None, weeks[0]))
    rows = list(openpyxl.load_workbook(first)["Changes"].iter_rows(values_only=True))
    assert rows[1:] == [("First recorded run", *(None,) * 8, FIRST_RUN, None)]
    plain = xlsx.render(weeks[0], tmp_path / "plain.xlsx")
    assert "Changes" not in openpyxl.load_workbook(plain).sheetnames


def test_json_report_changes_key(weeks, tmp_path, report_schema):
    week1, week2 = weeks
    with_changes = json.loads(
        json_report.render(week2, tmp_path / "a.json", compare(*weeks)).read_text(encoding="utf-8")
    )
    assert [f["upn"] for f in with_changes["changes"]["new_findings"]] == [
        "bob@contoso.com",
        "judy@contoso.com",
        "dave@contoso.com",
    ]
    assert with_changes["changes"]["became_not_ready"][1]["after"] == Readiness.UNKNOWN.value
    sides = [with_changes["changes"][k] for k in ("old", "new")]
    assert [(r["collected_at"], r["as_of"], r["what_if"]) for r in sides] == [
        ("2026-11-20T08:00:00Z", "2026-11-20", False),
        ("2026-11-27T08:00:00Z", "2026-11-27", False),
    ]
    first = json.loads(json_report.render(week1, tmp_path / "b.json", compare(None, week1)).read_text(encoding="utf-8"))
    plain = json.loads(json_report.render(week1, tmp_path / "c.json").read_text(encoding="utf-8"))
    assert first["changes"] is None and plain["changes"] is None
    for report in (with_changes, first, plain):
        jsonschema.validate(report, report_schema)


def test_history_listing_as_text(db, weeks):
    ids = [history.record_run(db, r) for r in weeks]
    lines = render_runs(history.list_runs(db)).splitlines()
    assert lines[0].split() == [
        "Run",
        "Generated",
        "(UTC)",
        "Tenant",
        "Users",
        "Ready",
        "Critical",
        "High",
        "Medium",
        "Low",
        "Info",
    ]
    assert lines[1].split() == [
        str(ids[1]),
        WEEK2_AT,
        "Contoso",
        "Test",
        f"({weeks[0].tenant.id})",
        "10",
        "75.0%",
        "0",
        "1",
        "2",
        "1",
        "0",
    ]
    assert lines[2].split()[:2] == [str(ids[0]), WEEK1_AT] and len(lines) == 3
    assert render_runs([]).startswith("No runs recorded yet")


def test_the_last_run_read_in_the_files_order_compares_as_the_whole_run_does(db):
    """The file gives users by id and findings by key in SQLite's order; ids and fields that sort differently
    by case, accent, plane or absence must pair exactly as in the run read whole."""
    ids = ["Zed", "abc", "é-1", "e-2", "\U0001d518-astral", "\ufffd-mark", "", "ABC"]

    def week(phone: str, *, keep: int, day: int):
        users = [
            b.user(f"u{i}", id=user_id, registered=("mobilePhone",), mobile_phone=phone if i % 2 else "+1 425 555 0100")
            for i, user_id in enumerate(ids[:keep])
        ]
        snap = b.snapshot(*users)
        return engine.run(snap, engine.load_policy(None, snap), generated_at=f"2026-11-{day}T00:00:00Z")

    old, new = week("12", keep=8, day=20), week("+44 7700 900123", keep=6, day=27)
    run1 = history.record_run(db, old)
    since = history.changes_since_last_run(db, new)
    expected = compare(history.load_run(db, run1), new)
    assert replace(since, trend=()) == replace(expected, trend=())
    assert since.new_findings and since.resolved_findings and since.left  # every kind of pairing was walked
