"""``python -m sspr_audit``."""

from sspr_audit.cli import main

main()
