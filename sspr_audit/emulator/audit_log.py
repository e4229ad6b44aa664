"""The tenant's SSPR audit events, as ``auditLogs/directoryAudits`` returns them.

The ground truth keeps each user's :class:`SsprActivity` (what they did);
this module writes the directoryAudit events that tell it, with Microsoft's
activity names (howto-sspr-reporting), so a faithful reading of them gives
the same activity back. Each flow shares one ``correlationId``; earlier
flows are one day apart before the last.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sspr_audit.audit.sspr_methods import EMAIL, MOBILE_APP, MOBILE_PHONE, OFFICE_PHONE, SECURITY_QUESTIONS
from sspr_audit.collect.events import (
    BLOCKED,
    PROGRESS,
    REGISTERED,
    RESET,
    SERVICE,
    SUCCESSES,
    UNLOCK,
)
from sspr_audit.emulator.directory import stable_id
from sspr_audit.snapshot.models import ResetAttempt, SsprActivity, User

_STEP_FOR = {
    MOBILE_APP: "User verified with a Microsoft Authenticator mobile app code",
    MOBILE_PHONE: "User verified with a text message (SMS) to their mobile phone",
    OFFICE_PHONE: "User verified with a call to their office phone",
    EMAIL: "User verified with a code sent to their email",
    SECURITY_QUESTIONS: "User answered their security questions",
}
_STARTED = "User submitted their user ID"


def sspr_events(users: Sequence[User]) -> list[dict[str, Any]]:
    """Every SSPR event of ``users``, oldest first (Graph's order when no ``$orderby`` is given is its own)."""
    events = [event for user in users if user.activity is not None for event in _user_events(user, user.activity)]
    events.sort(key=lambda e: (e["activityDateTime"], e["id"]))
    return events


def event_count(activity: SsprActivity) -> int:
    """How many events :func:`sspr_events` writes for ``activity``, without writing them."""
    return sum(len(_stages(attempt)) for _, attempt in _flows(activity)) + bool(activity.last_registration)


def _user_events(user: User, activity: SsprActivity) -> Iterator[dict[str, Any]]:
    if activity.last_registration:
        yield _event(user, "registration", REGISTERED, activity.last_registration, "success", None)
    for key, attempt in _flows(activity):
        stages = _stages(attempt)
        for n, (name, result, reason) in enumerate(stages):
            yield _event(user, key, name, _shift(attempt.at, 0, minutes=n + 1 - len(stages)), result, reason)


def _flows(activity: SsprActivity) -> Iterator[tuple[str, ResetAttempt]]:
    """Each flow's key and attempt: the earlier ones a day apart (successes first), then the last."""
    last = activity.last_reset
    if last is None:
        return
    earlier_successes = activity.successes - (last.outcome in SUCCESSES)
    for n in range(1, activity.attempts):
        outcome = "reset" if n <= earlier_successes else "abandoned"
        yield f"flow-{n}", ResetAttempt(_shift(last.at, -n), outcome, last.method)
    yield "flow-0", last


def _stages(attempt: ResetAttempt) -> list[tuple[str, str, str | None]]:
    """(activity, result, reason) of each event of one flow: a start, the verification step, how it ended."""
    step = _STEP_FOR.get(attempt.method or "", "")
    ends = {"failed": "failure", "reset": RESET, "unlocked": UNLOCK, "blocked": BLOCKED}.get(attempt.outcome)
    stages: list[tuple[str, str, str | None]] = [(PROGRESS, "success", _STARTED)]
    if step:
        stages.append((PROGRESS, "success", step))
    if ends == "failure":
        stages.append((PROGRESS, "failure", attempt.step or "User failed a verification step"))
    elif ends is not None:
        stages.append((ends, "success", attempt.step))
    return stages


def _event(user: User, key: str, activity: str, at: str, result: str, reason: str | None) -> dict[str, Any]:
    """One directoryAudit in Graph v1.0's shape."""
    who = {
        "id": user.id,
        "displayName": user.display_name,
        "userPrincipalName": user.user_principal_name,
        "ipAddress": "203.0.113.7",
    }
    return {
        "id": "SSPR_" + stable_id("audit", user.id, key, activity, at),
        "category": "UserManagement",
        "correlationId": stable_id("flow", user.id, key),
        "result": result,
        "resultReason": reason or "",
        "activityDisplayName": activity,
        "activityDateTime": at,
        "loggedByService": SERVICE,
        "operationType": "Update",
        "initiatedBy": {"app": None, "user": who},
        "targetResources": [
            {
                "id": user.id,
                "displayName": user.display_name,
                "type": "User",
                "userPrincipalName": user.user_principal_name,
                "groupType": None,
                "modifiedProperties": [],
            }
        ],
        "additionalDetails": [],
    }


def _shift(at: str, days: int, minutes: int = 0) -> str:
    when = datetime.fromisoformat(at.replace("Z", "+00:00")) + timedelta(days=days, minutes=minutes)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
