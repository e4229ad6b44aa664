"""Report formats: each module's ``render(result, path) -> Path`` writes one file.

Renderers only display an :class:`~sspr_audit.results.AuditResult`. The
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

from sspr_audit.errors import InputError
from sspr_audit.files import ensure_private_dir
from sspr_audit.results import AuditResult

FORMATS = ("html", "xlsx", "json", "csv")

_MODULES = {"html": "html", "xlsx": "xlsx", "json": "json_report", "csv": "csv_report"}
_STEM_MAX = 40
_WINDOWS_RESERVED = re.compile(r"(?i)con|prn|aux|nul|com[1-9]|lpt[1-9]")


def default_stem(result: AuditResult) -> str:
    """``sspr-audit_<tenant-slug>_<YYYYmmdd-HHMMSS>``: a file name safe on Windows, macOS and Linux."""
    tenant = result.tenant
    name = tenant.display_name or next(iter(tenant.verified_domains), "") or tenant.id
    return f"sspr-audit_{_slug(name)}_{_stamp(result.generated_at)}"


def write_reports(result: AuditResult, out_dir: Path, formats: Sequence[str], stem: str | None = None) -> list[Path]:
    """Write one report per format into ``out_dir``; returns the paths in the order asked."""
    wanted = list(dict.fromkeys(f.lower() for f in formats))
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown:
        raise InputError(f"unknown report format {', '.join(unknown)}; choose from {', '.join(FORMATS)}")
    stem = default_stem(result) if stem is None else _check_stem(stem)
    out_dir = ensure_private_dir(Path(out_dir))
    paths = []
    for fmt in wanted:
        module = importlib.import_module(f"{__name__}.{_MODULES[fmt]}")
        paths.append(module.render(result, out_dir / f"{stem}.{fmt}"))
    return paths


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


def _check_stem(stem: str) -> str:
    if not stem.strip() or stem.strip(" .") != stem or re.search(r'[\\/:*?"<>|\x00-\x1f]', stem):
        raise InputError(
            f"report name {stem!r} is not a plain file name: leave out folders, the characters \\ / : * ? \" < > |,"
            " and leading or trailing dots and spaces"
        )
    if _WINDOWS_RESERVED.fullmatch(stem.split(".")[0]):
        raise InputError(f"report name {stem!r} is a device name on Windows; choose another")
    return stem
