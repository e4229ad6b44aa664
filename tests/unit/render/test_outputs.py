"""Output files: a failed write (full disk) is a clear error and leaves the previous report intact."""

from __future__ import annotations

import errno
import os

import pytest

from sspr_audit import render
from sspr_audit.errors import InputError, OutputError
from sspr_audit.files import is_windows_device_name
from tests.builders.results import sample_result


@pytest.mark.parametrize("fmt", render.FORMATS)
def test_full_disk_keeps_the_previous_report(tmp_path, monkeypatch, fmt):
    [path] = render.write_reports(sample_result(), tmp_path, [fmt], stem="weekly")
    before = path.read_bytes()

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OutputError) as caught:
        render.write_reports(sample_result(), tmp_path, [fmt], stem="weekly")
    assert str(caught.value) == f"{path}: cannot write (the disk is full); the previous file is unchanged"
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no temporary file left behind


def test_a_write_killed_midway_leaves_nothing_behind_at_the_next_write(tmp_path):
    target = tmp_path / "report.json"
    target.write_text("previous")
    stale = tmp_path / ".report.json.abc123.tmp"  # what a SIGKILL during a write leaves
    stale.write_text("half a fi")
    other = tmp_path / ".other.json.abc123.tmp"
    other.write_text("not ours")
    from sspr_audit.files import write_atomic

    write_atomic(target, "new")
    assert target.read_text() == "new"
    assert not stale.exists() and other.exists()


@pytest.mark.parametrize(
    ("name", "device"),
    [
        ("CON", True),
        ("nul.txt", True),
        ("Nul .tar.gz", True),
        ("aux.", True),
        ("COM0", True),
        ("lpt¹", True),
        ("CONIN$", True),
        ("console", False),
        ("com10", False),
        ("report.con", False),
    ],
)
def test_windows_device_names_whatever_the_case_extension_or_trailing_dots(name, device):
    assert is_windows_device_name(name) is device


@pytest.mark.parametrize("stem", ["com0", "NUL.weekly", "conout$"])
def test_a_report_name_windows_would_open_as_a_device_is_refused(tmp_path, stem):
    with pytest.raises(InputError, match="device name on Windows"):
        render.write_reports(sample_result(), tmp_path, ["csv"], stem=stem)


def test_a_report_name_too_long_for_a_file_system_is_refused(tmp_path):
    with pytest.raises(InputError, match="too long"):
        render.write_reports(sample_result(), tmp_path, ["csv"], stem="x" * (render.STEM_MAX_BYTES + 1))
