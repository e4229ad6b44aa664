"""The run sequences the commands share: collect to a file; audit, write, record, summarise.

Nothing here parses the command line or prints beyond the summary; the
commands in :mod:`sspr_audit.cli` call these and choose the exit code.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sspr_audit.audit.results import AuditResult
from sspr_audit.collect.options import CollectOptions
from sspr_audit.errors import InputError, Interrupted
from sspr_audit.snapshot.models import Snapshot, User

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2
ALL_FORMATS = "html,xlsx,json,csv"
DEFAULT_OUTPUT = Path("reports")
DEMO_LATENCY_MS = 20.0  # enough for the progress display to show what a real tenant looks like


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
    as_of: str | None = None  # YYYY-MM-DD whose SSPR rules apply; default: the snapshot's collection date
    what_if: bool = False  # the policy differs from the one the snapshot's run used: kept out of the trend

    @classmethod
    def take(cls, params: dict[str, Any]) -> ReportOptions:
        """Remove this class's parameters from click's ``params`` and build the options."""
        names = [f.name for f in fields(cls) if f.name in params]
        return cls(**{name: params.pop(name) for name in names})

    @property
    def history_file(self) -> Path:
        """Where runs are recorded."""
        return self.history_path or self.output / "history.sqlite"


def audit_and_write(snapshot_path: Path, report: ReportOptions) -> int:
    """Read the snapshot, judge it, write the reports, record the run; return the exit code."""
    from sspr_audit.render import FORMATS, write_reports

    wanted = [f.strip().lower() for f in report.formats.split(",") if f.strip()]
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise InputError(f"unknown report format {', '.join(unknown) or '(none)'}; use any of: {', '.join(FORMATS)}")
    check_region(report.default_region)
    result = _judge_file(snapshot_path, report)
    changes = None
    if not report.no_history:
        from sspr_audit.history import store

        changes = store.changes_since_last_run(report.history_file, result)
    shown, shown_changes = result, changes
    if report.redact:
        from sspr_audit.render.redact import redact

        shown, shown_changes = redact(result, changes)
    gc.freeze()
    paths = write_reports(shown, report.output, wanted, changes=shown_changes)
    if report.split_by:
        from sspr_audit.render import default_stem
        from sspr_audit.render.split import write_split_workbooks

        paths += write_split_workbooks(shown, report.output, report.split_by, default_stem(shown))
    if not report.no_history:  # the history keeps full values: a local, owner-only file
        store.record_run(report.history_file, result, str(snapshot_path), what_if=report.what_if)
    if not report.quiet:
        from sspr_audit.cli.console import print_summary

        print_summary(shown, paths)
    elif shown.warnings:  # even --quiet: a run that judged almost nobody must not pass unnoticed in cron mail
        from sspr_audit.cli.console import print_warnings

        print_warnings(shown)
    return exit_code(result)


def _judge_file(snapshot_path: Path, report: ReportOptions) -> AuditResult:
    """The snapshot judged as it is read: each user is decoded, judged and let go before the next is read.

    So a million users never exist at once, only their results. A file that cannot be taken user by user (an
    older schema version, a hand-made layout, or a problem the whole read then names) is read whole, and the
    audit holds the only reference to its users, freeing each once judged.
    """
    from sspr_audit import snapshot

    try:
        head, users = snapshot.stream_users(snapshot_path)
        return _judge(head, users, report)
    except snapshot.Unstreamable:
        pass
    whole = snapshot.read(snapshot_path)
    handed = list(whole.users)
    whole = replace(whole, users=())  # the list is now all that holds the users, and the audit empties it
    return _judge(whole, handed, report)


def _judge(head: Snapshot, users: Iterable[User], report: ReportOptions) -> AuditResult:
    """Judge ``users`` of the snapshot ``head`` (which holds none) under the policy the options name."""
    from sspr_audit.audit import engine
    from sspr_audit.audit.policy import with_overrides

    resolved = with_overrides(
        engine.load_policy(report.policy_path, head), fail_on=report.fail_on, default_region=report.default_region
    )
    return engine.run(head, resolved, as_of=report.as_of, users=users)


def check_region(default_region: str | None) -> None:
    """Refuse a ``--default-region`` that is not a two-letter region code."""
    if default_region is not None:
        from sspr_audit.audit.policy import parse_region

        try:
            parse_region(default_region)
        except ValueError as exc:
            raise InputError(f"--default-region: {exc}") from None


def exit_code(result: AuditResult) -> int:
    """1 when a finding reaches the fail-on severity, else 0."""
    if result.fail_on is None:
        return EXIT_OK
    worst = max((f.severity.rank for f in result.findings), default=-1)
    return EXIT_FINDINGS if worst >= result.fail_on.rank else EXIT_OK


def collect_to_file(
    options: CollectOptions, output: Path, snapshot_path: Path | None, checkpoint: Path | None, resume: bool
) -> tuple[Path, str | None]:
    """Run one collection to a snapshot file; returns its path, and a note when users' methods went unread."""
    import asyncio
    from datetime import UTC, datetime

    from sspr_audit.collect.collector import collect_into
    from sspr_audit.collect.progress import progress_display

    path = snapshot_path or output / f"snapshot-{datetime.now(UTC):%Y%m%d-%H%M%S}.json.gz"
    checkpoint = checkpoint or output / "collect.checkpoint"
    try:
        with progress_display(options.quiet) as progress:
            stats = asyncio.run(collect_into(path, options, checkpoint=checkpoint, resume=resume, progress=progress))
    except KeyboardInterrupt:
        raise Interrupted(resume_hint(checkpoint)) from None
    return path, unread_note(stats.users_unread, options, checkpoint, stats.sources_unread)


