"""The workbook as LibreOffice reads it: headless Calc converts it to PDF, pdffonts lists the faces it drew.

A style without a font name falls back to LibreOffice's default serif face (the
header and the coloured status cells did, before every style named its font).
Skipped when LibreOffice (Debian's libreoffice-calc-nogui) or pdffonts (poppler-utils) is missing.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from sspr_audit.render import xlsx
from tests.builders.results import sample_result

SOFFICE = shutil.which("soffice")
PDFFONTS = shutil.which("pdffonts")
pytestmark = pytest.mark.skipif(
    SOFFICE is None or PDFFONTS is None,
    reason="LibreOffice or pdffonts is missing (install Debian's libreoffice-calc-nogui and poppler-utils)",
)


def test_libreoffice_draws_every_sheet_in_the_named_sans_serif_face(tmp_path: Path) -> None:
    book = xlsx.render(sample_result(), tmp_path / "report.xlsx")
    profile = (tmp_path / "profile").as_uri()  # a profile of its own: tests may run in parallel
    converted = subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(book)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    pdf = tmp_path / "report.pdf"
    assert pdf.is_file(), converted.stderr
    listing = subprocess.run([PDFFONTS, str(pdf)], capture_output=True, text=True, check=True).stdout
    faces = {line.split()[0].split("+")[-1] for line in listing.splitlines()[2:] if line.strip()}
    assert faces, listing
    assert [f for f in faces if "Serif" in f or "Times" in f] == []
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Not ready" in text and "Users in SSPR scope" in text  # statuses in words; the Summary's labels
