"""Shared fixtures: retries that do not wait, golden files, the report's JSON Schema."""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable

import pytest

from sspr_audit.collect import retry
from tests.builders import CHECKOUT, FAST_BASE_DELAY

GOLDEN = CHECKOUT / "tests" / "golden"
DIFF_LINES = 60  # of a golden mismatch shown; the rest is counted


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite the files in tests/golden/ from what the code produces now (review the diff before committing)",
    )


@pytest.fixture
def fast_retries(monkeypatch):
    """Lower the collector's default back-off, so the demo's failing users are given up in milliseconds.

    Only the pace changes: every retry is still made, and the users still come out as failed.
    """
    monkeypatch.setattr(retry, "DEFAULT_BASE_DELAY", FAST_BASE_DELAY)


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """``golden(name, text)``: ``text`` must equal ``tests/golden/<name>``; with ``--update-golden`` it becomes it."""
    update = request.config.getoption("--update-golden")

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.encode("utf-8"))
            return
        if not path.exists():
            pytest.fail(f"{path} is missing: run pytest --update-golden and review the new file")
        want = path.read_bytes().decode("utf-8")
        if text != want:
            pytest.fail(
                f"{name} differs from its golden file (pytest --update-golden rewrites it):\n" + _diff(want, text)
            )

    return check


def _diff(want: str, got: str) -> str:
    lines = list(difflib.unified_diff(want.splitlines(True), got.splitlines(True), "golden", "now", n=2, lineterm="\n"))
    shown = "".join(line if line.endswith("\n") else line + "\n" for line in lines[:DIFF_LINES])
    rest = len(lines) - DIFF_LINES
    return shown + (f"... and {rest} more diff lines\n" if rest > 0 else "")


@pytest.fixture(scope="session")
def report_schema() -> dict:
    """The JSON report's schema, as shipped beside the renderer."""
    return json.loads((CHECKOUT / "sspr_audit" / "render" / "report.schema.json").read_text(encoding="utf-8"))
