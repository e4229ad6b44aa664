"""Large tenants: the workbook is written in a forked process beside the other formats."""

from __future__ import annotations

import zipfile

import pytest
from openpyxl import load_workbook

from sspr_audit import render
from sspr_audit.errors import OutputError
from sspr_audit.history.compare import compare
from tests.builders.results import bulk_result

pytestmark = pytest.mark.skipif(not render._can_fork(), reason="needs fork and two CPUs")


@pytest.fixture(scope="module")
def large():
    return bulk_result(render.PARALLEL_MIN_USERS)


def test_every_format_written_with_the_workbook_in_a_child(large, tmp_path):
    changes = compare(None, large)
    paths = render.write_reports(large, tmp_path, ["csv", "xlsx", "json"], stem="big", changes=changes)
    assert [p.name for p in paths] == ["big.csv", "big.xlsx", "big.json"]
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in paths)
    assert zipfile.is_zipfile(paths[1])
    workbook = load_workbook(paths[1], read_only=True)
    assert workbook.sheetnames[:2] == ["Summary", "Changes"]  # the changes reached the child too
    users = workbook["Users"]
    assert sum(1 for _ in users.iter_rows(values_only=True)) == render.PARALLEL_MIN_USERS + 1


def test_a_workbook_failure_in_the_child_is_reported(large, tmp_path):
    (tmp_path / "big.xlsx").mkdir()  # a folder where the workbook must go: the rename fails
    with pytest.raises(OutputError, match=r"big\.xlsx"):
        render.write_reports(large, tmp_path, ["csv", "xlsx"], stem="big")
    assert (tmp_path / "big.csv").exists()


def test_above_the_largest_size_for_two_processes_the_workbook_is_written_here(large, tmp_path, monkeypatch):
    """The child would copy the result page by page: past PARALLEL_MAX_USERS the formats are written in turn."""
    monkeypatch.setattr(render, "PARALLEL_MAX_USERS", render.PARALLEL_MIN_USERS - 1)
    monkeypatch.setattr(render, "_render_beside_workbook", lambda *args: pytest.fail("forked above the largest size"))
    paths = render.write_reports(large, tmp_path, ["csv", "xlsx"], stem="big")
    assert [p.name for p in paths] == ["big.csv", "big.xlsx"]
    assert zipfile.is_zipfile(paths[1])
