"""Error types the CLI turns into a one-line message and exit code 2."""

from __future__ import annotations


class InputError(Exception):
    """Bad input from the user: a file, an option, a policy. Exit code 2."""


class SnapshotError(InputError):
    """A snapshot file that cannot be read; the message names file, place and fix."""


class PolicyError(InputError):
    """A policy file with an unknown key or a bad value."""


class OutputError(InputError):
    """An output that cannot be written (unwritable folder, full disk)."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a collection; the message says what was kept and how to resume."""
