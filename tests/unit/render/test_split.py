"""Per-department and per-manager workbooks, and their index."""

from __future__ import annotations

import re
import stat
from itertools import zip_longest

import openpyxl
import pytest

from sspr_audit.audit import engine
from sspr_audit.errors import InputError
from sspr_audit.render import split, xlsx
from sspr_audit.render.split import safe_name, write_split_workbooks
from tests.builders import snapshots as b

HOSTILE = 'a/b\\c:d*e?f"g<h>i|j'
LONG_A = "Department of " + "a" * 286
LONG_B = "Department of " + "a" * 285 + "b"  # differs only after the cut
DEPARTMENTS = {
    "sales1": "Sales",
    "sales2": "Sales",
    "sales3": "sales",
    "rd1": "R&D",
    "rd2": "R/D",
    "hostile": HOSTILE,
    "con": "CON",
    "long1": LONG_A,
    "long2": LONG_B,
    "nodept1": None,
    "nodept2": "   ",
    "literal": "no-department",
    "index": "index",
    "ctl": "Ops\x00\x07\u202e. ",
}
WINDOWS_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
RESERVED = re.compile(r"(?i)(con|prn|aux|nul|com[0-9]|lpt[0-9])")


def _result(users):
    snap = b.snapshot(*users)
    return engine.run(snap, engine.load_policy(None, snap), generated_at="2026-11-20T10:00:00Z")


def _department_users():
    users = []
    for name, dept in DEPARTMENTS.items():
        # every other user has a malformed number, so most groups carry findings
        users.append(
            b.user(
                name,
                department=dept,
                mobile_phone="(425) 555-0100" if len(users) % 2 else None,
                registered=() if len(users) % 3 == 0 else ("microsoftAuthenticatorPush",),
            )
        )
    return users


def _sheet_rows(path, sheet):
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = list(wb[sheet].iter_rows(values_only=True))
    wb.close()
    header = list(rows[0])
    return [dict(zip_longest(header, r)) for r in rows[1:]]  # read-only rows omit trailing empty cells


@pytest.fixture(scope="module")
def by_department(tmp_path_factory):
    result = _result(_department_users())
    out = tmp_path_factory.mktemp("split")
    return result, out, write_split_workbooks(result, out, "department", "audit")


def test_each_workbook_holds_only_its_groups_people(by_department):
    result, _, paths = by_department
    index = _sheet_rows(paths[0], "Groups")
    seen = []
    for row in index:
        path = paths[0].parent / row["File"]
        users = _sheet_rows(path, "Users")
        departments = {(u["Department"] or "").strip() for u in users}
        expected = "" if row["Group"] == "(no department)" else row["Group"]
        assert departments == {expected}, row["File"]
        upns = [u["UPN"] for u in users]
        assert row["Users"] == len(upns)
        findings = _sheet_rows(path, "Findings")
        assert {f["UPN"] for f in findings} <= set(upns)
        assert len(findings) == sum(1 for f in result.findings if f.upn in upns)
        seen += upns
    assert sorted(seen) == sorted(u.user.user_principal_name for u in result.users)


def test_every_group_is_in_the_index_with_its_file(by_department):
    result, _, paths = by_department
    index = _sheet_rows(paths[0], "Groups")
    assert paths[0].name == "audit_index.xlsx"
    assert sorted(r["File"] for r in index) == sorted(p.name for p in paths[1:])
    groups = {r["Group"] for r in index}
    assert groups == {
        "Sales",
        "sales",
        "R&D",
        "R/D",
        HOSTILE,
        "CON",
        LONG_A,
        LONG_B,
        "no-department",
        "index",
        "Ops\x00\x07\u202e.".replace("\x00", "").replace("\x07", ""),
        "(no department)",
    }
    assert index[-1]["Group"] == "(no department)"
    sales = next(r for r in index if r["Group"] == "Sales")
    assert sales["Users"] == 2
    findings = [f for f in result.findings if f.upn in ("sales1@contoso.com", "sales2@contoso.com")]
    severities = {s: sum(1 for f in findings if f.severity.value == s) for s in ("critical", "high", "medium", "low")}
    assert {s: sales[s.capitalize()] for s in severities} == severities


