"""Progress for people watching a collection: users listed, methods fetched, retries, ETA.

The collector reports to a :class:`Progress`; :func:`progress_display`
picks a rich display on a terminal and a silent one otherwise (or with
``--quiet``), so logs and pipes never fill with redraws.
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any


class Progress:
    """What the collector reports; this base class shows nothing."""

    def stage(self, text: str) -> None:
        """A new phase started (listing users, reading roles, ...)."""

    def users_listed(self, count: int) -> None:
        """The enabled users were listed."""

    def methods_planned(self, total: int, done: int) -> None:
        """``total`` users need their methods read; ``done`` already are (resumed).

        Known only once users and report are complete; ``methods_fetched`` may come before.
        """

    def methods_fetched(self, count: int) -> None:
        """``count`` more users' methods were read (or given up)."""

    def retried(self, throttled: bool) -> None:
        """A request was sent again; ``throttled`` when Graph had answered 429."""

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        return None


class RichProgress(Progress):
    """A live rich display of the collection."""

    def __init__(self, console: Any = None) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
        from rich.progress import Progress as Bar

        self._bar = Bar(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[note]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self._stage = self._bar.add_task("Starting", total=None, note="")
        self._methods: Any = None
        self._fetched = 0  # before the total was known
        self._retries = 0
        self._throttled = 0

    def stage(self, text: str) -> None:
        self._bar.update(self._stage, description=text)

    def users_listed(self, count: int) -> None:
        self._bar.update(self._stage, note=f"{count} enabled users")

    def methods_planned(self, total: int, done: int) -> None:
        self._methods = self._bar.add_task(
            "Authentication methods", total=total, completed=done + self._fetched, note=""
        )

    def methods_fetched(self, count: int) -> None:
        if self._methods is None:
            self._fetched += count
        else:
            self._bar.advance(self._methods, count)

    def retried(self, throttled: bool) -> None:
        self._retries += 1
        self._throttled += int(throttled)
        if self._methods is not None:
            self._bar.update(self._methods, note=f"{self._retries} retries, {self._throttled} throttled")

    def __enter__(self) -> RichProgress:
        self._bar.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._bar.stop()


def progress_display(quiet: bool = False, console: Any = None) -> Progress:
    """A rich display on an interactive terminal, unless ``quiet``; else a silent one."""
    if quiet:
        return Progress()
    if console is None:
        if not sys.stdout.isatty():
            return Progress()
        return RichProgress()
    return RichProgress(console) if console.is_terminal else Progress()
