"""An unexpected error: one line on stderr, the traceback in an owner-only crash log, exit code 3.

Exit code 1 means "findings at or above --fail-on", which cron and CI read
as an alert; a crashed run must not look like one. The traceback goes to a
file, with every secret the run was given masked, so a bug report can carry
it without leaking a client secret or a token.
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from datetime import UTC, datetime
from pathlib import Path

from sspr_audit.text import shorten, terminal_safe

EXIT_CRASH = 3
SECRET_OPTIONS = ("--client-secret", "--access-token")
SECRET_VARIABLES = ("AZURE_CLIENT_SECRET", "SSPR_AUDIT_ACCESS_TOKEN")


def report_crash(exc: BaseException, argv: list[str] | None = None) -> str:
    """Write the crash log and return the one line to print."""
    from sspr_audit.collect.redact import Redactor

    redactor = Redactor(_secrets(sys.argv[1:] if argv is None else argv))
    text = redactor.redact("".join(traceback.format_exception(exc)))
    what = terminal_safe(redactor.redact(f"{type(exc).__name__}: {shorten(str(exc), 200)}"))
    log = _write_log(text)
    where = f"the traceback is in {log}" if log else "no crash log could be written"
    return f"sspr-audit: unexpected error ({what}); {where}. Please report it."


def crash_folder() -> Path:
    """The user's cache folder for sspr-audit (``$XDG_CACHE_HOME``, else ``~/.cache``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sspr-audit"


def _write_log(text: str) -> Path | None:
    from sspr_audit.errors import OutputError
    from sspr_audit.files import write_atomic

    name = f"crash-{datetime.now(UTC):%Y%m%d-%H%M%S}-{os.getpid()}.log"
    for folder in (crash_folder(), Path(tempfile.gettempdir()) / f"sspr-audit-{os.getuid()}"):
        try:
            return write_atomic(folder / name, text)
        except (OutputError, OSError):
            continue
    return None


def _secrets(argv: list[str]) -> list[str]:
    """The secret values the command line and environment gave this run."""
    found = [os.environ.get(name) or "" for name in SECRET_VARIABLES]
    for n, arg in enumerate(argv):
        for option in SECRET_OPTIONS:
            if arg == option and n + 1 < len(argv):
                found.append(argv[n + 1])
            elif arg.startswith(option + "="):
                found.append(arg.split("=", 1)[1])
    return [s for s in found if s]
