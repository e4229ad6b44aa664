"""The Excel report: Summary, Findings, Users, Admins and Rules sheets.

Written with openpyxl's write-only workbook so memory stays flat for large
tenants; :mod:`sspr_audit.render.sheet` keeps every cell safe, styled and
printable. Statuses and severities are shown in words on their colour.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from sspr_audit.audit import microsoft_view
from sspr_audit.audit.reality import Comparison
from sspr_audit.audit.results import AuditResult, Readiness, UserResult
from sspr_audit.audit.sspr_methods import METHOD_LABELS
from sspr_audit.history.compare import RunChanges, StoredFinding
from sspr_audit.render.changes import headline, notes
from sspr_audit.render.reality import AGREEMENT_LABELS, AGREEMENT_ORDER, comparisons_by_user, reality_line
from sspr_audit.render.sheet import (
    EXCEL_CELL_LIMIT,
    SEVERITY_FILLS,
    STATUS_FILLS,
    TRUNCATED,
    Percent,
    Sheet,
    abandon,
    excel_datetime,
    label,
    save,
    workbook,
)
from sspr_audit.render.summary import (
    SEVERITY_LABELS,
    Summary,
    department,
    ordered_findings,
    ordered_users,
    role_text,
    summarize,
    timeline_line,
)

__all__ = [
    "EXCEL_CELL_LIMIT",
    "SEVERITY_FILLS",
    "SHEETS",
    "STATUS_FILLS",
    "TRUNCATED",
    "render",
    "render_group",
    "render_table",
]

SHEETS: dict[str, tuple[tuple[str, int], ...]] = {
    "Summary": (("Item", 24), ("Value", 16), ("Detail", 60)),
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
        ("Microsoft: SSPR registered", 12),
        ("Microsoft: SSPR enabled", 12),
        ("Microsoft: SSPR capable", 12),
        ("Matches Microsoft", 12),
        ("Microsoft's flags, explained", 70),
        ("Last reset attempt (UTC)", 20),
        ("Attempt outcome", 16),
        ("Verdict vs attempt", 34),
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
    "What users did": (
        ("Verdict vs attempt", 34),
        ("UPN", 34),
        ("Display name", 26),
        ("Department", 20),
        ("Status", 16),
        ("Reason for the status", 60),
        ("Last attempt (UTC)", 20),
        ("Outcome", 12),
        ("Method", 16),
        ("Step or reason", 50),
        ("Status on that day", 16),
        ("User id", 38),
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


def render(result: AuditResult, path: Path, changes: RunChanges | None = None) -> Path:
    """Write the workbook to ``path`` atomically (owner-only)."""
    path = Path(path)
    summary = summarize(result)
    users = ordered_users(result)
    wb = workbook(f"SSPR readiness: {summary.tenant_name}", result.generated_at)
    try:
        _summary_sheet(_sheet(wb, "Summary"), result, summary)
        if changes is not None:
            _changes_sheet(_sheet(wb, "Changes"), changes)
        if result.timeline:
            _timeline_sheet(_sheet(wb, "Timeline"), result, users)
        if result.reality is not None and result.reality.comparisons:
            _attempts_sheet(_sheet(wb, "What users did"), result)
        _findings_sheet(_sheet(wb, "Findings"), result, users)
        _users_sheet(_sheet(wb, "Users"), users, result)
        _admins_sheet(_sheet(wb, "Admins"), summary, users)
        _rules_sheet(_sheet(wb, "Rules"), result, summary)
        save(wb, path)
    except BaseException:
        abandon(wb)
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
    wb = workbook(f"SSPR readiness: {group[1]}", result.generated_at)
    try:
        _summary_sheet(_sheet(wb, "Summary"), result, summary, [group[0], group[1], None])
        _findings_sheet(_sheet(wb, "Findings"), result, users)
        _users_sheet(_sheet(wb, "Users"), users, result)
        save(wb, path)
    except BaseException:
        abandon(wb)
        raise
    return path


def render_table(
    path: Path,
    title: str,
    sheet_title: str,
    columns: Sequence[tuple[str, int]],
    rows: Iterable[Sequence[Any]],
    generated_at: str,
    *,
    as_text: bool = False,
) -> Path:
    """Write a one-sheet workbook of ``rows`` under ``columns`` (name, width), with the same safe cells.

    Rows may hold :class:`~sspr_audit.render.sheet.Percent` and
    :class:`~sspr_audit.render.sheet.Link` values; ``as_text`` formats every
    string cell as Text, so a value such as ``+14255550100`` is copied as it is.
    """
    path = Path(path)
    wb = workbook(title, generated_at)
    try:
        sheet = Sheet(wb, sheet_title, columns, as_text=as_text)
        for row in rows:
            sheet.append(list(row))
        sheet.close()
        save(wb, path)
    except BaseException:
        abandon(wb)
        raise
    return path


def _sheet(wb: Any, title: str) -> Sheet:
    return Sheet(wb, title, SHEETS[title])


def _summary_sheet(sheet: Sheet, result: AuditResult, s: Summary, first: list[Any] | None = None) -> None:
    """The tenant, the counts and the sources (after ``first``); columns as wide as their longest label."""
    rows = ([first] if first else []) + _summary_rows(sheet, result, s)
    sheet.fit(rows)
    for row in rows:
        sheet.append(row)
    sheet.close()


def _summary_rows(sheet: Sheet, result: AuditResult, s: Summary) -> list[list[Any]]:
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
        ["Users in SSPR scope", s.users_in_scope, "Excluded, set-aside and out-of-scope users are not counted."],
        ["Users ready", s.users_ready, "Ready, ready on unverified contact data, or at risk."],
        ["Ready (%)", Percent(s.ready_percent), s.ready_label],
    ]
    rows += [["WARNING", None, warning] for warning in result.warnings]
    rows += [[f"Can reset from {p.when}", Percent(p.share), timeline_line(p)] for p in result.timeline]
    rows += [["Assumed", None, assumption] for assumption in result.assumptions]
    rows += [[sheet.status(c.status), c.count, "users"] for c in s.status_counts]
    rows.append(["Findings", s.findings_total, None])
    rows += [[sheet.severity(c.severity), c.count, "findings"] for c in s.severity_counts]
    could_reset = sum(1 for a in s.admins if a.status.can_reset)
    rows.append(["Administrators", len(s.admins), f"{could_reset} of them could reset today"])
    rows.append(["Users whose data could not be read", len(s.failures), "status unknown"])
    rows.append(
        ["Users judged on part of their data", len(s.partial), "verdict stands; the Users sheet says what was not read"]
    )
    reality = result.reality
    contradict = reality.contradict if reality is not None else None
    rows.append(["Verdicts contradicted by what users did", "not read" if contradict is None else contradict,
                 reality_line(reality)])  # fmt: skip
    rows.append(
        [
            "Differ from Microsoft's isSsprCapable",
            s.microsoft.disagree,
            f"of {s.microsoft.compared:,} users compared; each is explained in the Users sheet. {microsoft_view.BASIS}",
        ]
    )
    rows += [[f"Source: {src.label}", label(src.state), src.notice or "read"] for src in s.sources]
    rows += [[f"Policy: {p.name}", p.value, f"from {p.origin}"] for p in result.policy]
    return rows


def _timeline_sheet(sheet: Sheet, result: AuditResult, users: tuple[UserResult, ...]) -> None:
    """Each announced change: a row with its counts, then one row per user who loses SSPR on that day."""
    for p in result.timeline:
        sheet.append(
            [
                p.date,
                p.change,
                p.users_in_scope,
                p.users_ready,
                Percent(p.share),
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


def _findings_sheet(sheet: Sheet, result: AuditResult, users: tuple[UserResult, ...]) -> None:
    by_id = {u.user.id: u for u in users}
    titles = {r.id: r.title for r in result.rules}
    for f in ordered_findings(result):
        u = by_id.get(f.user_id) if f.user_id else None
        sheet.append(
            [
                f.rule,
                sheet.severity(f.severity),
                sheet.status(u.status) if u else None,
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


def _users_sheet(sheet: Sheet, users: tuple[UserResult, ...], result: AuditResult) -> None:
    attempts = comparisons_by_user(result)
    events_read = result.reality is not None and result.reality.read
    for r in users:
        u = r.user
        ms = microsoft_view.view(r, result.tenant.collected_at)
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
                sheet.status(r.status),
                r.reason,
                _usable(r),
                r.required,
                methods,
                "; ".join(f"{m.label}: {m.why}" for m in r.uncounted),
                r.loses_sspr_on,
                r.loses_sspr_because,
                *_microsoft_cells(ms),
                *_attempt_cells(attempts.get(u.id), events_read),
                _yes_no(u.on_premises_sync_enabled),
                label(u.collection.state),
                u.collection.reason,
                u.id,
            ]
        )
    sheet.close()


def _attempt_cells(c: Comparison | None, events_read: bool) -> list[Any]:
    """The user's last reset attempt and how it compares; "not read" when the events were not read."""
    if not events_read:
        return ["not read"] * 3
    if c is None:
        return [None, "no attempt", None]
    return [excel_datetime(c.attempt.at), c.attempt.outcome, AGREEMENT_LABELS[c.agreement]]


