"""``report``, ``run`` and ``demo``: judge a snapshot and write the reports."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from sspr_audit.app import ReportOptions, audit_and_write, collect_demo, collect_to_file
from sspr_audit.cli.options import (
    collect_options,
    collection_outputs,
    demo_tenant_options,
    report_options,
    report_options_without_quiet,
)
from sspr_audit.collect.options import CollectOptions
from sspr_audit.demo import demo_policy_path


@click.command()
@click.argument("snapshot_path", metavar="SNAPSHOT", type=click.Path(path_type=Path, dir_okay=False))
@report_options
def report(snapshot_path: Path, **params: Any) -> None:
    """Judge a collected SNAPSHOT and write the reports.

    The policy the run that wrote SNAPSHOT used (kept beside it) applies
    unless --policy names another. Rules run offline, so the same snapshot
    with another --policy answers "who would be stuck if we switched this on"
    without collecting again: such a what-if is recorded as one, outside the
    trend.
    """
    from sspr_audit.snapshot import recorded_policy

    report = ReportOptions.take(params)
    what_if = recorded_policy.is_what_if(snapshot_path, report.policy_path)
    policy = recorded_policy.policy_for(snapshot_path, report.policy_path)
    report = replace(report, policy_path=policy, what_if=what_if)
    if what_if and not report.quiet:
        click.echo(
            f"What-if: judged with {policy} instead of the policy its run used"
            f" ({recorded_policy.recorded(snapshot_path)}); recorded as a what-if, outside the trend"
        )
    sys.exit(audit_and_write(snapshot_path, report))


@click.command()
@collect_options
@collection_outputs
@report_options_without_quiet
@click.option(
    "--demo",
    is_flag=True,
    help="Collect the built-in demo tenant from a loopback Graph emulator (no Microsoft account).",
)
@demo_tenant_options(prefix="With --demo: ")
def run(
    demo: bool, users: int, seed: int, snapshot_path: Path | None, resume: bool, checkpoint: Path | None, **params: Any
) -> None:
    """Collect and report in one go; with --demo, from the built-in demo tenant.

    The demo starts the Graph emulator in-process on a free loopback port and
    collects through the real collector (batching, throttling, progress bar),
    then writes every report into the output folder. The policy used is kept
    beside the snapshot, so 'report SNAPSHOT' gives the same numbers.
    """
    from sspr_audit.snapshot import recorded_policy

    options = CollectOptions.from_params(params)  # before ReportOptions takes --quiet away
    report = replace(ReportOptions.take(params), quiet=options.quiet)
    if demo:
        path, note = collect_demo(options, users, seed, report.output, snapshot_path, checkpoint, resume)
        report = replace(report, policy_path=report.policy_path or demo_policy_path())
    else:
        path, note = collect_to_file(options, report.output, snapshot_path, checkpoint, resume)
    recorded_policy.record(path, report.policy_path)
    if not options.quiet:
        click.echo(f"Snapshot: {path}")
        if note:
            click.echo(note)
    sys.exit(audit_and_write(path, report))


@click.command()
@demo_tenant_options()
@report_options
def demo(users: int, seed: int, **params: Any) -> None:
    """Write a demo tenant's ground-truth snapshot and every report, offline.

    The demo tenant is a deterministic, realistic organisation in which every
    rule fires at least once; its policy (two methods, break-glass accounts
    excluded) is used unless --policy says otherwise. 'sspr-audit run --demo'
    collects the same tenant through the Graph emulator and the real
    collector instead.
    """
    from sspr_audit import snapshot
    from sspr_audit.demo.tenant import generate_tenant
    from sspr_audit.snapshot import recorded_policy

    report = ReportOptions.take(params)
    report = replace(report, policy_path=report.policy_path or demo_policy_path())
    # Judged as read back, like any snapshot: the generated tenant is gone before its users are judged.
    path = snapshot.write(
        generate_tenant(users=users, seed=seed), report.output / f"demo-snapshot-{users}-seed{seed}.json.gz"
    )
    recorded_policy.record(path, report.policy_path)
    if not report.quiet:
        click.echo(f"Demo snapshot: {path}")
    sys.exit(audit_and_write(path, report))