def test_file_names_are_valid_distinct_and_on_disk(by_department):
    _, out, paths = by_department
    names = [p.name for p in paths]
    assert len({n.casefold() for n in names}) == len(names)
    for p in paths:
        assert p.exists() and p.parent == out
        assert stat.S_IMODE(p.stat().st_mode) == 0o600
        assert not WINDOWS_FORBIDDEN.search(p.name)
        assert not RESERVED.fullmatch(p.name.split(".")[0])
        assert len(p.name.encode("utf-8")) <= 200
        assert p.stem == p.stem.strip(" .")
    assert "audit_no-department.xlsx" in names
    assert "audit_Sales.xlsx" not in names  # Sales and sales clash on Windows and macOS: both carry a hash
    assert sum(1 for n in names if n.casefold().startswith("audit_sales-")) == 2
    long_names = [n for n in names if n.startswith("audit_Department-of-aaa")]
    assert len(long_names) == 2 and all(len(n) < 100 for n in long_names)


def test_no_department_bucket_holds_blank_and_missing(by_department):
    _, out, _ = by_department
    users = _sheet_rows(out / "audit_no-department.xlsx", "Users")
    assert sorted(u["UPN"] for u in users) == ["nodept1@contoso.com", "nodept2@contoso.com"]
    summary = _sheet_rows(out / "audit_no-department.xlsx", "Summary")
    assert (summary[0]["Item"], summary[0]["Value"]) == ("Department", "(no department)")


def test_what_to_do_is_filled_for_every_finding_row(by_department):
    result, _, paths = by_department
    {u.user.user_principal_name: u for u in result.users}
    rows = [r for p in paths[1:] for r in _sheet_rows(p, "Findings")]
    assert rows
    for row in rows:
        finding = next(
            f for f in result.findings if f.upn == row["UPN"] and f.rule == row["Rule"] and f.field == row["Field"]
        )
        assert row["What to do"] and row["What to do"] == finding.advice


def _ready(name, **changes):
    return b.user(name, methods=(b.app(), b.email(f"{name}@example.org")), **changes)


def test_managers_with_one_name_stay_apart(tmp_path):
    users = [
        b.user("a1", manager_id="m-1", manager_name="Megan Bowen"),
        b.user("a2", manager_id="m-1", manager_name="Megan Bowen"),
        b.user("b1", manager_id="m-2", manager_name="Megan Bowen"),
        b.user("c1", manager_id="m-3", manager_name=None),
        b.user("orphan"),
    ]
    paths = write_split_workbooks(_result(users), tmp_path, "manager", "audit")
    index = _sheet_rows(paths[0], "Groups")
    assert [(r["Group"], r["Manager id"], r["Users"]) for r in index] == [
        ("m-3", "m-3", 1),
        ("Megan Bowen", "m-1", 2),
        ("Megan Bowen", "m-2", 1),
        ("(no manager)", None, 1),
    ]
    files = {r["Manager id"]: r["File"] for r in index}
    assert files[None] == "audit_no-manager.xlsx"
    assert files["m-1"] != files["m-2"] and files["m-1"].startswith("audit_Megan-Bowen-")
    assert sorted(u["UPN"] for u in _sheet_rows(tmp_path / "audit_managers" / files["m-1"], "Users")) == [
        "a1@contoso.com",
        "a2@contoso.com",
    ]