def _attempts_sheet(sheet: Sheet, result: AuditResult) -> None:
    """Every user who tried to reset in the events window: contradictions first, then predicted calls."""
    assert result.reality is not None
    rank = {a: i for i, a in enumerate(AGREEMENT_ORDER)}
    ordered = sorted(
        result.reality.comparisons,
        key=lambda c: (rank[c.agreement], result.users[c.user_index].user.user_principal_name.casefold()),
    )
    for c in ordered:
        r = result.users[c.user_index]
        a = c.attempt
        sheet.append(
            [
                AGREEMENT_LABELS[c.agreement],
                r.user.user_principal_name,
                r.user.display_name,
                r.user.department,
                sheet.status(r.status),
                r.reason,
                excel_datetime(a.at),
                a.outcome,
                METHOD_LABELS.get(a.method, a.method) if a.method else None,
                a.step,
                sheet.status(c.status_then),
                r.user.id,
            ]
        )
    sheet.close()


def _microsoft_cells(v: microsoft_view.MicrosoftView | None) -> list[str]:
    """Microsoft's three flags, whether they match, and why: "not read" without a registration report row."""
    if v is None:
        return ["not read"] * 4 + ["No registration report row was read for this user."]
    said = ["not reported" if f is None else "yes" if f else "no" for f in (v.registered, v.enabled, v.capable)]
    return [*said, "not compared" if v.agrees is None else _yes_no(v.agrees), v.explanation]