def unread_note(unread: int, options: CollectOptions, checkpoint: Path, sources: tuple[str, ...] = ()) -> str | None:
    """What the run could not read, and what to do about it; None when nothing was left out."""
    if not unread and not sources:
        return None
    people = "user" if unread == 1 else "users"
    if options.max_minutes and checkpoint.exists():
        missing = []
        if sources:
            missing.append(f"{', '.join(sources)} not read")
        if unread:
            missing.append(f"methods detail not read for {unread:,} {people}")
        return (
            f"Within --max-minutes {options.max_minutes:g}: {'; '.join(missing)}. What was not read is marked so"
            f" in every output, never judged as empty. Run the same command with --resume to read the rest"
            f" (what was read is kept in {checkpoint})."
        )
    return (
        f"Methods detail not read for {unread:,} {people} (--methods-detail {options.methods_detail}):"
        " they are judged on the registration report and marked so."
    )


def resume_hint(checkpoint: Path) -> str:
    """What an interrupted collection leaves, and how to go on."""
    if checkpoint.exists():
        return f"what was read is kept in {checkpoint}: run the same command with --resume to continue"
    return "no user had been read yet, so nothing was kept: run the same command to start again"


def collect_demo(
    options: CollectOptions,
    users: int,
    seed: int,
    output: Path,
    snapshot_path: Path | None,
    checkpoint: Path | None,
    resume: bool,
) -> tuple[Path, str | None]:
    """Collect the demo tenant from an in-process emulator through the real collector."""
    from sspr_audit.demo.tenant import SCOPE_GROUP, generate_tenant
    from sspr_audit.emulator.config import EmulatorConfig
    from sspr_audit.emulator.server import emulator_in_thread

    config = EmulatorConfig(latency_ms=DEMO_LATENCY_MS, seed=seed)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")  # the demo's dates and events lead up to this run
    with emulator_in_thread(generate_tenant(users=users, seed=seed, collected_at=now), config) as emulator:
        demo_options = replace(
            options,
            graph_url=emulator.url,
            graph_label=f"sspr-audit demo tenant ({users} users, seed {seed})",
            access_token=config.token,
            cloud="global",
            scope_groups=options.scope_groups or (SCOPE_GROUP,),  # the demo policy's SSPR scope
        )
        return collect_to_file(
            demo_options,
            output,
            snapshot_path or output / f"demo-snapshot-{users}-seed{seed}.json.gz",
            checkpoint or output / "demo-collect.checkpoint",
            resume,
        )
