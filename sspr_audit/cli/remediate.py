"""``remediate``: propose corrections for malformed contact data."""

from __future__ import annotations

from pathlib import Path

import click

from sspr_audit.app import check_region
from sspr_audit.cli.options import output_folder_option, policy_option, quiet_option, region_option
from sspr_audit.text import terminal_safe


@click.command()
@click.argument("snapshot_path", metavar="SNAPSHOT", type=click.Path(path_type=Path, dir_okay=False))
@output_folder_option("Folder for remediation.csv, remediation.xlsx and remediate.ps1.")
@policy_option(
    "Policy file (TOML); its default region reads national numbers. Default: the policy the snapshot's run used."
)
@region_option
@quiet_option
def remediate(
    snapshot_path: Path, output: Path, policy_path: Path | None, default_region: str | None, quiet: bool
) -> None:
    """Propose corrections for malformed contact data in SNAPSHOT.

    Writes remediation.csv and remediation.xlsx (every proposed change, who
    can make it, and what a person must decide; the workbook's cells are text)
    and remediate.ps1, a Microsoft Graph PowerShell
    script for cloud-only users that changes nothing unless run with -Apply.
    Synced users are listed for correction in on-premises AD instead.
    """
    from sspr_audit import snapshot
    from sspr_audit.audit import engine
    from sspr_audit.audit.policy import with_overrides
    from sspr_audit.remediation.files import write_remediation
    from sspr_audit.remediation.plan import plan_remediation
    from sspr_audit.snapshot.recorded_policy import policy_for

    check_region(default_region)
    snap = snapshot.read(snapshot_path)
    chosen = policy_for(snapshot_path, policy_path)
    policy = engine.load_policy(chosen, snap)
    plan = plan_remediation(snap, with_overrides(policy, default_region=default_region))
    paths = write_remediation(plan, output)
    if not quiet:
        click.echo(terminal_safe(_policy_line(chosen, given=policy_path is not None)))
        click.echo(terminal_safe(plan.summary()))
        for path in paths:
            click.echo(f"Wrote {path}")


def _policy_line(chosen: Path | None, *, given: bool) -> str:
    """Which policy chose the users to plan for: its scope and exclusions decide who is listed."""
    if chosen is None:
        return "Policy: none (defaults and the tenant's settings decide who is in scope)"
    return f"Policy: {chosen}" + ("" if given else " (the policy the snapshot's run used)")
