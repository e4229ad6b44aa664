"""Numbers several users in scope hold, found without keeping every user's phone checks.

A million users hold over a million numbers, and their analyses would stay
alive until every user is judged for this one rule. So each number is noted
as an integer beside its holder's index, and only the users whose number
turns out to be shared have their numbers looked at again, once all are judged.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Sequence

from sspr_audit.audit import phones
from sspr_audit.audit.judged import Judged
from sspr_audit.audit.policy import Policy
from sspr_audit.audit.readiness import PhoneCheck, phone_checks
from sspr_audit.snapshot.models import User

Holders = dict[str, tuple[tuple[Judged, PhoneCheck], ...]]


class NumberBook:
    """Every number found on users in scope, as E.164 digits beside the holder's index."""

    def __init__(self) -> None:
        self._numbers: list[int] = []
        self._holders = array("q")

    def add(self, index: int, checks: tuple[PhoneCheck, ...]) -> None:
        """Note the numbers of one user in scope (masked and unreadable ones are never matched)."""
        for check in checks:
            if (number := _number(check)) is not None:
                self._numbers.append(number)
                self._holders.append(index)

    def shared(self) -> dict[int, list[int]]:
        """Each number two users or more hold, with their indexes in the order they were judged."""
        counts = Counter(self._numbers)
        found: dict[int, list[int]] = {}
        for number, index in zip(self._numbers, self._holders, strict=True):
            if counts[number] > 1:
                holders = found.setdefault(number, [])
                if not holders or holders[-1] != index:  # a user holding a number twice holds it once
                    holders.append(index)
        return {number: holders for number, holders in found.items() if len(holders) > 1}


def holders(book: NumberBook, judged: Sequence[Judged], users: Sequence[User], policy: Policy) -> Holders:
    """Each shared number (E.164) with every holder and the first check on them that holds it."""
    shared: Holders = {}
    for number, indexes in book.shared().items():
        group = []
        for i in indexes:
            check = next(c for c in phone_checks(users[i], policy) if _number(c) == number)
            group.append((judged[i], check))
        shared[phones.normalized_key(group[0][1].analysis) or ""] = tuple(group)
    return shared


def _number(check: PhoneCheck) -> int | None:
    key = phones.normalized_key(check.analysis)
    return int(key[1:]) if key else None
