"""``python -m tests.system.fast_cli ARGS``: ``sspr-audit ARGS`` with the fast_retries back-off, for subprocesses."""

from __future__ import annotations

from sspr_audit.cli import main
from sspr_audit.collect import retry
from tests.builders import FAST_BASE_DELAY

if __name__ == "__main__":
    retry.DEFAULT_BASE_DELAY = FAST_BASE_DELAY
    main(prog_name="sspr-audit")
