"""SSPR audit events: what users actually did, one :class:`SsprActivity` per user.

The audit log (``auditLogs/directoryAudits``, logged by "Self-service Password
Management") keeps 7 days on a free tenant and 30 with Entra ID P1/P2
(howto-sspr-reporting). Events of one reset flow share a ``correlationId``:
a flow is read as a whole, so a step that failed before a successful reset
is a reset, and a flow that only made progress was abandoned.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from sspr_audit.audit.sspr_methods import EMAIL, MOBILE_APP, MOBILE_PHONE, OFFICE_PHONE, SECURITY_QUESTIONS
from sspr_audit.snapshot.models import Licence, ResetAttempt, SsprActivity

SERVICE = "Self-service Password Management"
RESET = "Reset password (self-service)"
PROGRESS = "Self-service password reset flow activity progress"
BLOCKED = "Blocked from self-service password reset"
REGISTERED = "User registered for self-service password reset"
UNLOCK = "Unlock user account (self-service)"
FLOW_ACTIVITIES = frozenset({RESET, PROGRESS, BLOCKED, UNLOCK})

RETENTION_FREE, RETENTION_PREMIUM = 7, 30  # days the audit log keeps (reference-reports-data-retention)

RESET_DONE, UNLOCKED, BLOCKED_OUT, ABANDONED, FAILED = "reset", "unlocked", "blocked", "abandoned", "failed"
SUCCESSES = frozenset({RESET_DONE, UNLOCKED})

# Words in an event's resultReason or additional details that name the method, most specific first.
_METHOD_WORDS = (
    ("security question", SECURITY_QUESTIONS),
    ("office phone", OFFICE_PHONE),
    ("mobile app", MOBILE_APP),
    ("authenticator", MOBILE_APP),
    ("app notification", MOBILE_APP),
    ("app code", MOBILE_APP),
    ("mobile phone", MOBILE_PHONE),
    ("sms", MOBILE_PHONE),
    ("text message", MOBILE_PHONE),
    ("voice call", MOBILE_PHONE),
    ("email", EMAIL),
)


def events_url(since: str) -> str:
    """The audit log query for SSPR events from ``since`` (ISO 8601 UTC) on."""
    clause = f"loggedByService eq '{SERVICE}' and activityDateTime ge {since}"
    return f"/auditLogs/directoryAudits?$filter={quote(clause, safe='')}"


def retention_days(licences: tuple[Licence, ...] | None) -> int:
    """Days of events the tenant keeps: 7 on a free tenant, else 30 (also when the licences are unknown)."""
    from sspr_audit.audit.tenant_facts import FREE, licence_level

    return RETENTION_FREE if licence_level(licences) == FREE else RETENTION_PREMIUM


def window_start(collected_at: str, days: int) -> str:
    """``days`` before ``collected_at``, as Graph's ``activityDateTime ge`` takes it."""
    start = datetime.fromisoformat(collected_at.replace("Z", "+00:00")) - timedelta(days=days)
    return start.strftime("%Y-%m-%dT%H:%M:%SZ")


def method_named(text: str | None) -> str | None:
    """The SSPR method a piece of event text names, or None."""
    lowered = (text or "").casefold()
    return next((method for word, method in _METHOD_WORDS if word in lowered), None)


@dataclass
class _Flow:
    events: list[tuple[datetime, str, str, str | None, str | None]] = field(default_factory=list)

    def attempt(self) -> ResetAttempt:
        """The flow's outcome, the step a failure names and the method its events name last."""
        self.events.sort(key=lambda e: e[0])
        at = _iso(self.events[-1][0])
        outcome, step, method = ABANDONED, None, None
        for _, activity, result, reason, named in self.events:
            method = named or method
            if activity in (RESET, UNLOCK) and result == "success":
                return ResetAttempt(at, RESET_DONE if activity == RESET else UNLOCKED, method, None)
            if activity == BLOCKED:
                outcome, step = BLOCKED_OUT, reason
            elif result in ("failure", "timeout") and outcome != BLOCKED_OUT:
                outcome, step = FAILED, reason
                method = named or method
        return ResetAttempt(at, outcome, method, step)


def activities(events: Iterable[Any]) -> dict[str, SsprActivity]:
    """Each user's activity, keyed by lower-case user id (or userPrincipalName when an event has no id)."""
    flows: dict[str, dict[str, _Flow]] = {}
    registered: dict[str, datetime] = {}
    for event in events:
        parsed = _parse(event)
        if parsed is None:
            continue
        who, flow_id, when, activity, result, reason, named = parsed
        if activity == REGISTERED:
            if result == "success" and when > registered.get(who, datetime.min.replace(tzinfo=when.tzinfo)):
                registered[who] = when
            continue
        flows.setdefault(who, {}).setdefault(flow_id, _Flow()).events.append((when, activity, result, reason, named))
    found: dict[str, SsprActivity] = {}
    for who in {*flows, *registered}:
        attempts = sorted((f.attempt() for f in flows.get(who, {}).values()), key=lambda a: a.at)
        last_registration = registered.get(who)
        found[who] = SsprActivity(
            last_reset=attempts[-1] if attempts else None,
            last_registration=_iso(last_registration) if last_registration else None,
            attempts=len(attempts),
            successes=sum(a.outcome in SUCCESSES for a in attempts),
        )
    return found


def _parse(event: Any) -> tuple[str, str, datetime, str, str, str | None, str | None] | None:
    """(user, flow, time, activity, result, reason, method named) of one SSPR event; None for any other."""
    if not isinstance(event, Mapping):
        return None
    activity = event.get("activityDisplayName")
    if event.get("loggedByService") != SERVICE or activity not in (*FLOW_ACTIVITIES, REGISTERED):
        return None
    who = _user_key(event)
    when = _time(event.get("activityDateTime"))
    if who is None or when is None:
        return None
    reason = event.get("resultReason") if isinstance(event.get("resultReason"), str) else None
    details = [d.get("value") for d in _list(event.get("additionalDetails")) if isinstance(d, dict)]
    named = method_named(" ".join(t for t in (reason, *details) if isinstance(t, str)))
    flow = event.get("correlationId") or event.get("id") or f"{who}{when.isoformat()}"
    result = str(event.get("result") or "").casefold()
    return who, str(flow), when, str(activity), result, reason or None, named


def _user_key(event: Mapping[str, Any]) -> str | None:
    """The user the event is about: its User target, else the user who started it."""
    targets = [t for t in _list(event.get("targetResources")) if isinstance(t, dict)]
    initiator = (event.get("initiatedBy") or {}).get("user") if isinstance(event.get("initiatedBy"), dict) else None
    candidates = [t for t in targets if str(t.get("type") or "").casefold() == "user"]
    if isinstance(initiator, dict):
        candidates.append(initiator)
    for who in candidates:
        for key in ("id", "userPrincipalName"):
            if isinstance(who.get(key), str) and who[key]:
                return who[key].casefold()
    return None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _time(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
