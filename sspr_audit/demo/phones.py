"""Phone numbers for the demo tenant: unique draws from the ranges, and the ways people write them.

Numbers are dealt from each range in a scrambled but repeatable order, so a
tenant of any size gets distinct numbers (a shared number is always a
deliberate scenario) without asking libphonenumber about each one.
"""

from __future__ import annotations

import random
from typing import NamedTuple

from sspr_audit.demo.data import Block, Country

# How a number is written. "sspr" is the format SSPR and Graph expect: +CC, one space, digits.
STYLES = (
    "sspr",
    "e164",
    "spaced",
    "dashed",
    "national",
    "intl_00",
    "trunk_paren",
    "trunk_kept",
    "ext_x",
    "ext_word",
    "ext_rfc",
    "graph_ext",
    "graph_masked",
)

_PAREN_NATIONAL = {"US", "CA", "BR"}  # (425) 555-0100, (11) 91234-5678
_DASH_NATIONAL = {"JP"}  # 03-1234-5678
_STRIDE = 7919  # a prime other than 2 and 5, so it walks every number of a 10**n range once


class Number(NamedTuple):
    """One drawn number: its country, national significant number and display grouping."""

    country: Country
    nsn: str
    groups: tuple[int, ...]

    def split(self) -> list[str]:
        """The national number cut into the groups people write it in."""
        parts, start = [], 0
        for size in self.groups:
            parts.append(self.nsn[start : start + size])
            start += size
        return parts


class Pool:
    """Deals distinct numbers from a country's ranges, fictional ranges first."""

    def __init__(
        self,
        country: Country,
        blocks: tuple[Block, ...],
        rng: random.Random,
        reserved: frozenset[str],
        more: tuple[Block, ...] = (),
    ):
        self._country = country
        self._blocks = list(blocks)
        self._offsets = [rng.randrange(10**block.free) for block in blocks]
        self._rng = rng
        self._more = more  # drawn on only when the first ranges are spent, so smaller tenants stay as they were
        self._reserved = reserved
        self._block = 0
        self._taken = 0

    def take(self) -> Number:
        """The next unused number; after every range is spent, numbers repeat from the start."""
        while True:
            block = self._blocks[self._block]
            size = 10**block.free
            if self._taken >= size:
                if self._block + 1 == len(self._blocks) and self._more:
                    self._blocks += self._more
                    self._offsets += [self._rng.randrange(10**b.free) for b in self._more]
                    self._more = ()
                self._block = (self._block + 1) % len(self._blocks)
                self._taken = 0
                continue
            n = (self._taken * _STRIDE + self._offsets[self._block]) % size
            self._taken += 1
            nsn = f"{block.prefix}{n:0{block.free}d}"
            if nsn not in self._reserved:
                return Number(self._country, nsn, block.groups)


def render(number: Number, style: str, extension: str = "") -> str:
    """``number`` written in ``style`` (one of :data:`STYLES`); ``extension`` for the ext_* styles."""
    cc, nsn = number.country.calling_code, number.nsn
    trunk = number.country.trunk
    if style == "sspr":
        return f"+{cc} {nsn}"
    if style == "e164":
        return f"+{cc}{nsn}"
    if style == "graph_ext":
        return f"+{cc} {nsn}x{extension}"
    if style == "graph_masked":  # as Graph returns it to a caller without full rights
        return f"+{cc} {nsn[:2]}{'X' * (len(nsn) - 4)}{nsn[-2:]}"
    if style == "ext_x":
        return f"+{cc} {nsn} x{extension}"
    parts = number.split()
    spaced = " ".join(parts)
    if style == "spaced":
        return f"+{cc} {_paren(parts)}" if number.country.code in _PAREN_NATIONAL else f"+{cc} {spaced}"
    if style == "dashed":
        return f"+{cc}-{'-'.join(parts)}"
    if style == "national":
        return _national(number, parts)
    if style == "intl_00":
        return f"00{cc} {spaced}"
    if style == "trunk_paren":
        return f"+{cc} ({trunk}){spaced}" if trunk else f"+{cc} {spaced}"
    if style == "trunk_kept":
        return f"+{cc} {trunk}{spaced}"
    if style == "ext_word":
        return f"+{cc} {spaced} ext. {extension}"
    if style == "ext_rfc":
        return f"+{cc} {spaced};ext={extension}"
    raise ValueError(f"unknown phone style {style!r}")


def _paren(parts: list[str]) -> str:
    return f"({parts[0]}) {'-'.join(parts[1:])}"


def _national(number: Number, parts: list[str]) -> str:
    code = number.country.code
    if code in _PAREN_NATIONAL:
        return _paren(parts)
    if code in _DASH_NATIONAL:
        return number.country.trunk + "-".join(parts)
    return number.country.trunk + " ".join(parts)
