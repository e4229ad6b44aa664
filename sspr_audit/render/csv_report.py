"""The CSV report: one finding per row, for a spreadsheet or a ticket import.

Written as UTF-8 with a byte-order mark (``utf-8-sig``): without it Excel
reads the file in the local code page and mangles accented names.

CSV injection (OWASP): a spreadsheet runs any cell that begins with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return as a formula. Such a field is
written with a leading single quote, which Excel shows as plain text. The
quote is a display prefix, not part of the value: a phone number
``+1 4251234567`` is written ``'+1 4251234567``. Spreadsheets that trim
leading spaces (LibreOffice) or fold full-width forms make `` =1+1`` and
full-width ``=`` formulas too: a field is judged by its start with leading blanks
dropped and compatibility forms folded (NFKC).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

from sspr_audit.audit.results import AuditResult
from sspr_audit.files import atomic_writer
from sspr_audit.render.summary import ordered_findings

if TYPE_CHECKING:
    from sspr_audit.history.compare import RunChanges

COLUMNS = (
    "rule",
    "severity",
    "status",
    "upn",
    "user_id",
    "display_name",
    "department",
    "field",
    "value",
    "message",
    "suggestion",
)

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_BLANKS = re.compile(r"^[\s\u200b-\u200f\u2060\ufeff]+")  # spaces, and invisible characters before a formula


def neutralise(value: str | None) -> str:
    """``value`` as a CSV field a spreadsheet will not evaluate; None becomes empty."""
    if value is None:
        return ""
    if value.startswith(_FORMULA_STARTS):
        return f"'{value}"
    if value[:1].isascii() and not value[:1].isspace():  # the common case: nothing to fold or trim
        return value
    head = _BLANKS.sub("", unicodedata.normalize("NFKC", value[:64]))
    return f"'{value}" if head.startswith(_FORMULA_STARTS) else value


def render(result: AuditResult, path: Path, changes: RunChanges | None = None) -> Path:
    """Write the findings CSV to ``path`` atomically (owner-only); one row per finding, so no changes."""
    path = Path(path)
    users = {u.user.id: u for u in result.users}
    with atomic_writer(path, "w") as out:
        out.write("\ufeff")
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for f in ordered_findings(result):
            user = users.get(f.user_id) if f.user_id else None
            row = {
                "rule": f.rule,
                "severity": f.severity.value,
                "status": user.status.value if user else None,
                "upn": f.upn or (user.user.user_principal_name if user else None),
                "user_id": f.user_id,
                "display_name": f.display_name or (user.user.display_name if user else None),
                "department": user.user.department if user else None,
                "field": f.field,
                "value": f.value,
                "message": f.message,
                "suggestion": f.suggestion,
            }
            writer.writerow([neutralise(row[c]) for c in COLUMNS])
    return path
