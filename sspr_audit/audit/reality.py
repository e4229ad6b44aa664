"""Each verdict against what the user actually did, as the SSPR audit events tell it.

A verdict the events contradict means the data or the rules are wrong
somewhere: a user judged not ready who reset, or a user judged able to reset
who failed or was blocked at a method the audit counted. The attempt is
judged by the rules in force on its own day, so a reset before the change
that now makes the user not ready (audit/rulebook.py) agrees with the verdict.
Users judged not ready who tried and did not get through are the helpdesk
calls the audit predicted, listed apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from sspr_audit.audit.policy import Policy
from sspr_audit.audit.readiness import Assessment, judge
from sspr_audit.audit.results import Readiness
from sspr_audit.audit.rulebook import Rulebook, parse_day
from sspr_audit.audit.sspr_methods import HARDWARE_OATH, MOBILE_APP, SOFTWARE_OATH
from sspr_audit.snapshot.models import ResetAttempt, Source, SourceState, Tenant

SUCCESS = frozenset({"reset", "unlocked"})
STOPPED = frozenset({"failed", "blocked"})
# The app's code may come from any authenticator app or token: the event says "mobile app" for all of them.
_SAME_METHOD = {MOBILE_APP: frozenset({MOBILE_APP, SOFTWARE_OATH, HARDWARE_OATH})}


class Agreement(StrEnum):
    """How one user's last attempt compares with their verdict."""

    AGREES = "agrees"
    PREDICTED = "predicted"  # judged not ready, tried and did not get through: agrees, listed apart
    RESET_WHILE_NOT_READY = "reset_while_not_ready"
    FAILED_WHILE_READY = "failed_while_ready"
    NOT_COMPARED = "not_compared"  # unknown, excluded or out of scope: no verdict to hold it against

    @property
    def contradicts(self) -> bool:
        return self in (Agreement.RESET_WHILE_NOT_READY, Agreement.FAILED_WHILE_READY)


@dataclass(frozen=True, slots=True)
class Comparison:
    """One user's last attempt beside their verdict."""

    user_index: int
    attempt: ResetAttempt
    agreement: Agreement
    status_then: Readiness  # the verdict by the rules in force on the attempt's day


@dataclass(frozen=True, slots=True)
class Reality:
    """The comparison for the whole tenant; ``read`` False when the events were not read (every count None)."""

    read: bool
    not_read_because: str | None
    events_read: int | None
    window_days: int | None
    comparisons: tuple[Comparison, ...] = ()

    def _count(self, test: Callable[[Comparison], bool]) -> int | None:
        return sum(1 for c in self.comparisons if test(c)) if self.read else None

    @property
    def users_with_attempts(self) -> int | None:
        return len(self.comparisons) if self.read else None

    @property
    def agree(self) -> int | None:
        return self._count(lambda c: c.agreement in (Agreement.AGREES, Agreement.PREDICTED))

    @property
    def contradict(self) -> int | None:
        return self._count(lambda c: c.agreement.contradicts)

    @property
    def not_compared(self) -> int | None:
        return self._count(lambda c: c.agreement == Agreement.NOT_COMPARED)

    def of(self, agreement: Agreement) -> tuple[Comparison, ...]:
        return tuple(c for c in self.comparisons if c.agreement == agreement)


def compare(a: Assessment, policy: Policy) -> Comparison | None:
    """The user's last attempt in the events window against their verdict; None when they made none."""
    activity = a.user.activity
    if activity is None or activity.last_reset is None:
        return None
    return _compare(a, activity.last_reset, policy)


def reality(tenant: Tenant, comparisons: tuple[Comparison, ...]) -> Reality:
    """The comparison for the whole tenant, from each user's (made only when the events were read)."""
    events = tenant.events
    if events is None:
        return Reality(False, not_read_because(tenant), None, None)
    return Reality(True, None, events.count, events.window_days, comparisons)


def not_read_because(tenant: Tenant) -> str:
    """Why the snapshot holds no SSPR audit events, in one sentence."""
    status = tenant.source(Source.SSPR_EVENTS.value)
    if status is None:
        return "this snapshot was taken without reading the SSPR audit events (an older sspr-audit, or the demo)"
    if status.state == SourceState.NOT_PERMITTED:
        return (
            f"Graph refused them (HTTP {status.http_status or 403}): grant {status.permission or 'AuditLog.Read.All'}"
        )
    return f"reading them failed ({status.message or status.error_code or status.state.value}); collect again"


def _compare(a: Assessment, attempt: ResetAttempt, policy: Policy) -> Comparison:
    then = _verdict_then(a, attempt, policy)
    now = a.status
    if not now.in_scope or now == Readiness.UNKNOWN:
        agreement = Agreement.NOT_COMPARED
    elif not now.can_reset:
        if attempt.outcome in SUCCESS:
            agreement = Agreement.AGREES if then[0].can_reset else Agreement.RESET_WHILE_NOT_READY
        else:
            agreement = Agreement.PREDICTED
    elif attempt.outcome in STOPPED and _counted(attempt.method, a.counted) and _counted(attempt.method, then[1]):
        agreement = Agreement.FAILED_WHILE_READY
    else:
        agreement = Agreement.AGREES
    return Comparison(a.index, attempt, agreement, then[0])


def _verdict_then(a: Assessment, attempt: ResetAttempt, policy: Policy) -> tuple[Readiness, frozenset[str]]:
    """The status and counted methods by the rules in force on the attempt's day."""
    try:
        day = parse_day(attempt.at)
    except ValueError:
        return a.status, a.counted
    if day == a.rulebook.as_of:
        return a.status, a.counted
    verdict = judge(a.facts, policy, Rulebook(day), explain=False)
    return verdict.status, frozenset(m.method for m in verdict.usable)


def _counted(method: str | None, counted: frozenset[str]) -> bool:
    """Whether the method an event names is one the audit counted (an unnamed one is not)."""
    return method is not None and bool(_SAME_METHOD.get(method, frozenset({method})) & counted)
