"""Click options, each defined once and shared by the commands that take it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from sspr_audit.app import ALL_FORMATS, DEFAULT_OUTPUT
from sspr_audit.collect.endpoint import CLOUDS
from sspr_audit.collect.options import DEFAULT_CONCURRENCY, DEFAULT_MAX_PAGES, MAX_CONCURRENCY
from sspr_audit.collect.plan import METHODS_DETAIL

F = TypeVar("F", bound=Callable[..., Any])
SEVERITY_CHOICES = ("critical", "high", "medium", "low", "info", "none")
MAX_DEMO_USERS = 1_000_000


def _apply(func: F, options: list[Callable[[F], F]]) -> F:
    for option in reversed(options):
        func = option(func)
    return func


def quiet_option(func: F) -> F:
    """``-q``: print nothing but errors."""
    return click.option(
        "-q", "--quiet", is_flag=True, help="Print nothing but errors and the loud exclusion warning (TEN003)."
    )(func)


def policy_option(help: str = "Policy file (TOML); see 'sspr-audit policy init'.") -> Callable[[F], F]:
    """``--policy FILE``."""
    return click.option("--policy", "policy_path", type=click.Path(path_type=Path, dir_okay=False), help=help)


def region_option(func: F) -> F:
    """``--default-region CC``."""
    return click.option(
        "--default-region",
        metavar="CC",
        help="Region for national-format phone numbers, e.g. US (overrides the policy).",
    )(func)


def as_of_option(func: F) -> F:
    """``--as-of YYYY-MM-DD``: judge by Microsoft's SSPR rules of that day."""
    return click.option(
        "--as-of",
        "as_of",
        metavar="YYYY-MM-DD",
        help="Judge by Microsoft's SSPR rules of this day (default: the snapshot's collection date), e.g."
        " 2027-02-01 to see whom the SMS and voice retirement strands.",
    )(func)


def output_folder_option(help: str) -> Callable[[F], F]:
    """``-o DIR``: the folder a command writes into."""
    return click.option(
        "-o",
        "--output",
        "output",
        type=click.Path(path_type=Path, file_okay=False),
        default=DEFAULT_OUTPUT,
        show_default=True,
        help=help,
    )


def history_file_option(default: Path | None = None) -> Callable[[F], F]:
    """``--history FILE``: the SQLite run history."""
    help = (
        "Run history file (SQLite)."
        if default is not None
        else "Run history (SQLite); default: history.sqlite in the output folder."
    )
    return click.option(
        "--history",
        "history_path",
        type=click.Path(path_type=Path, dir_okay=False),
        default=default,
        show_default=default is not None,
        envvar="SSPR_AUDIT_HISTORY",
        help=help,
    )


def demo_tenant_options(seed_help: str = "Seed of the demo tenant generator.", prefix: str = "") -> Callable[[F], F]:
    """``--users N --seed S``: the size and seed of the demo tenant."""

    def decorate(func: F) -> F:
        return _apply(
            func,
            [
                click.option(
                    "--users",
                    type=click.IntRange(10, MAX_DEMO_USERS),
                    default=250,
                    show_default=True,
                    help=f"{prefix}Users in the demo tenant.",
                ),
                click.option("--seed", type=int, default=7, show_default=True, help=f"{prefix}{seed_help}"),
            ],
        )

    return decorate


def report_options_without_quiet(func: F) -> F:
    """Report options for commands that take --quiet from the collector's options."""
    return _apply(
        func,
        [
            output_folder_option("Folder for the reports."),
            click.option(
                "-f",
                "--format",
                "formats",
                default=ALL_FORMATS,
                show_default=True,
                help="Comma-separated report formats: html, xlsx, json, csv.",
            ),
            policy_option(),
            click.option(
                "--fail-on",
                type=click.Choice(SEVERITY_CHOICES),
                default=None,
                help="Exit 1 when a finding at or above this severity exists (overrides the policy).",
            ),
            region_option,
            history_file_option(),
            click.option("--no-history", is_flag=True, help="Neither record this run nor show changes since the last."),
            click.option(
                "--split-by",
                type=click.Choice(("department", "manager")),
                default=None,
                help="Also write one workbook per department or manager (only its people, with a 'What to"
                " do' column) and an index workbook.",
            ),
            as_of_option,
            click.option(
                "--redact",
                is_flag=True,
                help="Mask phone numbers and email addresses in every output (country code and last digits,"
                " first letter and domain stay); names and UPNs stay.",
            ),
        ],
    )