def _usable(r: UserResult) -> int | str:
    """The methods that count, or "not read" when they could not be read: never a 0 that reads as "none"."""
    return "not read" if r.status == Readiness.UNKNOWN else r.usable_count


def _admins_sheet(sheet: Sheet, s: Summary, users: tuple[UserResult, ...]) -> None:
    for a in s.admins:
        r = users[a.index]
        sheet.append(
            [
                a.upn,
                a.display_name,
                department(r.user),
                ", ".join(a.roles),
                a.eligible_only,
                sheet.status(a.status),
                _usable(r),
                a.required,
                r.reason,
            ]
        )
    sheet.close()


def _rules_sheet(sheet: Sheet, result: AuditResult, s: Summary) -> None:
    counts = {c.rule: c.count for c in s.rule_counts}
    for r in sorted(result.rules, key=lambda r: r.id):
        sheet.append(
            [
                r.id,
                r.title,
                sheet.severity(r.severity),
                SEVERITY_LABELS[r.default_severity],
                r.enabled,
                counts.get(r.id, 0),
                r.why,
                r.fix,
                r.doc_url,
            ]
        )
    sheet.close()


def _changes_sheet(sheet: Sheet, changes: RunChanges) -> None:
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
                        sheet.severity(i.severity),
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
                        sheet.status(i.before) if i.before else None,
                        sheet.status(i.after) if i.after else None,
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
