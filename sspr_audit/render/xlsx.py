"""The Excel report: Summary, Findings, Users, Admins and Rules sheets.

Written with openpyxl's write-only workbook so memory stays flat for large
tenants. Directory data is never trusted as a formula: every string cell is
forced to the string type, so a display name such as ``=HYPERLINK(...)`` is
shown as text, not evaluated.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from sspr_audit.audit.results import AuditResult, UserResult
from sspr_audit.files import atomic_writer
from sspr_audit.history.compare import RunChanges, StoredFinding
from sspr_audit.render.changes import headline, notes
from sspr_audit.render.summary import (
    Summary,
    department,
    ordered_findings,
    ordered_users,
    role_text,
    summarize,
    timeline_line,
)
from sspr_audit.text import xml_writable

EXCEL_CELL_LIMIT = 32_767
TRUNCATED = " … [truncated: see the JSON report]"
DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"

SEVERITY_FILLS = {"critical": "FF9B9B", "high": "FFC7CE", "medium": "FFEB9C", "low": "DDEBF7", "info": "EDEDED"}
STATUS_FILLS = {
    "ready": "C6EFCE",
    "ready_unverified": "E2EFDA",
    "at_risk": "FFEB9C",
    "not_ready": "FFC7CE",
    "unknown": "D9D2E9",
    "excluded": "EDEDED",
    "out_of_scope": "EDEDED",
}
_HEADER_FILL = "1F3864"
_NOT_PLAIN_TEXT = frozenset("=#")

SHEETS: dict[str, tuple[tuple[str, int], ...]] = {
    "Summary": (("Item", 36), ("Value", 28), ("Detail", 100)),
    "Findings": (
        ("Rule", 12),
        ("Severity", 10),
        ("Status", 16),
        ("UPN", 34),
        ("Display name", 26),
        ("Department", 20),
        ("Manager", 24),
        ("Field", 24),
        ("Value", 26),
        ("Message", 70),
        ("Suggestion", 40),
        ("Rule title", 40),
        ("What to do", 70),
        ("User id", 38),
    ),
    "Users": (
        ("UPN", 34),
        ("Display name", 26),
        ("Department", 20),
        ("Manager", 24),
        ("User type", 10),
        ("Admin", 10),
        ("Roles", 30),
        ("Status", 16),
        ("Reason", 60),
        ("Usable methods", 10),
        ("Required", 10),
        ("Methods", 60),
        ("Not counted, and why", 70),
        ("Loses SSPR on", 12),
        ("Loses SSPR because", 70),
        ("Synced", 9),
        ("Collection", 11),
        ("Collection detail", 40),
        ("User id", 38),
    ),
    "Admins": (
        ("UPN", 34),
        ("Display name", 26),
        ("Department", 20),
        ("Roles", 40),
        ("Eligible only", 12),
        ("Status", 16),
        ("Usable methods", 10),
        ("Required", 10),
        ("Reason", 60),
    ),
    "Rules": (
        ("Rule", 12),
        ("Title", 40),
        ("Severity", 10),
        ("Default severity", 10),
        ("Enabled", 9),
        ("Findings", 10),
        ("Why", 70),
        ("Fix", 70),
        ("Documentation", 50),
    ),
    "Timeline": (
        ("From", 12),
        ("Change", 60),
        ("Users in scope", 10),
        ("Can reset", 10),
        ("Share", 9),
        ("Lose SSPR", 10),
        ("UPN", 34),
        ("Display name", 26),
        ("Department", 20),
        ("Manager", 24),
        ("Why", 80),
        ("Microsoft's page", 50),
    ),
    "Changes": (
        ("Change", 30),
        ("Severity", 10),
        ("Rule", 12),
        ("UPN", 34),
        ("Display name", 26),
        ("Field", 24),
        ("Value", 26),
        ("Before", 16),
        ("After", 16),
        ("Detail", 80),
        ("User id", 38),
    ),
}


class _Sheet:
    """A write-only sheet with a styled, frozen, filtered header and safe cells."""

    def __init__(self, wb: Any, title: str, columns: Sequence[tuple[str, int]] | None = None) -> None:
        from openpyxl.styles import Font, PatternFill
        from openpyxl.utils import get_column_letter

        self.ws = wb.create_sheet(title)
        columns = SHEETS[title] if columns is None else columns
        self.last_column = get_column_letter(len(columns))
        for i, (_, width) in enumerate(columns, 1):
            self.ws.column_dimensions[get_column_letter(i)].width = width
        self.ws.freeze_panes = "A2"
        self._fills: dict[str, str] = {}  # colour -> named style
        header_font = Font(bold=True, color="FFFFFF")
        header_fill = PatternFill("solid", fgColor=_HEADER_FILL)
        header = []
        for name, _ in columns:
            cell = self.text(name)
            cell.font = header_font
            cell.fill = header_fill
            header.append(cell)
        self.ws.append(header)
        self.rows = 1

    def append(self, values: list[Any]) -> None:
        self.ws.append([self.cell(v) for v in values])
        self.rows += 1

    def close(self) -> None:
        self.ws.auto_filter.ref = f"A1:{self.last_column}{self.rows}"

    def cell(self, value: Any) -> Any:
        if value is None or value == "":
            return None
        if type(value) is str:  # the common case first: most cells are plain text
            value = safe_text(value)
            # openpyxl reads a plain string as a formula when it starts with "=" and as an error
            # value when it is "#N/A" and the like; only those need a cell forced to text.
            return self.text(value) if value[:1] in _NOT_PLAIN_TEXT else value
        if isinstance(value, Cell):
            return value
        if isinstance(value, str):
            return self.cell(str(value))
        if isinstance(value, bool):
            return self.text("yes" if value else "no")
        if isinstance(value, datetime):
            return self.number(value, DATE_FORMAT)
        return value

    def number(self, value: float | datetime, number_format: str) -> Any:
        """A number or date cell shown with ``number_format``."""
        cell = WriteOnlyCell(self.ws, value=value)
        cell.number_format = number_format
        return cell

    def text(self, value: str) -> Any:
        """A string cell that Excel can never read as a formula."""
        cell = WriteOnlyCell(self.ws, value=safe_text(value))
        cell.data_type = "s"
        return cell

    def filled(self, value: str, colours: dict[str, str]) -> Any:
        """A text cell with the background colour of its severity or status.

        The colour is a named style registered once per workbook: assigning a
        fill object to each cell makes openpyxl hash it every time, which
        cost more than writing the cell.
        """
        cell = self.text(value)
        colour = colours.get(value)
        if colour:
            cell.style = self._fill_style(colour)
        return cell

    def _fill_style(self, colour: str) -> str:
        name = self._fills.get(colour)
        if name is None:
            from openpyxl.styles import NamedStyle, PatternFill

            name = self._fills[colour] = f"sspr-audit fill {colour}"
            workbook = self.ws.parent
            if name not in workbook.named_styles:
                workbook.add_named_style(NamedStyle(name=name, fill=PatternFill("solid", fgColor=colour)))
        return name


def safe_text(value: str) -> str:
    """``value`` without characters XML forbids, cut to Excel's cell limit with a visible marker."""
    if not value.isprintable():  # printable text holds no control character: skip the regex
        value = xml_writable(ILLEGAL_CHARACTERS_RE.sub("", value))
    if len(value) > EXCEL_CELL_LIMIT:
        value = value[: EXCEL_CELL_LIMIT - len(TRUNCATED)] + TRUNCATED
    return value


