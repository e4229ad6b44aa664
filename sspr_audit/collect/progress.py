"""Progress for people watching a collection: users listed, methods read, retries, time left.

The collector reports to a :class:`Progress`; :func:`progress_display`
picks a rich display on a terminal and a silent one otherwise (or with
``--quiet``), so logs and pipes never fill with redraws. The display fits
80 columns: a phase line that counts what it reads and goes when the
collection ends, and a bar of the users whose methods are read one by one.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import Any


class Progress:
    """What the collector reports; this base class shows nothing."""

    def stage(self, text: str) -> None:
        """A new phase started (listing users, reading roles, ...)."""

    def users_read(self, count: int) -> None:
        """``count`` more enabled users were listed (one page)."""

    def users_listed(self, count: int) -> None:
        """The enabled users were listed: ``count`` in all."""

    def methods_planned(self, total: int, done: int) -> None:
        """``total`` users need their methods read; ``done`` already are (resumed).

        Known only once users and report are complete; ``methods_fetched`` may come before.
        """

    def methods_fetched(self, count: int) -> None:
        """``count`` more users' methods were read (or given up)."""

    def retried(self, throttled: bool) -> None:
        """A request was sent again; ``throttled`` when Graph had answered 429."""

    def waiting(self, users: int, seconds: float) -> None:
        """``users`` wait to be asked again, the first in ``seconds``; 0 users: none waits any more."""

    def paced(self, rate: float) -> None:
        """Graph pushed back: per-user requests now go at ``rate`` a second."""

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        return None


class RichProgress(Progress):
    """A live rich display of the collection, two lines that fit 80 columns.

    The phase line (``Listing users: 12,000 listed``) goes when the collection
    ends; the methods line (``Methods ━━━━━━ 6,000/9,000 users, 0:00:40 left``)
    stays as the record.
    """

    def __init__(self, console: Any = None) -> None:
        from rich.progress import Progress as Bar

        self._bar = Bar(*_columns(), console=console, transient=False)
        self._stage = self._bar.add_task("Starting", total=None, note="", retry_at=None, retrying=0)
        self._methods: Any = None
        self._fetched = 0  # before the total was known
        self._listed = 0

    def stage(self, text: str) -> None:
        self._bar.update(self._stage, description=text, note="")

    def users_read(self, count: int) -> None:
        self._listed += count
        self._bar.update(self._stage, note=f"{self._listed:,} users listed")

    def users_listed(self, count: int) -> None:
        self._listed = count
        self._bar.update(self._stage, note=f"{count:,} users listed")

    def methods_planned(self, total: int, done: int) -> None:
        if self._listed:
            self._bar.console.print(
                f"Methods are read one by one for {total:,} of {self._listed:,} users;"
                " the registration report answers for the others.",
                highlight=False,
            )
        self._methods = self._bar.add_task(
            "Methods", total=total, completed=done + self._fetched, note="", retry_at=None, retrying=0
        )

    def methods_fetched(self, count: int) -> None:
        if self._methods is None:
            self._fetched += count
        else:
            self._bar.advance(self._methods, count)

    def paced(self, rate: float) -> None:
        if self._methods is not None:
            self._bar.update(self._methods, pace=rate)

    def waiting(self, users: int, seconds: float) -> None:
        if self._methods is not None:
            retry_at = time.monotonic() + seconds if users else None
            self._bar.update(self._methods, retry_at=retry_at, retrying=users)

    def __enter__(self) -> RichProgress:
        self._bar.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._bar.remove_task(self._stage)  # the phases are over; the methods line stays as the record
        self._bar.stop()


def _columns() -> tuple[Any, Any, Any]:
    """Name, bar and one text of counts: few columns, so the widest line fits 80 columns."""
    from rich.progress import BarColumn, ProgressColumn, TimeRemainingColumn
    from rich.text import Text

    class _Name(ProgressColumn):
        def render(self, task: Any) -> Text:
            return Text(task.description if task.total is not None else "")

    class _Bar(BarColumn):
        def render(self, task: Any) -> Any:
            return super().render(task) if task.total is not None else Text("")

    class _Counts(ProgressColumn):
        left = TimeRemainingColumn()

        def render(self, task: Any) -> Text:
            if task.total is None:  # the phase line
                note = task.fields.get("note")
                return Text(f"{task.description}: {note}" if note else f"{task.description}...")
            done = f"{int(task.completed):,}/{int(task.total):,} users"
            if retrying := _retrying(task):
                return Text(f"{done}, {retrying}")
            pace = task.fields.get("pace")  # set once Graph pushed back: the wait is Graph's, not ours
            paced = f", paced to {pace:.3g} req/s" if pace and not task.finished else ""
            return Text(f"{done}, {_left(self.left, task)}{paced}")

    return _Name(), _Bar(bar_width=12), _Counts()


def _retrying(task: Any) -> str:
    """While the last users wait to be asked again, that, instead of an estimate frozen by the wait."""
    users, retry_at = task.fields.get("retrying", 0), task.fields.get("retry_at")
    if not users:
        return ""
    people = "user" if users == 1 else "users"
    if retry_at is not None and retry_at > time.monotonic():
        return f"retrying {users} {people}, next try in {retry_at - time.monotonic():.0f} s"
    return f"retrying {users} {people}"


def _left(column: Any, task: Any) -> str:
    shown = column.render(task).plain
    return "done" if task.finished else f"{shown} left" if ":" in shown and "-" not in shown else "estimating"


def progress_display(quiet: bool = False, console: Any = None) -> Progress:
    """A rich display on an interactive terminal, unless ``quiet``; else a silent one."""
    if quiet:
        return Progress()
    if console is None:
        if not sys.stdout.isatty():
            return Progress()
        return RichProgress()
    return RichProgress(console) if console.is_terminal else Progress()
