"""Outputs that must still be written: clashing split names, a display name of 200,000 characters."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from sspr_audit.cli import main
from sspr_audit.snapshot import write
from tests.builders import snapshots as b


def invoke(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_departments_named_like_each_others_hashed_file_names_still_split_and_the_run_is_recorded(
    tmp_path: Path,
) -> None:
    departments = ["Sales", "sales", "Sales-8de4e0ea", "sales-8de4e0ea-x"]  # 8de4e0ea: the hash of "Sales"
    snap = b.snapshot(*(b.user(f"user{n}", department=d) for n, d in enumerate(departments)))
    out = tmp_path / "out"
    result = invoke("report", write(snap, tmp_path / "s.json"), "-o", out, "--split-by", "department", "-q")
    assert result.exit_code == 0, result.output
    stem = next(out.glob("*.json")).stem  # the main reports' name; group workbooks are <stem>_<group>.xlsx
    groups = [p for p in out.glob(f"{stem}_*.xlsx") if p.stem != f"{stem}_index"]
    assert len({p.name.casefold() for p in groups}) == len(departments)
    found = {}
    for path in groups:
        rows = list(openpyxl.load_workbook(path, read_only=True).worksheets[0].iter_rows(values_only=True))
        found[next(r[1] for r in rows if r and r[0] == "Department")] = path.name
    assert sorted(found) == sorted(departments)
    with sqlite3.connect(out / "history.sqlite") as conn:
        assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 1


def test_a_huge_display_name_is_capped_in_the_html_report(tmp_path: Path) -> None:
    name = "N" * 200_000
    snap = b.snapshot(b.user("alex", display_name=name, department=name))
    out = tmp_path / "out"
    started = time.monotonic()
    result = invoke("report", write(snap, tmp_path / "s.json"), "-o", out, "-f", "html", "-q", "--no-history")
    assert result.exit_code == 0, result.output
    html = next(out.glob("*.html")).read_text()
    assert "N" * 20_000 + "… (200,000 characters)" in html
    assert "N" * 20_001 not in html and len(html) < 200_000
    assert time.monotonic() - started < 20