def excel_datetime(iso: str) -> datetime | str:
    """An ISO 8601 timestamp as a naive UTC datetime (Excel has no time zones); text when unparseable."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def render(result: AuditResult, path: Path, changes: RunChanges | None = None) -> Path:
    """Write the workbook to ``path`` atomically (owner-only)."""
    path = Path(path)
    summary = summarize(result)
    users = ordered_users(result)
    wb = _workbook(f"SSPR readiness: {summary.tenant_name}", result.generated_at)
    try:
        _summary_sheet(_Sheet(wb, "Summary"), result, summary)
        if changes is not None:
            _changes_sheet(_Sheet(wb, "Changes"), changes)
        if result.timeline:
            _timeline_sheet(_Sheet(wb, "Timeline"), result, users)
        _findings_sheet(_Sheet(wb, "Findings"), result, users)
        _users_sheet(_Sheet(wb, "Users"), users)
        _admins_sheet(_Sheet(wb, "Admins"), summary, users)
        _rules_sheet(_Sheet(wb, "Rules"), result, summary)
        _save(wb, path)
    except BaseException:
        _abandon(wb)
        raise
    return path


def render_group(result: AuditResult, path: Path, group: tuple[str, str]) -> Path:
    """Write a workbook for one group of people: Summary, Findings and Users only.

    ``result`` holds only the group's users and findings; ``group`` is the
    (label, name) pair shown first on the Summary sheet, e.g. ("Department", "Sales").
    """
    path = Path(path)
    summary = summarize(result)
    users = ordered_users(result)
    wb = _workbook(f"SSPR readiness: {group[1]}", result.generated_at)
    try:
        sheet = _Sheet(wb, "Summary")
        sheet.append([group[0], group[1], None])
        _summary_sheet(sheet, result, summary)
        _findings_sheet(_Sheet(wb, "Findings"), result, users)
        _users_sheet(_Sheet(wb, "Users"), users)
        _save(wb, path)
    except BaseException:
        _abandon(wb)
        raise
    return path


def render_table(
    path: Path,
    title: str,
    sheet_title: str,
    columns: Sequence[tuple[str, int]],
    rows: Iterable[Sequence[Any]],
    generated_at: str,
) -> Path:
    """Write a one-sheet workbook of ``rows`` under ``columns`` (name, width), with the same safe cells."""
    path = Path(path)
    wb = _workbook(title, generated_at)
    try:
        sheet = _Sheet(wb, sheet_title, columns)
        for row in rows:
            sheet.append(list(row))
        sheet.close()
        _save(wb, path)
    except BaseException:
        _abandon(wb)
        raise
    return path


def _workbook(title: str, generated_at: str) -> Any:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    wb.properties.creator = "sspr-audit"
    wb.properties.title = safe_text(title)
    created = excel_datetime(generated_at)
    if isinstance(created, datetime):
        wb.properties.created = created
    return wb


def _save(wb: Any, path: Path) -> None:
    with atomic_writer(path, "wb") as out:
        wb.save(out)


def _abandon(wb: Any) -> None:
    """Close the sheets of a workbook that will not be saved, so none is left writing to a closed file."""
    for ws in wb.worksheets:
        with contextlib.suppress(Exception):
            ws.close()


def _summary_sheet(sheet: _Sheet, result: AuditResult, s: Summary) -> None:
    t = result.tenant
    rows: list[list[Any]] = [
        ["Tenant", s.tenant_name, f"Tenant id {t.id}"],
        ["Verified domains", ", ".join(t.verified_domains), None],
        ["Report generated (UTC)", excel_datetime(result.generated_at), None],
        ["Data collected (UTC)", excel_datetime(t.collected_at), None],
        ["Verdicts as of", result.as_of, f"Microsoft's SSPR rules of this day ({result.as_of_origin})."],
        ["Graph endpoint", t.graph_endpoint, None],
        ["Hybrid (synced from on-premises)", _yes_no(t.on_premises_sync_enabled), None],
        ["Policy file", result.policy_source or "(none: defaults and tenant settings)", None],
        ["Users", s.users_total, None],
        ["Users in SSPR scope", s.users_in_scope, "Excluded and out-of-scope users are not counted."],
        ["Users ready", s.users_ready, "Ready, ready on unverified contact data, or at risk."],
    ]
    for row in rows:
        sheet.append(row)
    if s.ready_percent is None:
        percent = sheet.text("n/a (nobody in scope)")
    else:
        percent = sheet.number(s.ready_percent / 100, "0.0%")
    sheet.append(["Ready (%)", percent, s.ready_label])
    for point in result.timeline:
        sheet.append([f"Can reset from {point.when}", _share(sheet, point.share), timeline_line(point)])
    for assumption in result.assumptions:
        sheet.append(["Assumed", None, assumption])
    for status in s.status_counts:
        sheet.append([sheet.filled(status.status.value, STATUS_FILLS), status.count, status.label])
    sheet.append(["Findings", s.findings_total, None])
    for severity in s.severity_counts:
        sheet.append(
            [sheet.filled(severity.severity.value, SEVERITY_FILLS), severity.count, f"{severity.label} findings"]
        )
    sheet.append(
        ["Administrators", len(s.admins), f"{sum(1 for a in s.admins if a.status.can_reset)} of them could reset today"]
    )
    sheet.append(["Users whose data could not be read", len(s.failures), None])
    for src in s.sources:
        sheet.append([f"Source: {src.label}", src.state, src.notice or "read"])
    for p in result.policy:
        sheet.append([f"Policy: {p.name}", p.value, f"from {p.origin}"])
    sheet.close()


def _share(sheet: _Sheet, value: float | None) -> Any:
    return sheet.text("n/a (nobody in scope)") if value is None else sheet.number(value / 100, "0.0%")


def _timeline_sheet(sheet: _Sheet, result: AuditResult, users: tuple[UserResult, ...]) -> None:
    """Each announced change: a row with its counts, then one row per user who loses SSPR on that day."""
    for p in result.timeline:
        sheet.append(
            [
                p.date,
                p.change,
                p.users_in_scope,
                p.users_ready,
                _share(sheet, p.share),
                p.users_losing,
                None,
                None,
                None,
                None,
                None,
                p.source,
            ]
        )
        for u in users:
            if u.loses_sspr_on == p.date:
                sheet.append(
                    [
                        p.date,
                        p.change,
                        None,
                        None,
                        None,
                        None,
                        u.user.user_principal_name,
                        u.user.display_name,
                        u.user.department,
                        u.user.manager_name,
                        u.loses_sspr_because,
                        p.source,
                    ]
                )
    sheet.close()


def _findings_sheet(sheet: _Sheet, result: AuditResult, users: tuple[UserResult, ...]) -> None:
    by_id = {u.user.id: u for u in users}
    titles = {r.id: r.title for r in result.rules}
    for f in ordered_findings(result):
        u = by_id.get(f.user_id) if f.user_id else None
        sheet.append(
            [
                f.rule,
                sheet.filled(f.severity.value, SEVERITY_FILLS),
                sheet.filled(u.status.value, STATUS_FILLS) if u else None,
                f.upn or (u.user.user_principal_name if u else None),
                f.display_name or (u.user.display_name if u else None),
                u.user.department if u else None,
                u.user.manager_name if u else None,
                f.field,
                f.value,
                f.message,
                f.suggestion,
                titles.get(f.rule, f.rule),
                f.advice,
                f.user_id,
            ]
        )
    sheet.close()


def _users_sheet(sheet: _Sheet, users: tuple[UserResult, ...]) -> None:
    for r in users:
        u = r.user
        methods = "; ".join(
            f"{m.method} ({m.source.value}, {m.field}{': ' + m.value if m.value else ''}"
            f"{', defective' if m.defective else ''})"
            for m in r.usable
        )
        sheet.append(
            [
                u.user_principal_name,
                u.display_name,
                u.department,
                u.manager_name,
                u.user_type,
                _admin(r),
                ", ".join(role_text(u)),
                sheet.filled(r.status.value, STATUS_FILLS),
                r.reason,
                r.usable_count,
                r.required,
                methods,
                "; ".join(f"{m.label}: {m.why}" for m in r.uncounted),
                r.loses_sspr_on,
                r.loses_sspr_because,
                _yes_no(u.on_premises_sync_enabled),
                u.collection.state.value,
                u.collection.reason,
                u.id,
            ]
        )
    sheet.close()


def _admins_sheet(sheet: _Sheet, s: Summary, users: tuple[UserResult, ...]) -> None:
    for a in s.admins:
        r = users[a.index]
        sheet.append(
            [
                a.upn,
                a.display_name,
                department(r.user),
                ", ".join(a.roles),
                a.eligible_only,
                sheet.filled(a.status.value, STATUS_FILLS),
                a.usable_count,
                a.required,
                r.reason,
            ]
        )
    sheet.close()


def _rules_sheet(sheet: _Sheet, result: AuditResult, s: Summary) -> None:
    counts = {c.rule: c.count for c in s.rule_counts}
    for r in sorted(result.rules, key=lambda r: r.id):
        sheet.append(
            [
                r.id,
                r.title,
                sheet.filled(r.severity.value, SEVERITY_FILLS),
                r.default_severity.value,
                r.enabled,
                counts.get(r.id, 0),
                r.why,
                r.fix,
                r.doc_url,
            ]
        )
    sheet.close()


def _changes_sheet(sheet: _Sheet, changes: RunChanges) -> None:
    """What changed since the tenant's last recorded run: one row per item, the comparison first."""
    sheet.append(
        [
            "First recorded run" if changes.first_run else "Compared runs",
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            " ".join((headline(changes), *notes(changes))),
            None,
        ]
    )
    for _, title, items in changes.sections():
        for i in items:
            if isinstance(i, StoredFinding):
                sheet.append(
                    [
                        title,
                        sheet.filled(i.severity.value, SEVERITY_FILLS),
                        i.rule,
                        i.upn,
                        None,
                        i.field,
                        i.value,
                        None,
                        None,
                        i.message,
                        i.user_id,
                    ]
                )
            else:
                sheet.append(
                    [
                        title,
                        None,
                        None,
                        i.upn,
                        i.display_name,
                        None,
                        None,
                        sheet.filled(i.before, STATUS_FILLS) if i.before else None,
                        sheet.filled(i.after, STATUS_FILLS) if i.after else None,
                        i.detail,
                        i.user_id,
                    ]
                )
    sheet.close()


def _admin(r: UserResult) -> str:
    if not r.is_admin:
        return "no"
    return "eligible" if r.admin_eligible_only else "yes"


def _yes_no(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")
