"""The changes between two runs as text, JSON and a self-contained HTML page.

Shared by the reports (the Changes section and sheet, the JSON ``changes``
object) and by ``sspr-audit diff`` and ``sspr-audit history``.
"""

from __future__ import annotations

from collections.abc import Sequence

from sspr_audit.audit.results import Severity
from sspr_audit.history.compare import RunChanges, RunSummary, StoredFinding, UserChange
from sspr_audit.render.summary import percent

FIRST_RUN = "First recorded run for this tenant: changes will show from the next run."


def describe(item: StoredFinding | UserChange) -> tuple[str, str]:
    """``(who, what)``: one line of a change list, shared by every output."""
    if isinstance(item, UserChange):
        return item.upn, item.detail
    field = f" [{item.field}{': ' + item.value if item.value else ''}]" if item.field else ""
    return item.upn or "(tenant)", f"{item.rule} {item.severity.value}{field}: {item.message}"


def headline(changes: RunChanges) -> str:
    """One sentence: what was compared with what."""
    if changes.old is None:
        return FIRST_RUN
    return f"Changes from {side(changes.old)} to {side(changes.new)}."


def side(run: RunSummary) -> str:
    """A run as a comparison names it: by when its data was read from the tenant, not when it was judged."""
    what = f"run {run.id}" if run.id is not None else (run.snapshot_path or "audit")
    when = (
        f"data collected {run.collected_at}"
        if run.collected_at
        else f"judged {run.generated_at}, collection time not recorded"
    )
    return f"{what} ({when}{', what-if policy' if run.what_if else ''})"


def notes(changes: RunChanges) -> tuple[str, ...]:
    """Caveats a reader needs before trusting the lists."""
    found = []
    if changes.policy_changed:
        found.append("The policy changed between these runs: some changes come from the policy, not the directory.")
    if changes.old is not None and not changes.users_compared:
        found.append(
            "User statuses were not recorded for one of these runs (an older history): status changes,"
            " administrators' methods and scope changes are not shown."
        )
    return tuple(found)


def reset_line(changes: RunChanges) -> str:
    """How many users the last run judged not ready have reset successfully since."""
    n = len(changes.reset_while_not_ready)
    since = changes.old.collected_at or changes.old.generated_at if changes.old else ""
    who = "1 user who was" if n == 1 else f"{n:,} users who were"
    return f"{who} not ready reset successfully since the last run (collected {since})"


def render_text(changes: RunChanges) -> str:
    """The changes as plain text for a terminal or an e-mail."""
    lines = [f"{changes.new.tenant_name} (tenant {changes.new.tenant_id})", headline(changes), *notes(changes)]
    if changes.old is not None:
        lines.append(f"  old: {collected(changes.old)}")
        lines.append(f"  new: {collected(changes.new)}")
        lines.append(f"Ready: {percent(changes.old.ready_percent)} -> {percent(changes.new.ready_percent)}")
        if changes.reset_while_not_ready:
            lines.append(reset_line(changes))
        for _, title, items in changes.sections():
            lines.append("")
            lines.append(f"{title} ({len(items)})")
            lines.extend(f"  {who}: {what}" for who, what in map(describe, items))
            if not items:
                lines.append("  none")
    return "\n".join(lines) + "\n"


def collected(run: RunSummary) -> str:
    """One side of a comparison, named by when its data was read from the tenant."""
    when = run.collected_at or "at an unknown time (recorded by an older version)"
    return f"{run.label}: data collected {when}{' (what-if policy)' if run.what_if else ''}"


def render_runs(runs: Sequence[RunSummary]) -> str:
    """The run list of ``sspr-audit history`` as an aligned text table."""
    if not runs:
        return "No runs recorded yet: 'report' and 'run' record one each time.\n"
    header = ("Run", "Generated (UTC)", "Tenant", "Users", "Ready", *(s.value.capitalize() for s in Severity))
    rows = [
        (
            f"{r.id} what-if" if r.what_if else str(r.id),
            r.generated_at,
            f"{r.tenant_name} ({r.tenant_id})",
            f"{r.users_total:,}",
            percent(r.ready_percent),
            *(f"{n:,}" for n in r.severity_counts),
        )
        for r in runs
    ]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    left = {1, 2}  # text columns; the others are numbers
    lines = []
    for row in (header, *rows):
        cells = [c.ljust(w) if i in left else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def to_json(changes: RunChanges) -> dict:
    """The changes as the JSON report's ``changes`` object (``$defs/changes`` of report.schema.json)."""
    return {
        "old": _run_json(changes.old) if changes.old else None,
        "new": _run_json(changes.new),
        "policy_changed": changes.policy_changed,
        "users_compared": changes.users_compared,
        "new_findings": [_finding_json(f) for f in changes.new_findings],
        "resolved_findings": [_finding_json(f) for f in changes.resolved_findings],
        **{key: [_user_json(u) for u in items] for key, _, items in changes.sections()[2:]},
        "trend": [
            {
                "run_id": p.run_id,
                "generated_at": p.generated_at,
                "ready_percent": p.ready_percent,
                "attempts": p.attempts,
                "successes": p.successes,
            }
            for p in changes.trend
        ],
    }


def render_html(changes: RunChanges) -> str:
    """A self-contained HTML page of the changes: no script, the report's style allowed by its hash."""
    from markupsafe import Markup

    from sspr_audit import __version__
    from sspr_audit.render import templates
    from sspr_audit.render.html import csp_hash
    from sspr_audit.render.trend import history_view

    css = templates.text("report.css")
    return templates.template("diff.html.j2").render(
        c=changes,
        h=history_view(changes, cap=None),
        side=side,
        version=__version__,
        css=Markup(css),
        csp=f"default-src 'none'; style-src '{csp_hash(css)}'; base-uri 'none'; form-action 'none'",
    )


def _run_json(s: RunSummary) -> dict:
    return {
        "run_id": s.id,
        "tenant_id": s.tenant_id,
        "tenant_name": s.tenant_name,
        "generated_at": s.generated_at,
        "collected_at": s.collected_at,
        "as_of": s.as_of,
        "what_if": s.what_if,
        "policy_hash": s.policy_hash,
        "snapshot_path": s.snapshot_path,
        "users_total": s.users_total,
        "users_in_scope": s.users_in_scope,
        "users_ready": s.users_ready,
        "ready_percent": s.ready_percent,
        "severity_counts": {sev.value: n for sev, n in zip(Severity, s.severity_counts, strict=True)},
    }


def _finding_json(f: StoredFinding) -> dict:
    return {
        "rule": f.rule,
        "severity": f.severity.value,
        "user_id": f.user_id,
        "upn": f.upn,
        "field": f.field,
        "value": f.value,
        "message": f.message,
    }


def _user_json(u: UserChange) -> dict:
    return {
        "user_id": u.user_id,
        "upn": u.upn,
        "display_name": u.display_name,
        "before": u.before,
        "after": u.after,
        "detail": u.detail,
    }
