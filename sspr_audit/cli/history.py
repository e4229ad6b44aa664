"""``history`` and ``diff``: past runs, and what changed between two of them."""

from __future__ import annotations

from pathlib import Path

import click

from sspr_audit.app import DEFAULT_OUTPUT
from sspr_audit.cli.options import history_file_option, policy_option
from sspr_audit.errors import InputError
from sspr_audit.history.compare import OrderedRun, StoredRun
from sspr_audit.text import terminal_safe

DEFAULT_HISTORY = DEFAULT_OUTPUT / "history.sqlite"


@click.command("history")
@click.option("--tenant", "tenant_id", metavar="ID", help="Only this tenant (tenant id).")
@click.option("--what-if", "what_ifs", is_flag=True, help="List what-if runs (another policy) too.")
@history_file_option(DEFAULT_HISTORY)
def history(tenant_id: str | None, what_ifs: bool, history_path: Path) -> None:
    """List recorded runs: date, tenant, users, ready share, findings by severity."""
    from sspr_audit.history import store
    from sspr_audit.render.changes import render_runs

    click.echo(terminal_safe(render_runs(store.list_runs(history_path, tenant_id, what_ifs))), nl=False)


@click.command()
@click.argument("old", required=False)
@click.argument("new", required=False)
@click.option("--tenant", "tenant_id", metavar="ID", help="Tenant whose last two runs to compare.")
@history_file_option(DEFAULT_HISTORY)
@policy_option("Policy to judge snapshot arguments with; default: the policy each snapshot's run used.")
@click.option("-f", "--format", "fmt", type=click.Choice(("text", "json", "html")), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="Write to a file.")
def diff(
    old: str | None,
    new: str | None,
    tenant_id: str | None,
    history_path: Path,
    policy_path: Path | None,
    fmt: str,
    output: Path | None,
) -> None:
    """Show what changed between two runs: OLD and NEW are run ids or snapshot files.

    Without arguments, the tenant's last two recorded runs; with one, that run
    against the tenant's latest. New and resolved findings, users who became
    not ready, administrators who lost a method, users who joined or left
    the scope.
    """
    import json

    from sspr_audit.files import write_atomic
    from sspr_audit.history import store
    from sspr_audit.history.compare import compare
    from sspr_audit.render.changes import render_html, render_text, to_json

    old_run: StoredRun | OrderedRun
    new_run: StoredRun | OrderedRun
    if old is None:
        old_run, new_run = store.latest_pair(history_path, tenant_id)
    else:
        old_run = _run_or_snapshot(old, history_path, policy_path)
        newer = (
            _run_or_snapshot(new, history_path, policy_path)
            if new is not None
            else store.previous_run(history_path, old_run.summary.tenant_id)
        )
        if newer is None:
            raise InputError(f"{history_path}: no recorded run of this tenant to compare with")
        new_run = newer
    changes = compare(old_run, new_run)
    if fmt == "json":
        text = json.dumps(to_json(changes), indent=2, ensure_ascii=False) + "\n"
    else:
        text = render_html(changes) if fmt == "html" else render_text(changes)
    if output:
        write_atomic(output, text)
    else:
        click.echo(terminal_safe(text), nl=False)


def _run_or_snapshot(arg: str, history_path: Path, policy_path: Path | None) -> StoredRun | OrderedRun:
    """A run id from the history, or a snapshot file audited now."""
    from sspr_audit import snapshot
    from sspr_audit.audit import engine
    from sspr_audit.history import store
    from sspr_audit.history.compare import run_from_result
    from sspr_audit.snapshot.recorded_policy import policy_for

    if arg.isdigit() and not Path(arg).exists():
        return store.ordered_run(history_path, int(arg))
    snap = snapshot.read(Path(arg))
    policy = engine.load_policy(policy_for(Path(arg), policy_path), snap)
    return run_from_result(engine.run(snap, policy), str(arg))
