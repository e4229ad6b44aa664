"""Report formats: each module's ``render(result, path, changes=None) -> Path`` writes one file.

Renderers only display an :class:`~sspr_audit.audit.results.AuditResult` and,
beside it, the :class:`~sspr_audit.history.compare.RunChanges` since the
tenant's last recorded run (None when no history is kept). The
modules are imported when a format is asked for, so Jinja2 and openpyxl load
only when an HTML or Excel report is written.
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sspr_audit.audit.results import AuditResult
from sspr_audit.errors import InputError, OutputError
from sspr_audit.files import ensure_private_dir, is_windows_device_name

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from sspr_audit.history.compare import RunChanges

FORMATS = ("html", "xlsx", "json", "csv")

PARALLEL_MIN_USERS = 5_000  # below this, forking a process costs more than it saves
# Above this, one format after another: the forked child soon holds its own copy of every page it reads (each
# object it touches has its reference count written), so two processes hold the result: 1.7 GB in all for
# 300,000 users where one process needs 0.9 GB, 5.0 GB for a million.
PARALLEL_MAX_USERS = 100_000
_MODULES = {"html": "html", "xlsx": "xlsx", "json": "json_report", "csv": "csv_report"}
_STEM_MAX = 40
STEM_MAX_BYTES = 120  # with a group's part and an extension, still well under the 255 every file system allows


def default_stem(result: AuditResult) -> str:
    """``sspr-audit_<tenant-slug>_<YYYYmmdd-HHMMSS>``: a file name safe on Windows, macOS and Linux."""
    return f"sspr-audit_{_slug(result.tenant.label)}_{_stamp(result.generated_at)}"


def write_reports(
    result: AuditResult,
    out_dir: Path,
    formats: Sequence[str],
    stem: str | None = None,
    *,
    changes: RunChanges | None = None,
) -> list[Path]:
    """Write one report per format into ``out_dir``, with ``changes`` since the last run; returns the paths."""
    wanted = list(dict.fromkeys(f.lower() for f in formats))
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown:
        raise InputError(f"unknown report format {', '.join(unknown)}; choose from {', '.join(FORMATS)}")
    stem = default_stem(result) if stem is None else check_stem(stem)
    out_dir = ensure_private_dir(Path(out_dir))
    jobs = [(fmt, out_dir / f"{stem}.{fmt}") for fmt in wanted]
    if (
        "xlsx" in wanted
        and len(wanted) > 1
        and PARALLEL_MIN_USERS <= len(result.users) <= PARALLEL_MAX_USERS
        and _can_fork()
    ):
        return _render_beside_workbook(result, changes, jobs)
    return [_render(result, changes, fmt, path) for fmt, path in jobs]


def _render(result: AuditResult, changes: RunChanges | None, fmt: str, path: Path) -> Path:
    module = importlib.import_module(f"{__name__}.{_MODULES[fmt]}")
    return module.render(result, path, changes)


def _can_fork() -> bool:
    import multiprocessing
    import os

    return "fork" in multiprocessing.get_all_start_methods() and (os.cpu_count() or 1) > 1


def _render_beside_workbook(
    result: AuditResult, changes: RunChanges | None, jobs: list[tuple[str, Path]]
) -> list[Path]:
    """Write the workbook in a forked process while this one writes the other formats.

    The workbook is the slowest format by far (openpyxl writes cell by cell),
    so on a large tenant this halves the wall time. A forked child starts with
    the audit result without pickling it (its pages are copied as it touches
    them, hence :data:`PARALLEL_MAX_USERS`); only an error message comes back
    through the pipe. The changes travel the same way.
    """
    import multiprocessing

    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    workbook = next(path for fmt, path in jobs if fmt == "xlsx")
    child = context.Process(target=_workbook_child, args=(result, changes, workbook, sender), daemon=True)
    child.start()
    sender.close()
    try:
        paths = [path if fmt == "xlsx" else _render(result, changes, fmt, path) for fmt, path in jobs]
        error = receiver.recv() if receiver.poll(None) else "the workbook process ended without a word"
    except EOFError:
        error = "the workbook process ended unexpectedly"
    finally:
        child.join()
        receiver.close()
    if error:
        raise OutputError(error)
    return paths


def _workbook_child(result: AuditResult, changes: RunChanges | None, path: Path, sender: Connection) -> None:
    try:
        _render(result, changes, "xlsx", path)
        sender.send(None)
    except InputError as exc:
        sender.send(str(exc))
    except Exception as exc:  # reported to the parent, which raises it as an output error
        sender.send(f"{path}: the workbook could not be written ({type(exc).__name__}: {exc})")
    finally:
        sender.close()


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:_STEM_MAX].rstrip("-") or "tenant"


def _stamp(iso: str) -> str:
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        digits = re.sub(r"\D", "", iso)[:14].ljust(14, "0")
        return f"{digits[:8]}-{digits[8:]}"
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y%m%d-%H%M%S")


def check_stem(stem: str) -> str:
    """``stem`` when it is a plain file name on Windows, macOS and Linux; an input error naming the fix otherwise."""
    if not stem.strip() or stem.strip(" .") != stem or re.search(r'[\\/:*?"<>|\x00-\x1f]', stem):
        raise InputError(
            f'report name {stem!r} is not a plain file name: leave out folders, the characters \\ / : * ? " < > |,'
            " and leading or trailing dots and spaces"
        )
    if is_windows_device_name(stem):
        raise InputError(f"report name {stem!r} is a device name on Windows; choose another")
    if len(stem.encode("utf-8")) > STEM_MAX_BYTES:
        raise InputError(f"report name {stem[:20]!r}... is too long: at most {STEM_MAX_BYTES} bytes in UTF-8")
    return stem
