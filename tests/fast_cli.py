"""``python -m tests.fast_cli ARGS`` is ``sspr-audit ARGS`` with the fast_retries back-off, for subprocess tests."""

from __future__ import annotations

from sspr_audit.cli import main
from sspr_audit.collect import retry
from tests.conftest import FAST_BASE_DELAY

if __name__ == "__main__":
    retry.DEFAULT_BASE_DELAY = FAST_BASE_DELAY
    main(prog_name="sspr-audit")
