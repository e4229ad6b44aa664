"""Microsoft's own SSPR flags beside this audit's verdict, and why the two may differ.

The registration report (``userRegistrationDetails``) carries ``isSsprRegistered``,
``isSsprEnabled`` and ``isSsprCapable`` per user. They are Microsoft's summary, not a
verdict on the audit's date: the report lags by up to 36 hours
(learn.microsoft.com/entra/identity/authentication/howto-authentication-methods-activity)
and applies none of the dated changes in :mod:`sspr_audit.audit.rulebook`. Showing them
next to the verdict, with the known cause of each disagreement, lets an admin see
where Microsoft's portal and this report part ways and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sspr_audit.audit.results import Readiness, UserResult

BASIS = (
    "Microsoft's isSsprCapable (registration report) against this audit's verdict, for users in scope whose methods"
    " were read. The report lags by up to 36 hours and applies none of Microsoft's dated SSPR changes."
)
REPORT_LAG = timedelta(hours=36)  # "can take up to 36 hours" (howto-authentication-methods-activity)


@dataclass(frozen=True, slots=True)
class MicrosoftView:
    """The registration report's three SSPR flags for one user, and whether they match the verdict."""

    registered: bool | None
    enabled: bool | None
    capable: bool | None
    agrees: bool | None  # None when there is nothing to compare (see ``compared``)
    explanation: str  # why they agree, differ, or are not compared, in one sentence

    @property
    def compared(self) -> bool:
        return self.agrees is not None


def view(r: UserResult, collected_at: str) -> MicrosoftView | None:
    """Microsoft's flags for ``r`` compared with its verdict; None when no report row was read."""
    reg = r.user.registration
    if reg is None:
        return None
    flags = (reg.is_sspr_registered, reg.is_sspr_enabled, reg.is_sspr_capable)
    if r.status == Readiness.UNKNOWN:
        return MicrosoftView(*flags, None, "Not checked: this user's methods could not be read.")
    if not r.status.in_scope:
        return MicrosoftView(*flags, None, "Not compared: the user is outside this audit's SSPR scope.")
    if reg.is_sspr_capable is None:
        return MicrosoftView(*flags, None, "Not compared: the report gives no isSsprCapable for this user.")
    ours = r.status.can_reset
    if reg.is_sspr_capable == ours:
        return MicrosoftView(*flags, True, "Microsoft's isSsprCapable matches this audit's verdict.")
    return MicrosoftView(*flags, False, _why_they_differ(r, ours, collected_at))


def _why_they_differ(r: UserResult, ours: bool, collected_at: str) -> str:
    """The known cause of a disagreement, most specific first."""
    reg = r.user.registration
    assert reg is not None
    if not ours:
        counted_by_microsoft = next((m for m in r.uncounted if m.method is not None), None)
        if counted_by_microsoft is not None:
            return (
                f"Microsoft says capable; this audit does not count {counted_by_microsoft.label}:"
                f" {counted_by_microsoft.why}. Microsoft's flag applies neither the dated changes nor the"
                " authentication methods policy per user."
            )
        if r.is_admin and r.usable_count:
            return (
                f"Microsoft says capable; this audit says not: administrators need {r.required} methods and"
                f" {r.usable_count} count."
            )
    elif reg.is_sspr_enabled is False:
        return (
            "Microsoft says not capable because its SSPR policy does not enable this user (isSsprEnabled is false);"
            " this audit follows the declared scope."
        )
    if _recent(reg.last_updated, collected_at):
        return (
            f"The registration report was updated {reg.last_updated} and lags by up to 36 hours: it may not yet"
            " show the user's latest registration."
        )
    side = "capable" if reg.is_sspr_capable else "not capable"
    return (
        f"Microsoft says {side}, this audit does not; no known cause: compare the user's authentication methods"
        " in the Entra admin center with this report's Methods column."
    )


def _recent(last_updated: str | None, collected_at: str) -> bool:
    """Whether the report row changed within its lag before collection; False when either time is unknown."""
    if not last_updated:
        return False
    try:
        updated = datetime.fromisoformat(last_updated.replace("Z", "+00:00"))
        collected = datetime.fromisoformat(collected_at.replace("Z", "+00:00"))
    except ValueError:
        return False
    return collected - updated <= REPORT_LAG


@dataclass(frozen=True, slots=True)
class FlagTally:
    """How many users' Microsoft flags were compared, and how many disagree."""

    compared: int
    agree: int
    disagree: int


def tally(views: list[MicrosoftView | None]) -> FlagTally:
    compared = [v for v in views if v is not None and v.compared]
    agree = sum(bool(v.agrees) for v in compared)
    return FlagTally(len(compared), agree, len(compared) - agree)
