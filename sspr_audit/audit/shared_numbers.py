"""Numbers several users in scope hold, found without keeping every user's phone checks.

A million users hold over a million numbers. Before anyone is judged, each
user's numbers are read once as integers (E.164 digits) to find the few held
by two users or more, whoever they are; while users are judged, only the
checks on those numbers are kept, and once all are judged a number counts as
shared when two users in scope hold it. Nothing else about a user's numbers
outlives their judgement.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from itertools import pairwise

from sspr_audit.audit import phones
from sspr_audit.audit.judged import Judged
from sspr_audit.audit.policy import Policy
from sspr_audit.audit.readiness import PhoneCheck, phone_checks
from sspr_audit.snapshot.models import User

Holders = dict[str, tuple[tuple[Judged, PhoneCheck], ...]]


class NumberBook:
    """The checks on numbers more than one user holds, by number, as users in scope are judged."""

    def __init__(self, users: Iterable[User], policy: Policy) -> None:
        hashes = array("q")  # a number's hash fits where a long national number might not; a collision only adds
        for user in users:  # a number to look at, as holders are counted by the number itself
            hashes.extend({hash(n) for c in phone_checks(user, policy) if (n := _number(c)) is not None})
        self._repeated = frozenset(a for a, b in pairwise(sorted(hashes)) if a == b)
        self._found: dict[int, list[tuple[int, PhoneCheck]]] = {}

    def add(self, index: int, checks: tuple[PhoneCheck, ...]) -> None:
        """Note the numbers of one user in scope (masked and unreadable ones are never matched)."""
        for check in checks:
            if (number := _number(check)) is not None and hash(number) in self._repeated:
                holders = self._found.setdefault(number, [])
                if not holders or holders[-1][0] != index:  # a user holding a number twice holds it once
                    holders.append((index, check))

    def holders(self, judged: Sequence[Judged]) -> Holders:
        """Each number two users in scope or more hold (E.164), with every holder and their first check on it."""
        return {
            phones.normalized_key(found[0][1].analysis) or "": tuple((judged[i], check) for i, check in found)
            for found in self._found.values()
            if len(found) > 1
        }


def _number(check: PhoneCheck) -> int | None:
    key = phones.normalized_key(check.analysis)
    return int(key[1:]) if key else None
