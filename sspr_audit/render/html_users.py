"""Which users the HTML report embeds: every one, or past a limit only those who need action.

A browser holds every embedded user in memory and builds its tables from
them: 100,000 users open in under 2 seconds, 200,000 take about 4 seconds and
900 MB for the tab (BENCHMARKS.md). Past ``USER_LIMIT`` the report keeps every
finding and every user who cannot reset or whose readiness is unknown or at
risk, counts the others by status, and names the reports that list everyone.
The Administrators table, written into the page itself, is cut the same way:
at a million users its 19,000 rows took 3.7 MB and 700 MB of the tab. Other
lists written into the page keep their first ``ROWS_PAST_LIMIT`` rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from sspr_audit.audit.results import Readiness, UserResult
from sspr_audit.render.summary import STATUS_LABELS, AdminRow

USER_LIMIT = 100_000
ROWS_PAST_LIMIT = 1_000  # rows a list written into the page keeps past USER_LIMIT users
ALWAYS_LISTED = frozenset({Readiness.NOT_READY, Readiness.UNKNOWN, Readiness.AT_RISK})


@dataclass(frozen=True)
class ListedUsers:
    """The users the report embeds, and how many of each status it leaves out (empty when none)."""

    users: tuple[UserResult, ...]
    total: int
    left_out: tuple[tuple[str, int], ...]
    positions: dict[int, int] | None = None  # position in the full ordering -> in ``users``; None: the same

    @property
    def complete(self) -> bool:
        """True when every user is embedded."""
        return not self.left_out

    def at(self, index: int) -> int | None:
        """Where the user at ``index`` of the full ordering is in the embedded users; None when left out."""
        return index if self.positions is None else self.positions.get(index)


def listed_users(users: tuple[UserResult, ...], limit: int = USER_LIMIT) -> ListedUsers:
    """``users`` whole when there are at most ``limit``; otherwise only those whose status is in ALWAYS_LISTED."""
    if len(users) <= limit:
        return ListedUsers(users, len(users), ())
    kept = [i for i, u in enumerate(users) if u.status in ALWAYS_LISTED]
    positions = {index: at for at, index in enumerate(kept)}
    return ListedUsers(tuple(users[i] for i in kept), len(users), _left_out(u.status for u in users), positions)


@dataclass(frozen=True)
class ListedAdmins:
    """The administrators the report's table shows, and how many of each status it leaves out (empty when none)."""

    rows: tuple[AdminRow, ...]
    total: int
    left_out: tuple[tuple[str, int], ...]


def listed_admins(admins: tuple[AdminRow, ...], listed: ListedUsers) -> ListedAdmins:
    """Every administrator when every user is embedded; otherwise those whose status is in ALWAYS_LISTED."""
    if listed.complete:
        return ListedAdmins(admins, len(admins), ())
    kept = tuple(a for a in admins if a.status in ALWAYS_LISTED)
    return ListedAdmins(kept, len(admins), _left_out(a.status for a in admins))


Row = TypeVar("Row")


def first_rows(rows: tuple[Row, ...], listed: ListedUsers) -> tuple[tuple[Row, ...], int]:
    """``rows`` and 0 when every user is embedded; otherwise the first ROWS_PAST_LIMIT rows and how many more."""
    if listed.complete or len(rows) <= ROWS_PAST_LIMIT:
        return rows, 0
    return rows[:ROWS_PAST_LIMIT], len(rows) - ROWS_PAST_LIMIT


def _left_out(statuses: Iterable[Readiness]) -> tuple[tuple[str, int], ...]:
    """``(label, count)`` of each status not in ALWAYS_LISTED, in status order, zero counts left out."""
    counts = Counter(s for s in statuses if s not in ALWAYS_LISTED)
    return tuple((STATUS_LABELS[s], counts[s]) for s in Readiness if counts[s])
