"""What the CLI prints after an audit: a short summary people can act on."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from sspr_audit.results import AuditResult, Readiness, Severity

_STATUS_STYLE = {
    Readiness.READY: "green", Readiness.READY_UNVERIFIED: "cyan", Readiness.AT_RISK: "yellow",
    Readiness.NOT_READY: "red", Readiness.UNKNOWN: "magenta", Readiness.EXCLUDED: "dim", Readiness.OUT_OF_SCOPE: "dim",
}
_SEVERITY_STYLE = {Severity.CRITICAL: "bold red", Severity.HIGH: "red", Severity.MEDIUM: "yellow",
                   Severity.LOW: "cyan", Severity.INFO: "dim"}


def print_summary(result: AuditResult, paths: list[Path]) -> None:
    """Readiness and findings counts, then the files written."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(highlight=False)
    statuses = Counter(u.status for u in result.users)
    severities = Counter(f.severity for f in result.findings)
    in_scope = sum(n for s, n in statuses.items() if s not in (Readiness.EXCLUDED, Readiness.OUT_OF_SCOPE))
    can_reset = statuses[Readiness.READY] + statuses[Readiness.READY_UNVERIFIED] + statuses[Readiness.AT_RISK]
    share = f"{100 * can_reset / in_scope:.1f}%" if in_scope else "n/a"

    console.print(f"[bold]{escape(result.tenant.display_name)}[/]: {share} of {in_scope} users in scope can reset"
                  " their own password")
    table = Table()
    table.add_column("Readiness")
    table.add_column("Users", justify="right")
    for status in Readiness:
        table.add_row(f"[{_STATUS_STYLE[status]}]{status.value}[/]", str(statuses[status]))
    console.print(table)
    console.print("Findings: " + ", ".join(
        f"[{_SEVERITY_STYLE[s]}]{severities[s]} {s.value}[/]" for s in Severity))
    for path in paths:
        console.print(f"Wrote {escape(str(path))}")
