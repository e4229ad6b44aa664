"""The command line: thin click commands that parse, call the library and pick exit codes.

Exit codes: 0 done; 1 a finding at or above ``--fail-on`` exists; 2 usage or
input error (one line on stderr, never a traceback). Heavy libraries are
imported inside the commands that need them so ``--help`` starts fast.
"""

from __future__ import annotations

import gc
import sys
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import click

from sspr_audit import __version__
from sspr_audit.collect.options import CollectOptions, collect_options
from sspr_audit.errors import InputError

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2
SEVERITY_CHOICES = ("critical", "high", "medium", "low", "info", "none")
ALL_FORMATS = "html,xlsx,json,csv"
DEFAULT_OUTPUT = Path("reports")
DEMO_LATENCY_MS = 20.0  # enough for the progress display to show what a real tenant looks like


class _Group(click.Group):
    """Turns :class:`InputError` into one line on stderr and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InputError as exc:
            click.echo(f"sspr-audit: error: {exc}", err=True)
            ctx.exit(EXIT_INPUT)
        except KeyboardInterrupt:
            click.echo("sspr-audit: interrupted", err=True)
            ctx.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sspr-audit")
def main() -> None:
    """Who can and who cannot reset their own password with Microsoft Entra ID SSPR.

    Collect a tenant through Microsoft Graph (or use the built-in demo tenant),
    judge every user against SSPR's rules, and write HTML, Excel, JSON and CSV
    reports.
    """


@dataclass(frozen=True)
class ReportOptions:
    """What the report-writing commands (report, run, demo) were asked for."""

    output: Path = DEFAULT_OUTPUT
    formats: str = ALL_FORMATS
    policy_path: Path | None = None
    fail_on: str | None = None
    default_region: str | None = None
    quiet: bool = False
    history_path: Path | None = None  # default: history.sqlite in the output folder
    no_history: bool = False
    split_by: str | None = None  # "department" or "manager": one workbook per group too
    redact: bool = False  # mask phone numbers and email addresses in every output

    @classmethod
    def take(cls, params: dict[str, Any]) -> ReportOptions:
        """Remove this class's parameters from click's ``params`` and build the options."""
        names = [f.name for f in fields(cls) if f.name in params]
        return cls(**{name: params.pop(name) for name in names})

    @property
    def history_file(self) -> Path:
        """Where runs are recorded."""
        return self.history_path or self.output / "history.sqlite"


def report_options(func):
    """Options shared by every command that writes reports."""
    func = click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")(func)
    return report_options_without_quiet(func)


def report_options_without_quiet(func):
    """Report options for commands that take --quiet from the collector's options."""
    options = [
        click.option("-o", "--output", "output", type=click.Path(path_type=Path, file_okay=False),
                     default=DEFAULT_OUTPUT, show_default=True, help="Folder for the reports."),
        click.option("-f", "--format", "formats", default=ALL_FORMATS, show_default=True,
                     help="Comma-separated report formats: html, xlsx, json, csv."),
        click.option("--policy", "policy_path", type=click.Path(path_type=Path, dir_okay=False),
                     help="Policy file (TOML); see 'sspr-audit policy init'."),
        click.option("--fail-on", type=click.Choice(SEVERITY_CHOICES), default=None,
                     help="Exit 1 when a finding at or above this severity exists (overrides the policy)."),
        click.option("--default-region", metavar="CC",
                     help="Region for national-format phone numbers, e.g. US (overrides the policy)."),
        click.option("--history", "history_path", type=click.Path(path_type=Path, dir_okay=False),
                     envvar="SSPR_AUDIT_HISTORY", help="Run history (SQLite); default: history.sqlite in the"
                     " output folder."),
        click.option("--no-history", is_flag=True, help="Neither record this run nor show changes since the last."),
        click.option("--split-by", type=click.Choice(("department", "manager")), default=None,
                     help="Also write one workbook per department or manager (only its people, with a 'What to"
                          " do' column) and an index workbook."),
        click.option("--redact", is_flag=True,
                     help="Mask phone numbers and email addresses in every output (country code and last digits,"
                          " first letter and domain stay); names and UPNs stay."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@main.command()
@click.argument("snapshot_path", metavar="SNAPSHOT", type=click.Path(path_type=Path, dir_okay=False))
@report_options
def report(snapshot_path: Path, **params: Any) -> None:
    """Judge a collected SNAPSHOT and write the reports.

    Rules run offline, so the same snapshot with another --policy answers
    "who would be stuck if we switched this on" without collecting again.
    """
    from sspr_audit import snapshot

    sys.exit(_audit_and_write(snapshot.read(snapshot_path), ReportOptions.take(params), snapshot_path))


def _collection_outputs(func):
    """Where a collection writes its snapshot and its checkpoint."""
    options = [
        click.option("--snapshot", "snapshot_path", type=click.Path(path_type=Path, dir_okay=False),
                     help="Snapshot file to write (.json or .json.gz); default: a timestamped file in the"
                          " output folder."),
        click.option("--resume", is_flag=True, help="Continue an interrupted collection from its checkpoint."),
        click.option("--checkpoint", type=click.Path(path_type=Path, dir_okay=False),
                     help="Checkpoint file; default: collect.checkpoint in the output folder."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@main.command()
@collect_options
@click.option("-o", "--output", type=click.Path(path_type=Path, file_okay=False), default=DEFAULT_OUTPUT,
              show_default=True, help="Folder for the snapshot and the checkpoint.")
@_collection_outputs
def collect(output: Path, snapshot_path: Path | None, resume: bool, checkpoint: Path | None, **params: Any) -> None:
    """Read a tenant through Microsoft Graph into a snapshot file.

    Sign in with a client secret (AZURE_CLIENT_SECRET), a certificate, a
    device code, a browser, an access token, or else DefaultAzureCredential
    (Azure CLI, managed identity, environment). An interrupted collection
    continues with --resume.
    """
    options = CollectOptions.from_params(params)
    path = _collect(options, output, snapshot_path, checkpoint, resume)
    if not options.quiet:
        click.echo(f"Snapshot: {path}")


@main.command()
@collect_options
@_collection_outputs
@report_options_without_quiet
@click.option("--demo", is_flag=True,
              help="Collect the built-in demo tenant from a loopback Graph emulator (no Microsoft account).")
@click.option("--users", type=click.IntRange(10, 200_000), default=250, show_default=True,
              help="With --demo: users in the demo tenant.")
@click.option("--seed", type=int, default=7, show_default=True, help="With --demo: seed of the demo tenant.")
def run(demo: bool, users: int, seed: int, snapshot_path: Path | None, resume: bool, checkpoint: Path | None,
        **params: Any) -> None:
    """Collect and report in one go; with --demo, from the built-in demo tenant.

    The demo starts the Graph emulator in-process on a free loopback port and
    collects through the real collector (batching, throttling, progress bar),
    then writes every report into the output folder.
    """
    from sspr_audit import snapshot

    report = ReportOptions.take(params)
    options = CollectOptions.from_params(params)
    report = replace(report, quiet=options.quiet)
    if demo:
        path = _collect_demo(options, users, seed, report.output, snapshot_path, checkpoint, resume)
        report = replace(report, policy_path=report.policy_path or demo_policy_path())
    else:
        path = _collect(options, report.output, snapshot_path, checkpoint, resume)
    if not options.quiet:
        click.echo(f"Snapshot: {path}")
    sys.exit(_audit_and_write(snapshot.read(path), report, path))


@main.command()
@click.option("--users", type=click.IntRange(10, 200_000), default=250, show_default=True,
              help="Users in the demo tenant.")
@click.option("--seed", type=int, default=7, show_default=True, help="Seed of the demo tenant generator.")
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
    from sspr_audit.emulator.tenant_generator import generate_tenant

    report = ReportOptions.take(params)
    report = replace(report, policy_path=report.policy_path or demo_policy_path())
    truth = generate_tenant(users=users, seed=seed)
    path = snapshot.write(truth, report.output / f"demo-snapshot-{users}-seed{seed}.json.gz")
    if not report.quiet:
        click.echo(f"Demo snapshot: {path}")
    sys.exit(_audit_and_write(truth, report, path))


@main.command("history")
@click.option("--tenant", "tenant_id", metavar="ID", help="Only this tenant (tenant id).")
@click.option("--history", "history_path", type=click.Path(path_type=Path, dir_okay=False),
              default=DEFAULT_OUTPUT / "history.sqlite", show_default=True, envvar="SSPR_AUDIT_HISTORY",
              help="Run history file (SQLite).")
def history_command(tenant_id: str | None, history_path: Path) -> None:
    """List recorded runs: date, tenant, users, ready share, findings by severity."""
    from sspr_audit import history
    from sspr_audit.changes import render_runs

    click.echo(render_runs(history.list_runs(history_path, tenant_id)), nl=False)


@main.command()
@click.argument("old", required=False)
@click.argument("new", required=False)
@click.option("--tenant", "tenant_id", metavar="ID", help="Tenant whose last two runs to compare.")
@click.option("--history", "history_path", type=click.Path(path_type=Path, dir_okay=False),
              default=DEFAULT_OUTPUT / "history.sqlite", show_default=True, envvar="SSPR_AUDIT_HISTORY",
              help="Run history file (SQLite).")
@click.option("--policy", "policy_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Policy to judge snapshot arguments with.")
@click.option("-f", "--format", "fmt", type=click.Choice(("text", "json", "html")), default="text",
              show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="Write to a file.")
def diff(old: str | None, new: str | None, tenant_id: str | None, history_path: Path, policy_path: Path | None,
         fmt: str, output: Path | None) -> None:
    """Show what changed between two runs: OLD and NEW are run ids or snapshot files.

    Without arguments, the tenant's last two recorded runs; with one, that run
    against the tenant's latest. New and resolved findings, users who became
    not ready, administrators who lost a method, users who joined or left
    the scope.
    """
    import json

    from sspr_audit import history
    from sspr_audit.changes import compare, render_html, render_text, to_json
    from sspr_audit.files import write_atomic

    if old is None:
        old_run, new_run = history.latest_pair(history_path, tenant_id)
    else:
        old_run = _run_or_snapshot(old, history_path, policy_path)
        new_run = (_run_or_snapshot(new, history_path, policy_path) if new is not None
                   else history.previous_run(history_path, old_run.summary.tenant_id))
        if new_run is None:
            raise InputError(f"{history_path}: no recorded run of this tenant to compare with")
    changes = compare(old_run, new_run)
    if fmt == "json":
        text = json.dumps(to_json(changes), indent=2, ensure_ascii=False) + "\n"
    else:
        text = render_html(changes) if fmt == "html" else render_text(changes)
    if output:
        write_atomic(output, text)
    else:
        click.echo(text, nl=False)


def _run_or_snapshot(arg: str, history_path: Path, policy_path: Path | None):
    """A run id from the history, or a snapshot file audited now."""
    from sspr_audit import engine, history, snapshot
    from sspr_audit.changes import run_from_result

    if arg.isdigit() and not Path(arg).exists():
        return history.load_run(history_path, int(arg))
    snap = snapshot.read(Path(arg))
    return run_from_result(engine.run(snap, engine.load_policy(policy_path, snap)), str(arg))


@main.command()
@click.option("--users", type=click.IntRange(10, 200_000), default=250, show_default=True,
              help="Users in the demo tenant.")
@click.option("--seed", type=int, default=7, show_default=True, help="Seed of the demo tenant and of the faults.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback).")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="Port (0: any free).")
@click.option("--latency-ms", type=click.FloatRange(0, 60_000), default=0.0, show_default=True,
              help="Mean added latency per response, with jitter.")
@click.option("--throttle", type=click.Choice(("documented", "off")), default="documented", show_default=True,
              help="Model Microsoft's documented throttling limits.")
@click.option("--faults", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Share of requests answered with an injected fault (500/503, reset, slow).")
@click.option("--unlicensed", is_flag=True, help="Answer 403 for the registration report and PIM (no P1/P2).")
@click.option("--token", default="sspr-audit-demo-token", show_default=True, help="The bearer token accepted.")
def emulate(users: int, seed: int, host: str, port: int, latency_ms: float, throttle: str, faults: float,
            unlicensed: bool, token: str) -> None:
    """Serve the demo tenant as a Microsoft Graph v1.0 emulator on loopback.

    Point any Graph client at it, e.g. 'sspr-audit collect --graph-url URL
    --access-token TOKEN'. Ctrl-C stops it.
    """
    from sspr_audit.emulator.config import EmulatorConfig
    from sspr_audit.emulator.server import serve_forever
    from sspr_audit.emulator.tenant_generator import generate_tenant

    config = EmulatorConfig(token=token, latency_ms=latency_ms, throttle=throttle, fault_rate=faults, seed=seed,
                            unlicensed=unlicensed)
    truth = generate_tenant(users=users, seed=seed)

    def ready(url: str) -> None:
        click.echo(f"Graph emulator for {users} demo users at {url}/v1.0 (Ctrl-C to stop)")
        click.echo(f"  sspr-audit collect --graph-url {url} --access-token {token}")

    serve_forever(truth, config, host, port, ready)


def _collect(options, output: Path, snapshot_path: Path | None, checkpoint: Path | None, resume: bool) -> Path:
    """Run one collection to a snapshot file; returns its path."""
    import asyncio
    from datetime import UTC, datetime

    from sspr_audit.collect.collector import collect as run_collection
    from sspr_audit.collect.progress import progress_display

    path = snapshot_path or output / f"snapshot-{datetime.now(UTC):%Y%m%d-%H%M%S}.json.gz"
    with progress_display(options.quiet) as progress:
        asyncio.run(run_collection(options, checkpoint=checkpoint or output / "collect.checkpoint", resume=resume,
                                   progress=progress, output=path))
    return path


def _collect_demo(options, users: int, seed: int, output: Path, snapshot_path: Path | None,
                  checkpoint: Path | None, resume: bool) -> Path:
    """Collect the demo tenant from an in-process emulator through the real collector."""
    from dataclasses import replace

    from sspr_audit.emulator.config import EmulatorConfig
    from sspr_audit.emulator.server import emulator_in_thread
    from sspr_audit.emulator.tenant_generator import generate_tenant

    config = EmulatorConfig(latency_ms=DEMO_LATENCY_MS, seed=seed)
    with emulator_in_thread(generate_tenant(users=users, seed=seed), config) as emulator:
        demo_options = replace(options, graph_url=emulator.url, access_token=config.token, cloud="global")
        path = _collect(demo_options, output, snapshot_path or output / f"demo-snapshot-{users}-seed{seed}.json.gz",
                        checkpoint or output / "demo-collect.checkpoint", resume)
    return path


@main.command()
@click.argument("snapshot_path", metavar="SNAPSHOT", type=click.Path(path_type=Path, dir_okay=False))
@click.option("-o", "--output", type=click.Path(path_type=Path, file_okay=False), default=DEFAULT_OUTPUT,
              show_default=True, help="Folder for remediation.csv and remediate.ps1.")
@click.option("--policy", "policy_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Policy file (TOML); its default region reads national numbers.")
@click.option("--default-region", metavar="CC", help="Region for national-format phone numbers (overrides the policy).")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
def remediate(snapshot_path: Path, output: Path, policy_path: Path | None, default_region: str | None,
              quiet: bool) -> None:
    """Propose corrections for malformed contact data in SNAPSHOT.

    Writes remediation.csv (every proposed change, who can make it, and what
    a person must decide) and remediate.ps1, a Microsoft Graph PowerShell
    script for cloud-only users that changes nothing unless run with -Apply.
    Synced users are listed for correction in on-premises AD instead.
    """
    from sspr_audit import engine, snapshot
    from sspr_audit.policy import with_overrides
    from sspr_audit.remediation import plan_remediation
    from sspr_audit.render.remediation_files import write_remediation

    _check_region(default_region)
    snap = snapshot.read(snapshot_path)
    plan = plan_remediation(snap, with_overrides(engine.load_policy(policy_path, snap), default_region=default_region))
    paths = write_remediation(plan, output)
    if not quiet:
        click.echo(plan.summary())
        for path in paths:
            click.echo(f"Wrote {path}")


@main.command()
@click.option("--format", "fmt", type=click.Choice(("table", "json", "markdown")), default="table",
              show_default=True)
def rules(fmt: str) -> None:
    """Print the rule catalog: ids, severities, why each matters and how to fix it."""
    from sspr_audit import catalog

    click.echo(catalog.render(fmt))


@main.group()
def policy() -> None:
    """Work with policy files."""


@policy.command("init")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False), default=Path("sspr-audit-policy.toml"))
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def policy_init(path: Path, force: bool) -> None:
    """Write a commented default policy file to PATH."""
    from sspr_audit.files import write_atomic
    from sspr_audit.policy import DEFAULT_POLICY_TOML

    if path.exists() and not force:
        raise InputError(f"{path}: already exists; use --force to overwrite")
    write_atomic(path, DEFAULT_POLICY_TOML)
    click.echo(f"Wrote {path}")


@policy.command("check")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
def policy_check(path: Path) -> None:
    """Check a policy file's keys and values without running an audit."""
    from sspr_audit import policy as policy_file
    from sspr_audit.rules.registry import rule_ids

    declared = policy_file.load(path, known_rules=rule_ids())
    click.echo(f"{path}: OK ({len(declared)} setting(s) declared)")


def demo_policy_path() -> Path:
    """The policy shipped for the demo tenant (two methods, break-glass accounts excluded)."""
    from importlib.resources import files

    return Path(str(files("sspr_audit") / "data" / "demo-policy.toml"))


def _audit_and_write(snap, report: ReportOptions, snapshot_path: Path | None = None) -> int:
    """Judge ``snap``, write the reports, record the run; return the exit code."""
    from sspr_audit import engine
    from sspr_audit.policy import with_overrides
    from sspr_audit.render import FORMATS, write_reports

    wanted = [f.strip().lower() for f in report.formats.split(",") if f.strip()]
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise InputError(f"unknown report format {', '.join(unknown) or '(none)'}; use any of: {', '.join(FORMATS)}")
    _check_region(report.default_region)
    resolved = with_overrides(engine.load_policy(report.policy_path, snap), fail_on=report.fail_on,
                              default_region=report.default_region)
    gc.freeze()  # the snapshot lives to the end: spare the garbage collector rescanning it
    result = engine.run(snap, resolved)
    if not report.no_history:
        from sspr_audit import history

        result = replace(result, changes=history.changes_since_last_run(report.history_file, result))
    shown = result
    if report.redact:
        from sspr_audit.redact import redact_result

        shown = redact_result(result)
    gc.freeze()
    paths = write_reports(shown, report.output, wanted)
    if report.split_by:
        from sspr_audit.render import default_stem
        from sspr_audit.render.split import write_split_workbooks

        paths += write_split_workbooks(shown, report.output, report.split_by, default_stem(shown))
    if not report.no_history:  # the history keeps full values: a local, owner-only file
        history.record_run(report.history_file, result, str(snapshot_path) if snapshot_path else None)
    if not report.quiet:
        from sspr_audit.console import print_summary

        print_summary(shown, paths)
    return exit_code(result)


def _check_region(default_region: str | None) -> None:
    if default_region is not None:
        from sspr_audit.policy import parse_region

        try:
            parse_region(default_region)
        except ValueError as exc:
            raise InputError(f"--default-region: {exc}") from None


def exit_code(result) -> int:
    """1 when a finding reaches the fail-on severity, else 0."""
    if result.fail_on is None:
        return EXIT_OK
    worst = max((f.severity.rank for f in result.findings), default=-1)
    return EXIT_FINDINGS if worst >= result.fail_on.rank else EXIT_OK
