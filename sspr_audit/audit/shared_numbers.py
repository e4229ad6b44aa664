"""Numbers several users in scope hold, found without keeping every user's phone checks.

A million users hold over a million numbers, and users are judged as they
are read, so who shares a number is known only once all are judged. While
users are judged, each number of a user in scope is noted in a few bytes:
its E.164 digits hashed, its holder, where on the user it was found and the
value as written. Once all are judged, the numbers held more than once are
analysed again, in the holder's region, to give the checks the rules report.
Nothing else about a user's numbers outlives their judgement.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from itertools import pairwise

from sspr_audit.audit import phones
from sspr_audit.audit.judged import Judged
from sspr_audit.audit.location import Location
from sspr_audit.audit.policy import Policy
from sspr_audit.audit.readiness import PhoneCheck, user_region

Holders = dict[str, tuple[tuple[Judged, PhoneCheck], ...]]


class NumberBook:
    """Each number users in scope hold, noted as they are judged; :meth:`holders` finds those held twice or more."""

    def __init__(self, policy: Policy) -> None:
        self._region = policy.default_phone_region
        self._hashes = array("q")  # a number's hash fits where a long national number might not; a collision
        self._holders = array("L")  # only adds a number to look at, as holders are grouped by the number itself
        self._places = array("H")  # index in _kinds: where on the user, and which slot
        self._raw: list[str] = []
        self._kinds: dict[tuple[Location, str], int] = {}

    def add(self, index: int, checks: tuple[PhoneCheck, ...]) -> None:
        """Note the numbers of one user in scope (masked and unreadable ones are never matched).

        A user holding a number twice (the same mobile in the directory and as a method) holds it once, by the
        first check on it, so a number noted twice is held by two users or more.
        """
        noted: set[str] = set()
        for check in checks:
            if (key := phones.normalized_key(check.analysis)) is not None and key not in noted:
                noted.add(key)
                self._hashes.append(hash(key))
                self._holders.append(index)
                self._places.append(self._kinds.setdefault((check.location, check.slot), len(self._kinds)))
                self._raw.append(check.analysis.raw)

    def holders(self, judged: Sequence[Judged]) -> Holders:
        """Each number two users in scope or more hold (E.164), with every holder and their first check on it."""
        repeated = self._repeated()
        kinds = list(self._kinds)
        found: dict[str, list[tuple[int, PhoneCheck]]] = {}
        for i, hashed in enumerate(self._hashes):
            if hashed not in repeated:
                continue
            index = self._holders[i]
            location, slot = kinds[self._places[i]]
            region = self._region or user_region(judged[index].result.user)
            check = PhoneCheck(location, slot, phones.analyze(self._raw[i], region))
            found.setdefault(phones.normalized_key(check.analysis) or "", []).append((index, check))
        return {key: tuple((judged[i], check) for i, check in held) for key, held in found.items() if len(held) > 1}

    def _repeated(self) -> set[int]:
        """The hashes noted more than once, sorted a slice at a time: never a list of every number at once."""
        slices = [array("q") for _ in range(_SLICES)]
        for hashed in self._hashes:
            slices[hashed % _SLICES].append(hashed)
        repeated: set[int] = set()
        while slices:
            repeated.update(a for a, b in pairwise(sorted(slices.pop())) if a == b)
        return repeated


_SLICES = 64  # a million users' numbers sorted in slices of some 30,000
