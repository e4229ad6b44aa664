"""The Excel report, read back with openpyxl and as the raw sheet XML."""

from __future__ import annotations

import re
import zipfile
from datetime import datetime

import openpyxl
import pytest

from sspr_audit.audit.results import Readiness, Severity
from sspr_audit.render import xlsx
from sspr_audit.render.sheet import FONT
from sspr_audit.render.summary import SEVERITY_LABELS, STATUS_LABELS
from tests.builders.results import FORMULAS, audit_result, finding, sample_result, user, user_result

SHEETS = ["Summary", "Timeline", "Findings", "Users", "Admins", "Rules"]


@pytest.fixture
def workbook(tmp_path):
    path = xlsx.render(sample_result(), tmp_path / "report.xlsx")
    return path, openpyxl.load_workbook(path)


def header(ws) -> list[str]:
    return [c.value for c in ws[1]]


def rows(ws) -> list[dict]:
    names = header(ws)
    return [dict(zip(names, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)]


def test_sheets_headers_and_one_row_per_finding(workbook):
    _, wb = workbook
    assert wb.sheetnames == SHEETS
    findings = wb["Findings"]
    assert header(findings)[:12] == [
        "Rule",
        "Severity",
        "Status",
        "UPN",
        "Display name",
        "Department",
        "Manager",
        "Field",
        "Value",
        "Message",
        "Suggestion",
        "Rule title",
    ]
    assert {
        "UPN",
        "Display name",
        "Department",
        "Manager",
        "User type",
        "Admin",
        "Status",
        "Reason",
        "Usable methods",
        "Required",
        "Synced",
        "Collection",
    } <= set(header(wb["Users"]))
    result = sample_result()
    found = rows(findings)
    assert len(found) == len(result.findings)
    assert found[0]["Severity"] == "Critical" and found[-1]["Severity"] == "Info"
    megan = next(r for r in found if r["UPN"] == "megan.bowen@contoso.example")
    assert (megan["Rule"], megan["Status"], megan["Field"], megan["Value"], megan["Rule title"]) == (
        "SSPR002",
        "Not ready",
        "methods",
        "1",
        "Admin has fewer than two methods",
    )
    assert len(rows(wb["Users"])) == 10
    admins = rows(wb["Admins"])
    assert [(a["UPN"], a["Eligible only"], a["Usable methods"], a["Required"]) for a in admins] == [
        ("megan.bowen@contoso.example", "no", 1, 2),
        ("nestor.wilke@contoso.example", "yes", 2, 2),
    ]
    assert [r["Rule"] for r in rows(wb["Rules"])] == ["EML001", "PHN001", "SSPR001", "SSPR002", "TEN001"]


def test_header_frozen_filtered_and_styled(workbook):
    _, wb = workbook
    for ws in wb:
        assert ws.freeze_panes == "A2"
        last = openpyxl.utils.get_column_letter(ws.max_column)
        assert ws.auto_filter.ref == f"A1:{last}{ws.max_row}"
        assert all(c.font.bold for c in ws[1])
        assert ws.column_dimensions["A"].width > 10


def test_dates_are_real_datetimes(workbook):
    _, wb = workbook
    summary = {r["Item"]: r["Value"] for r in rows(wb["Summary"])}
    assert summary["Report generated (UTC)"] == datetime(2025, 3, 4, 5, 6, 7)
    assert summary["Data collected (UTC)"] == datetime(2025, 3, 4, 4, 0, 0)
    assert summary["Ready (%)"] == pytest.approx(0.5)


def test_statuses_and_severities_are_words_on_their_colour(workbook):
    _, wb = workbook
    severities = {label: xlsx.SEVERITY_FILLS[s.value] for s, label in SEVERITY_LABELS.items()}
    statuses = {label: xlsx.STATUS_FILLS[s.value] for s, label in STATUS_LABELS.items()}
    seen = set()
    for row in wb["Findings"].iter_rows(min_row=2):
        severity, status = row[1], row[2]
        assert severity.fill.fgColor.rgb == "00" + severities[severity.value]
        if status.value is not None:  # a tenant-wide finding has no user
            assert status.fill.fgColor.rgb == "00" + statuses[status.value]
            seen.add(status.value)
    assert {"Not ready", "Ready"} <= seen
    users = wb["Users"]
    column = header(users).index("Status")
    for row in users.iter_rows(min_row=2):
        assert row[column].value in statuses and "_" not in row[column].value
        assert row[column].fill.fgColor.rgb == "00" + statuses[row[column].value]
    summary = {r[0].value: r for r in wb["Summary"].iter_rows(min_row=2)}
    assert summary["Not ready"][0].fill.fgColor.rgb == "00" + xlsx.STATUS_FILLS["not_ready"]
    assert summary["Critical"][0].fill.fgColor.rgb == "00" + xlsx.SEVERITY_FILLS["critical"]
    assert "not_ready" not in summary and "critical" not in summary


def test_every_sheet_prints_landscape_one_page_wide_with_its_header(workbook):
    _, wb = workbook
    for ws in wb:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows == "$1:$1"


def test_every_cell_names_its_font(workbook):
    _, wb = workbook
    for ws in wb:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.font.name == "Calibri", f"{ws.title}!{cell.coordinate}"
    assert wb["Findings"]["A1"].font.bold and wb["Findings"]["A1"].font.color.rgb == "00FFFFFF"


def test_text_longer_than_a_wide_column_wraps(workbook):
    _, wb = workbook
    wrapped = 0
    for ws in wb:
        for column in ws.iter_cols(min_row=2):
            width = ws.column_dimensions[column[0].column_letter].width
            for cell in column:
                long = isinstance(cell.value, str) and len(cell.value) > width
                assert bool(cell.alignment.wrap_text) == (long and width >= 40), f"{ws.title}!{cell.coordinate}"
                wrapped += long and width >= 40
    assert wrapped > 5


def test_summary_labels_fit_their_columns(workbook):
    _, wb = workbook
    ws = wb["Summary"]
    for column in ("A", "B"):
        longest = max(len(str(c.value)) for c in ws[column] if c.value is not None and not isinstance(c.value, float))
        assert ws.column_dimensions[column].width >= min(longest, 100), column


def test_no_formula_from_directory_data(workbook):
    path, wb = workbook
    values = []
    for ws in wb:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula: {cell.value!r}"
                values.append(cell.value)
    for text in (*FORMULAS, "=1+1", "=cmd|' /C calc'!A0", "\t+1 425"):
        assert text in values
    with zipfile.ZipFile(path) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert len(sheets) == len(SHEETS)
        for name in sheets:
            assert not re.search(rb"<f[ >/]", z.read(name))


def test_illegal_characters_stripped_and_long_text_truncated(tmp_path):
    long_value = "x" * 40_000
    ur = user_result(user("odd@contoso.example", display_name="bad\x00\x07name\x1f"))
    result = audit_result((ur,), (finding("PHN001", Severity.MEDIUM, ur, value=long_value),))
    wb = openpyxl.load_workbook(xlsx.render(result, tmp_path / "odd.xlsx"))
    assert rows(wb["Users"])[0]["Display name"] == "badname"
    value = rows(wb["Findings"])[0]["Value"]
    assert len(value) == xlsx.EXCEL_CELL_LIMIT
    assert value.endswith(xlsx.TRUNCATED) and value.startswith("x" * 1000)


def test_file_is_owner_only(workbook):
    path, _ = workbook
    assert path.stat().st_mode & 0o777 == 0o600


def test_error_literals_and_formulas_stay_text_in_every_column(tmp_path):
    names = ("#N/A", "#DIV/0!", "=SUM(1,2)", "#REF!", "plain")
    results = [user_result(user(f"u{i}@contoso.example", display_name=n, department=n)) for i, n in enumerate(names)]
    wb = openpyxl.load_workbook(xlsx.render(audit_result(tuple(results), ()), tmp_path / "err.xlsx"))
    cells = [c for row in wb["Users"].iter_rows(min_row=2) for c in row[1:3]]
    assert {c.value for c in cells} == set(names)
    assert {c.data_type for c in cells} == {"s"}


def test_timeline_sheet_lists_each_change_then_who_loses_sspr(tmp_path):
    result = sample_result()
    path = xlsx.render(result, tmp_path / "t.xlsx")
    rows = list(openpyxl.load_workbook(path, read_only=True)["Timeline"].iter_rows(values_only=True))
    assert rows[0][:6] == ("From", "Change", "Users in scope", "Can reset", "Share", "Lose SSPR")
    assert rows[1][:6] == ("2027-02-01", "SMS and voice end", 8, 3, 0.375, 1)
    assert rows[2][0] == "2027-02-01" and rows[2][6] == "adele.vance@contoso.example"
    assert rows[3][:2] == ("2027-03-01", "Security questions retire") and len(rows) == 4
    summary = {r[0]: r for r in openpyxl.load_workbook(path, read_only=True)["Summary"].iter_rows(values_only=True)}
    assert summary["Verdicts as of"][1] == result.as_of
    assert summary["Can reset from 1 February 2027"][1] == 0.375
    assert summary["Assumed"][2].startswith("No telephony provider is declared")


def test_a_user_whose_methods_were_not_read_shows_not_read_never_zero(workbook):
    """An unknown user's count is not "0 methods": the Users sheet says it was not read."""
    _, wb = workbook
    by_upn = {r["UPN"]: r["Usable methods"] for r in rows(wb["Users"])}
    assert by_upn["johanna.lorenz@contoso.example"] == "not read"
    assert by_upn["adele.vance@contoso.example"] == 1


def test_long_text_that_wraps_arrives_whole_and_cleaned(tmp_path):
    """A wrapped cell is written in a style of its own: its text must arrive as text, cleaned and whole."""
    reason = "Policy requires 2 methods: " + "and more words " * 6 + "\x07"
    results = (
        user_result(user("a@contoso.example"), Readiness.NOT_READY, reason=reason),
        user_result(user("b@contoso.example"), Readiness.READY, reason="short"),
    )
    wb = openpyxl.load_workbook(xlsx.render(audit_result(results, ()), tmp_path / "wrap.xlsx"))
    ws = wb["Users"]
    column = [c.value for c in ws[1]].index("Reason")
    long_cell, short_cell = ws[2][column], ws[3][column]
    assert long_cell.value == reason.removesuffix("\x07")
    assert long_cell.data_type == "s"
    assert long_cell.alignment.wrap_text and long_cell.font.name == FONT
    assert short_cell.value == "short" and not short_cell.alignment.wrap_text
    status = ws[2][[c.value for c in ws[1]].index("Status")]
    assert status.value == "Not ready" and status.fill.fgColor.rgb == "00" + xlsx.STATUS_FILLS["not_ready"]
