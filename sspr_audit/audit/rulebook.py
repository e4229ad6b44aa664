"""Microsoft's dated changes to what SSPR accepts, kept as data.

Every verdict is made *as of* a date, and this is the one module that compares
dates: :class:`Rulebook` answers "does this change apply yet, for this user?"
for the rest of the audit. Adding the next announced change is one entry in
:data:`CHANGES` (plus its test, naming the Microsoft page) and the question
the judgement asks of it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import date

AUTHENTICATION_DATA = "https://learn.microsoft.com/entra/identity/authentication/howto-sspr-authenticationdata"
SMS_VOICE_RETIREMENT = "https://learn.microsoft.com/entra/identity/authentication/concept-sms-voice-retirement-faq"
HOW_IT_WORKS = "https://learn.microsoft.com/entra/identity/authentication/concept-sspr-howitworks"

DIRECTORY_DATA = "directory_data"
SMS_VOICE = "sms_voice"
SECURITY_QUESTIONS = "security_questions"
SMS_VOICE_LATE = "sms_voice_global_admins_external"


@dataclass(frozen=True, slots=True)
class Change:
    """One announced change: from ``effective`` on, ``what`` applies to ``whom``."""

    key: str
    title: str  # a few words for a chart or a console line
    effective: date  # the first day it applies (the 1st of the month when Microsoft names only a month)
    when: str  # as Microsoft states it: "5 October 2026", "March 2027"
    what: str
    whom: str
    source: str  # the Microsoft Learn page that states it

    @property
    def day(self) -> str:
        """``YYYY-MM-DD`` of the first day it applies (one string however many users lose SSPR that day)."""
        return sys.intern(self.effective.isoformat())


CHANGES: tuple[Change, ...] = (
    Change(
        DIRECTORY_DATA,
        "directory contact data stops counting",
        date(2026, 10, 5),
        "5 October 2026",
        "SSPR accepts only explicitly registered methods: the directory properties mobilePhone, businessPhones"
        " and otherMails no longer count",
        "users who never registered and rely on directory contact data",
        AUTHENTICATION_DATA,
    ),
    Change(
        SMS_VOICE,
        "SMS and voice end",
        date(2027, 2, 1),
        "1 February 2027",
        "Microsoft-provided SMS and voice end for SSPR, unless the tenant has a telephony provider",
        "every user except Global Administrators and external users",
        SMS_VOICE_RETIREMENT,
    ),
    Change(
        SECURITY_QUESTIONS,
        "security questions retire",
        date(2027, 3, 1),
        "March 2027",
        "Security questions are retired for SSPR",
        "every user who relies on security questions",
        HOW_IT_WORKS,
    ),
    Change(
        SMS_VOICE_LATE,
        "SMS and voice end for Global Administrators and external users",
        date(2027, 7, 1),
        "1 July 2027",
        "Microsoft-provided SMS and voice end for SSPR for Global Administrators and external users too, unless"
        " the tenant has a telephony provider",
        "Global Administrators and external users",
        SMS_VOICE_RETIREMENT,
    ),
)
_BY_KEY = {c.key: c for c in CHANGES}


def change(key: str) -> Change:
    """The rulebook entry ``key``."""
    return _BY_KEY[key]


_PHONE_METHODS = frozenset({"mobile_phone", "office_phone"})


def touches(change: Change, method: str, directory_data: bool, late_phone_retirement: bool) -> bool:
    """Whether ``change`` can stop a method of this kind from counting for this user."""
    if change.key == DIRECTORY_DATA:
        return directory_data
    if change.key == SECURITY_QUESTIONS:
        return method == "security_questions"
    late = change.key == SMS_VOICE_LATE
    return method in _PHONE_METHODS and late == late_phone_retirement


def has_passed(day: str | None, as_of: str | None) -> bool:
    """Whether the change that applies from ``day`` (YYYY-MM-DD) applies on ``as_of``; False when either is unknown."""
    if not day or not as_of:
        return False
    return parse_day(as_of) >= parse_day(day)


def parse_day(text: str) -> date:
    """``YYYY-MM-DD`` (or an ISO 8601 time, whose date is taken); ValueError otherwise."""
    return date.fromisoformat(text[:10])


@dataclass(frozen=True, slots=True)
class Rulebook:
    """The rules in force on ``as_of`` (less any ``waived``, to ask what a single change did)."""

    as_of: date
    waived: frozenset[str] = frozenset()

    @property
    def day(self) -> str:
        """``YYYY-MM-DD``."""
        return self.as_of.isoformat()

    def in_force(self, key: str) -> bool:
        """Whether change ``key`` applies on ``as_of``."""
        return key not in self.waived and self.as_of >= _BY_KEY[key].effective

    def directory_data_counts(self) -> bool:
        """Unregistered ``mobilePhone``, ``businessPhones`` and ``otherMails`` still count for SSPR."""
        return not self.in_force(DIRECTORY_DATA)

    def phone_retirement(self, global_admin_or_external: bool) -> Change | None:
        """The SMS and voice retirement that has reached this user, if any."""
        key = SMS_VOICE_LATE if global_admin_or_external else SMS_VOICE
        return _BY_KEY[key] if self.in_force(key) else None

    def security_questions_retired(self) -> bool:
        """Security questions no longer count for SSPR."""
        return self.in_force(SECURITY_QUESTIONS)

    def upcoming(self) -> tuple[Change, ...]:
        """The changes still ahead of ``as_of``, in date order."""
        return tuple(c for c in sorted(CHANGES, key=lambda c: c.effective) if c.effective > self.as_of)

    def without(self, key: str) -> Rulebook:
        """The same day's rules as if change ``key`` had not happened: did that change, alone, decide?"""
        return Rulebook(self.as_of, self.waived | {key})

    def days_until(self, change: Change) -> int:
        """Days from ``as_of`` until ``change`` applies (negative once it does)."""
        return (change.effective - self.as_of).days
