"""The command line: thin click commands that parse, call the library and pick exit codes.

Exit codes: 0 done; 1 a finding at or above ``--fail-on`` exists; 2 usage or
input error (one line on stderr, never a traceback); 3 an unexpected error
(one line on stderr naming the crash log that holds the traceback). Heavy libraries are
imported inside the commands that need them so ``--help`` starts fast.
"""

from __future__ import annotations

import logging
from typing import Any

import click

from sspr_audit import __version__
from sspr_audit.app import EXIT_INPUT
from sspr_audit.cli import audit, catalog, collect, history, remediate
from sspr_audit.cli.crash import EXIT_CRASH, report_crash
from sspr_audit.cli.help import WholeSummaries
from sspr_audit.errors import InputError, Interrupted
from sspr_audit.text import terminal_safe

_MAX_USAGE = 300  # characters of a usage error shown


class _Group(WholeSummaries):
    """Turns :class:`InputError` into one line and exit code 2, any other error into a crash log and code 3."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InputError as exc:
            click.echo(terminal_safe(f"sspr-audit: error: {exc}"), err=True)
            ctx.exit(EXIT_INPUT)
        except KeyboardInterrupt as exc:
            hint = f"; {exc}" if isinstance(exc, Interrupted) else ""
            click.echo(terminal_safe(f"sspr-audit: interrupted{hint}"), err=True)
            ctx.exit(130)
        except click.ClickException as exc:  # a usage error: click prints it; a huge value is not echoed whole
            shown = exc.message if len(exc.message) <= _MAX_USAGE else exc.message[:_MAX_USAGE] + "…"
            exc.message = terminal_safe(shown)  # type: ignore[misc]  # click declares it final, and reads it to print
            raise
        except (click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:
            click.echo(report_crash(exc), err=True)
            ctx.exit(EXIT_CRASH)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sspr-audit")
def main() -> None:
    """Who can and who cannot reset their own password with Microsoft Entra ID SSPR.

    Collect a tenant through Microsoft Graph (or use the built-in demo tenant),
    judge every user against SSPR's rules, and write HTML, Excel, JSON and CSV
    reports.
    """
    _silence_library_logs()


# Libraries whose log lines would repeat, as a traceback or a second copy, what sspr-audit says in one line.
_LIBRARY_LOGGERS = ("azure", "msal", "aiohttp", "httpx", "httpcore", "kiota_http", "msgraph_core")


def _silence_library_logs() -> None:
    """Keep libraries' warnings off the terminal: without a handler, Python prints them to stderr."""
    for name in _LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        if not logger.handlers:
            logger.addHandler(logging.NullHandler())


for command in (
    audit.report,
    collect.collect,
    audit.run,
    audit.demo,
    history.history,
    history.diff,
    collect.emulate,
    remediate.remediate,
    catalog.rules,
    catalog.policy,
):
    main.add_command(command)
