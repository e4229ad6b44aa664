"""A number's type from libphonenumber's metadata, with each region's patterns compiled once.

``phonenumbers`` decides the type by checking up to eleven descriptions of the
region (premium rate, toll free, ..., fixed line, mobile) in a fixed order,
each through several calls and a look-up of its compiled pattern; that was
most of the cost of judging a number. This does the same checks in the same
order from a table built once per region. A property test holds it equal to
``phonenumbers``' own answer.
"""

from __future__ import annotations

import re

from phonenumbers import PhoneMetadata, PhoneNumberType

# The descriptions checked before fixed line and mobile, in phonenumbers' order (_number_type_helper).
_SPECIAL = (
    ("premium_rate", PhoneNumberType.PREMIUM_RATE),
    ("toll_free", PhoneNumberType.TOLL_FREE),
    ("shared_cost", PhoneNumberType.SHARED_COST),
    ("voip", PhoneNumberType.VOIP),
    ("personal_number", PhoneNumberType.PERSONAL_NUMBER),
    ("pager", PhoneNumberType.PAGER),
    ("uan", PhoneNumberType.UAN),
    ("voicemail", PhoneNumberType.VOICEMAIL),
)

_Desc = tuple[frozenset[int], re.Pattern[str]] | None  # possible lengths (empty: any) and pattern; None: no number


def _desc(desc: object) -> _Desc:
    pattern = getattr(desc, "national_number_pattern", None)
    if not pattern:
        return None
    return frozenset(getattr(desc, "possible_length", ()) or ()), re.compile(pattern)


def _matches(number: str, desc: _Desc) -> bool:
    if desc is None:
        return False
    lengths, pattern = desc
    return (not lengths or len(number) in lengths) and pattern.fullmatch(number) is not None


class _Table:
    """One region's descriptions, compiled."""

    def __init__(self, metadata: PhoneMetadata) -> None:
        self.general = _desc(metadata.general_desc)
        self.special = tuple((_desc(getattr(metadata, name)), kind) for name, kind in _SPECIAL)
        self.fixed_line = _desc(metadata.fixed_line)
        self.mobile = _desc(metadata.mobile)
        self.same_pattern = bool(metadata.same_mobile_and_fixed_line_pattern)

    def number_type(self, national: str) -> int:
        if not _matches(national, self.general):
            return PhoneNumberType.UNKNOWN
        for desc, kind in self.special:
            if _matches(national, desc):
                return kind
        if _matches(national, self.fixed_line):
            if self.same_pattern or _matches(national, self.mobile):
                return PhoneNumberType.FIXED_LINE_OR_MOBILE
            return PhoneNumberType.FIXED_LINE
        if not self.same_pattern and _matches(national, self.mobile):
            return PhoneNumberType.MOBILE
        return PhoneNumberType.UNKNOWN


_TABLES: dict[tuple[str, int | None], _Table] = {}


def number_type(national: str, metadata: PhoneMetadata) -> int:
    """The ``PhoneNumberType`` of a national significant number in ``metadata``'s region."""
    key = (metadata.id, metadata.country_code)  # non-geographic codes all have the id "001"
    table = _TABLES.get(key)
    if table is None:
        table = _TABLES[key] = _Table(metadata)
    return table.number_type(national)
