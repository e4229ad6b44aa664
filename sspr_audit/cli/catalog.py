"""``rules`` and ``policy``: the rule catalog and policy files."""

from __future__ import annotations

from pathlib import Path

import click

from sspr_audit.cli.help import WholeSummaries
from sspr_audit.errors import InputError


@click.command()
@click.option("--format", "fmt", type=click.Choice(("table", "json", "markdown")), default="table", show_default=True)
def rules(fmt: str) -> None:
    """Print the rule catalog: ids, severities, why each matters and how to fix it."""
    import shutil
    import sys

    from sspr_audit.audit.rules import catalog

    width = min(shutil.get_terminal_size().columns, 100) - 1 if sys.stdout.isatty() else None
    click.echo(catalog.render(fmt, width))


@click.group(cls=WholeSummaries)
def policy() -> None:
    """Work with policy files."""


@policy.command("init")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False), default=Path("sspr-audit-policy.toml"))
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def policy_init(path: Path, force: bool) -> None:
    """Write a commented default policy file to PATH."""
    from sspr_audit.audit.policy import DEFAULT_POLICY_TOML
    from sspr_audit.files import write_atomic

    if path.exists() and not force:
        raise InputError(f"{path}: already exists; use --force to overwrite")
    write_atomic(path, DEFAULT_POLICY_TOML)
    click.echo(f"Wrote {path}")


@policy.command("check")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
def policy_check(path: Path) -> None:
    """Check a policy file's keys and values without running an audit."""
    from sspr_audit.audit import policy as policy_file
    from sspr_audit.audit.rules.registry import rule_ids

    declared = policy_file.load(path, known_rules=rule_ids())
    click.echo(f"{path}: OK ({len(declared)} setting(s) declared)")
