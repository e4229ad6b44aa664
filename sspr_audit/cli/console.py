"""What the CLI prints after an audit: a short summary people can act on."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from sspr_audit.audit import microsoft_view
from sspr_audit.audit.results import AuditResult, Readiness, Severity, share, tally
from sspr_audit.render.reality import reality_line
from sspr_audit.render.summary import timeline_line
from sspr_audit.text import terminal_safe

_STATUS_STYLE = {
    Readiness.READY: "green",
    Readiness.READY_UNVERIFIED: "cyan",
    Readiness.AT_RISK: "yellow",
    Readiness.NOT_READY: "red",
    Readiness.UNKNOWN: "magenta",
    Readiness.EXCLUDED: "dim",
    Readiness.OUT_OF_SCOPE: "dim",
    Readiness.SET_ASIDE: "dim",
}
_SEVERITY_STYLE = {
    Severity.CRITICAL: "bold red",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


def print_warnings(result: AuditResult) -> None:
    """The loud warnings alone, on standard error (what --quiet still prints)."""
    import click

    for warning in result.warnings:
        click.echo(terminal_safe(warning), err=True)


def print_summary(result: AuditResult, paths: list[Path]) -> None:
    """Readiness and findings counts, then the files written."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(highlight=False, soft_wrap=True)  # cron mail and CI logs get whole lines
    statuses = Counter(u.status for u in result.users)
    severities = Counter(f.severity for f in result.findings)
    in_scope, can_reset = tally(statuses.elements())
    ready_share = share(can_reset, in_scope)
    shown_share = "n/a" if ready_share is None else f"{ready_share:.1f}%"

    console.print(
        f"[bold]{escape(terminal_safe(result.tenant.label))}[/]: {shown_share} of {in_scope} users in scope"
        f" can reset their own password as of {result.as_of} ({result.as_of_origin})"
    )
    for point in result.timeline:
        console.print(f"  {escape(timeline_line(point))}")
    console.print(escape(terminal_safe(reality_line(result.reality))))
    for warning in result.warnings:
        console.print(f"[bold red]{escape(warning)}[/]")
    for assumption in result.assumptions:
        console.print(f"[yellow]Assumed:[/] {escape(assumption)}")
    table = Table()
    table.add_column("Readiness")
    table.add_column("Users", justify="right")
    for status in Readiness:
        table.add_row(f"[{_STATUS_STYLE[status]}]{status.value}[/]", str(statuses[status]))
    console.print(table)
    flags = microsoft_view.tally([microsoft_view.view(u, result.tenant.collected_at) for u in result.users])
    if flags.compared:
        console.print(
            f"Microsoft's isSsprCapable differs from the verdict for {flags.disagree:,} of {flags.compared:,} users"
            " compared (each explained in the Users sheet and the user detail)"
        )
    console.print("Findings: " + ", ".join(f"[{_SEVERITY_STYLE[s]}]{severities[s]} {s.value}[/]" for s in Severity))
    for path in paths:
        console.print(f"Wrote {escape(terminal_safe(str(path)))}")
