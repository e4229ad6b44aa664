"""Accounts no person uses to reset a password, so they are not counted in "X% can reset".

Shared, room and equipment mailboxes (``mailboxSettings.userPurpose``), members
with no licence (``assignedLicenses`` empty) and accounts with no sign-in for
``[scope] stale_after_days`` (``signInActivity``) inflate the denominator.
Each has its own status reason, apart from "SSPR is not enabled for them".
A source that was not read leaves the user counted: unknown is never "unused".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from sspr_audit.audit.policy import Policy
from sspr_audit.audit.rulebook import parse_day
from sspr_audit.snapshot.models import Snapshot, Source, SourceState, User


class NotUsed(StrEnum):
    """Why an account is not counted: nobody resets a password with it."""

    SHARED_MAILBOX = "shared_mailbox"
    RESOURCE_MAILBOX = "resource_mailbox"  # room or equipment
    NO_LICENCE = "no_licence"
    NO_SIGN_IN = "no_sign_in"


LABELS = {
    NotUsed.SHARED_MAILBOX: "shared mailboxes",
    NotUsed.RESOURCE_MAILBOX: "room and equipment mailboxes",
    NotUsed.NO_LICENCE: "accounts with no licence",
    NotUsed.NO_SIGN_IN: "accounts with no recent sign-in",
}
PERMISSIONS = {
    NotUsed.SHARED_MAILBOX: "MailboxSettings.Read",
    NotUsed.RESOURCE_MAILBOX: "MailboxSettings.Read",
    NotUsed.NO_LICENCE: "User.Read.All",
    NotUsed.NO_SIGN_IN: "AuditLog.Read.All and an Entra ID P1 licence",
}
_RESOURCE = frozenset({"room", "equipment"})


@dataclass(frozen=True)
class Hygiene:
    """What the snapshot tells about account use, and the day a sign-in is judged stale against."""

    day: date
    sign_ins_read: bool  # with it, a user's ``last_sign_in`` None means "never signed in"

    @classmethod
    def of(cls, snapshot: Snapshot, day: date) -> Hygiene:
        status = snapshot.tenant.source(Source.SIGN_IN_ACTIVITY.value)
        return cls(day, status is not None and status.state == SourceState.READ)


def not_used(user: User, policy: Policy, hygiene: Hygiene | None, is_admin: bool) -> tuple[NotUsed, str] | None:
    """Why ``user`` is not counted as someone who resets a password, with the sentence shown; None if counted."""
    purpose = (user.mailbox_purpose or "").lower()
    if policy.exclude_shared_mailboxes and purpose == "shared":
        return NotUsed.SHARED_MAILBOX, "Not counted: a shared mailbox (mailboxSettings userPurpose is shared)."
    if policy.exclude_shared_mailboxes and purpose in _RESOURCE:
        return NotUsed.RESOURCE_MAILBOX, f"Not counted: a {purpose} mailbox (mailboxSettings userPurpose is {purpose})."
    # Administrators stay counted: "administrator accounts are enabled for self-service password reset" by
    # default, whatever their licence (concept-sspr-policy, "Administrator reset policy differences").
    if policy.require_license and not is_admin and user.assigned_licenses == ():
        return NotUsed.NO_LICENCE, (
            "Not counted: no licence is assigned (assignedLicenses is empty), and SSPR needs a licence for every"
            " user meant to use it."
        )
    if hygiene is not None and hygiene.sign_ins_read and policy.stale_after_days:
        return _stale(user, policy.stale_after_days, hygiene.day)
    return None


def _stale(user: User, days: int, day: date) -> tuple[NotUsed, str] | None:
    cutoff = day - timedelta(days=days)
    last = _day(user.last_sign_in)
    if last is not None:
        if last < cutoff:
            return NotUsed.NO_SIGN_IN, f"Not counted: no sign-in for {days} days (last sign-in {last.isoformat()})."
        return None
    created = _day(user.created_at)
    if user.last_sign_in is None and created is not None and created < cutoff:
        return NotUsed.NO_SIGN_IN, f"Not counted: never signed in, created {created.isoformat()} ({days}+ days ago)."
    return None  # a sign-in that is not a date, or a new account (or one of unknown age) never signed in


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return parse_day(value)
    except ValueError:
        return None
