"""The HTML, JSON and CSV reports of a fixed small result, byte for byte against tests/golden/.

Only what changes without the report changing is scrubbed: the version, and
in the HTML the inline stylesheet and script (files of their own in
templates/) with the CSP hashes derived from them. ``pytest --update-golden``
rewrites the files; the diff then shows every change a user would see.
"""

from __future__ import annotations

import json
import re

import pytest

from sspr_audit import __version__, render
from tests.builders.results import sample_result

VERSION = "<version>"


def scrub_html(text: str) -> str:
    text = text.replace(f"sspr-audit {__version__}", f"sspr-audit {VERSION}")
    text = re.sub(r"sha256-[A-Za-z0-9+/]+=*", "sha256-<hash>", text)
    text = re.sub(r"(<style>).*?(</style>)", r"\1/* templates/report.css */\2", text, flags=re.S)
    return re.sub(r"(<script>).*?(</script>)", r"\1/* templates/report.js */\2", text, flags=re.S)


def scrub_json(text: str) -> str:
    """The report, one key per line so a change reads as a diff (the key order is kept)."""
    report = json.loads(text)
    assert report["generator"] == f"sspr-audit {__version__}"
    report["generator"] = f"sspr-audit {VERSION}"
    return json.dumps(report, indent=1, ensure_ascii=False) + "\n"


@pytest.mark.parametrize(("fmt", "scrub"), [("html", scrub_html), ("json", scrub_json), ("csv", lambda text: text)])
def test_report_matches_its_golden_file(tmp_path, golden, fmt, scrub):
    (path,) = render.write_reports(sample_result(), tmp_path, [fmt], stem="report")
    golden(f"report.{fmt}", scrub(path.read_bytes().decode("utf-8")))