def report_options(func: F) -> F:
    """Options shared by every command that writes reports."""
    return quiet_option(report_options_without_quiet(func))


def collection_outputs(func: F) -> F:
    """Where a collection writes its snapshot and its checkpoint."""
    return _apply(
        func,
        [
            click.option(
                "--snapshot",
                "snapshot_path",
                type=click.Path(path_type=Path, dir_okay=False),
                help="Snapshot file to write (.json or .json.gz); default: a timestamped file in the output folder.",
            ),
            click.option("--resume", is_flag=True, help="Continue an interrupted collection from its checkpoint."),
            click.option(
                "--checkpoint",
                type=click.Path(path_type=Path, dir_okay=False),
                help="Checkpoint file; default: collect.checkpoint in the output folder.",
            ),
        ],
    )


def collect_options(func: F) -> F:
    """The collector's options: sign-in, cloud, scope groups, pace."""
    return _apply(
        func,
        [
            click.option("--tenant-id", metavar="ID", help="Directory (tenant) id to sign in to."),
            click.option("--client-id", metavar="ID", help="Application (client) id of the app registration."),
            click.option(
                "--client-secret",
                metavar="SECRET",
                envvar="AZURE_CLIENT_SECRET",
                show_envvar=True,
                help="Client secret of the app registration (prefer the environment variable).",
            ),
            click.option(
                "--certificate",
                metavar="PATH",
                type=click.Path(dir_okay=False, path_type=Path),
                help="PEM/PKCS12 certificate of the app registration.",
            ),
            click.option("--device-code", is_flag=True, help="Sign in as a person with a device code."),
            click.option("--interactive", is_flag=True, help="Sign in as a person in a browser."),
            click.option(
                "--access-token",
                metavar="TOKEN",
                envvar="SSPR_AUDIT_ACCESS_TOKEN",
                show_envvar=True,
                help="A Graph access token acquired elsewhere.",
            ),
            click.option(
                "--cloud", type=click.Choice(list(CLOUDS)), default="global", show_default=True, help="National cloud."
            ),
            click.option(
                "--graph-url", metavar="URL", help="Graph service root (overrides --cloud), e.g. an emulator."
            ),
            click.option(
                "--scope-group",
                multiple=True,
                metavar="NAME|ID",
                help="SSPR scope group to read members of (repeatable).",
            ),
            click.option(
                "--concurrency",
                type=click.IntRange(1, MAX_CONCURRENCY),
                default=DEFAULT_CONCURRENCY,
                show_default=True,
                help="Concurrent Graph batch requests (lowered when throttled).",
            ),
            click.option(
                "--max-pages",
                type=click.IntRange(1),
                default=DEFAULT_MAX_PAGES,
                show_default=True,
                help="Pages of one Graph collection to follow before stopping with an error.",
            ),
            click.option(
                "--events-days",
                type=click.IntRange(1, 30),
                metavar="N",
                help="Days of SSPR audit events to read (default: what the licence keeps, 7 free or 30 P1/P2).",
            ),
            click.option(
                "--methods-detail",
                type=click.Choice(METHODS_DETAIL),
                default="needed",
                show_default=True,
                help="Whose methods to read one by one: 'needed' reads administrators and users whose numbers or"
                " addresses the rules check; the registration report answers for the rest.",
            ),
            click.option(
                "--max-minutes",
                type=click.FloatRange(0, min_open=True),
                metavar="MINUTES",
                help="Stop asking for per-user methods after this long; those users are judged on the"
                " registration report, marked so, and --resume reads them later.",
            ),
            click.option(
                "-q",
                "--quiet",
                is_flag=True,
                help="No progress display, no summary (the loud exclusion warning still goes to standard error).",
            ),
        ],
    )