def test_managers_with_nothing_to_do_get_no_workbook(tmp_path):
    users = [
        _ready("r1", manager_id="m-1", manager_name="Ready Manager"),
        _ready("r2", manager_id="m-1", manager_name="Ready Manager"),
        _ready("r3", manager_id="m-2", manager_name="Busy Manager"),
        b.user("n1", manager_id="m-2", manager_name="Busy Manager"),
    ]
    paths = write_split_workbooks(_result(users), tmp_path, "manager", "audit")
    assert [p.relative_to(tmp_path).as_posix() for p in paths] == [
        "audit_index.xlsx",
        "audit_managers/audit_Busy-Manager.xlsx",
    ]
    assert stat.S_IMODE((tmp_path / "audit_managers").stat().st_mode) == 0o700
    index = {r["Group"]: r for r in _sheet_rows(paths[0], "Groups")}
    assert index["Ready Manager"]["File"] == split.NOTHING_TO_DO
    assert (index["Ready Manager"]["Users"], index["Ready Manager"]["Ready (%)"]) == (2, 1.0)
    assert (index["Busy Manager"]["File"], index["Busy Manager"]["Ready (%)"]) == ("audit_Busy-Manager.xlsx", 0.5)
    ws = openpyxl.load_workbook(paths[0])["Groups"]
    file = [c.value for c in ws[1]].index("File")
    cells = [r[file] for r in ws.iter_rows(min_row=2)]
    links = {c.value: c.hyperlink.target for c in cells if c.hyperlink}
    assert links == {"audit_Busy-Manager.xlsx": "audit_managers/audit_Busy-Manager.xlsx"}
    linked = next(c for c in cells if c.hyperlink)
    assert linked.font.underline == "single" and linked.font.name == "Calibri"


def test_index_links_files_and_shows_shares_as_the_main_workbook(by_department, tmp_path):
    result, out, paths = by_department
    ws = openpyxl.load_workbook(paths[0])["Groups"]
    names = [c.value for c in ws[1]]
    assert "Manager id" not in names
    file, ready = names.index("File"), names.index("Ready (%)")
    rows = list(ws.iter_rows(min_row=2))
    assert [r[file].hyperlink.target for r in rows] == [r[file].value for r in rows]
    assert all((out / r[file].hyperlink.target).is_file() for r in rows)
    assert not any(c.data_type == "f" for r in rows for c in r)
    shares = []
    for r in rows:
        group = openpyxl.load_workbook(out / r[file].value)["Summary"]
        own = next(row[1] for row in group.iter_rows() if row[0].value == "Ready (%)")
        assert (r[ready].value, r[ready].number_format) == (own.value, own.number_format), r[0].value
        shares.append(r[ready].value)
    assert all(isinstance(v, int | float) for v in shares)
    whole = openpyxl.load_workbook(xlsx.render(result, tmp_path / "all.xlsx"))["Summary"]
    total = next(row[1] for row in whole.iter_rows() if row[0].value == "Ready (%)")
    assert total.number_format == rows[0][ready].number_format == "0.0%"


def test_each_group_is_written_once(tmp_path, monkeypatch):
    calls = []
    real = xlsx.render_group
    monkeypatch.setattr(
        xlsx,
        "render_group",
        lambda result, path, group: calls.append((group, len(result.users))) or real(result, path, group),
    )
    result = _result(_department_users())
    write_split_workbooks(result, tmp_path, "department", "audit")
    assert len(calls) == len({c[0] for c in calls}) == 12
    assert sum(n for _, n in calls) == len(result.users)


def test_bad_arguments_are_input_errors(tmp_path):
    result = _result([b.user("x")])
    with pytest.raises(InputError, match="cannot split by"):
        write_split_workbooks(result, tmp_path, "country", "audit")
    with pytest.raises(InputError, match="not a plain file name"):
        write_split_workbooks(result, tmp_path, "department", "../audit")


def test_default_stem_names_files_after_the_tenant(tmp_path):
    paths = write_split_workbooks(_result([b.user("x", department="IT")]), tmp_path, "department")
    assert [p.name for p in paths] == [
        "sspr-audit_contoso-test_20261120-100000_index.xlsx",
        "sspr-audit_contoso-test_20261120-100000_IT.xlsx",
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Sales & Marketing", "Sales-Marketing"),
        ("Über Straße", "Über-Straße"),
        ("nul.txt", "nul_.txt"),
        ("COM1", "COM1_"),
        ("trailing. . ", "trailing"),
    ],
)
def test_safe_name(name, expected):
    assert safe_name(name) == expected


def test_safe_name_of_nothing_usable_is_a_stable_hash():
    assert safe_name("???") == safe_name("???") != safe_name("***")
    assert re.fullmatch(r"group-[0-9a-f]{8}", safe_name("???"))
    assert len(safe_name("日本" * 200).encode("utf-8")) <= split.NAME_MAX_BYTES
