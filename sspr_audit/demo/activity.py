"""What the demo tenant's users did with SSPR in the 30 days before the collection.

A few scenario users are given attempts that the audit must compare with its
verdict, deliberately: one judged not ready who reset anyway (directory data
still reached them), one judged able to reset who failed at the email the
audit counted (a mailbox in the organisation's own domain), and not-ready
users who tried and failed, the helpdesk calls the audit predicted. Bulk
users register, reset with the app or email, or give up halfway; only users
whom the tenant's policy plainly lets reset with app and email reset.
Deterministic for a seed, and drawn from a generator of its own so the
tenant itself is the same with or without it.
"""

from __future__ import annotations

import dataclasses
import random
from datetime import datetime, timedelta

from sspr_audit.demo.groups import NO_EMAIL
from sspr_audit.demo.scenarios import SCENARIOS
from sspr_audit.snapshot.models import EventsRead, ResetAttempt, Snapshot, SsprActivity, User

WINDOW_DAYS = 30  # the demo tenant is licensed (Entra ID P1/P2): 30 days of audit events
_BULK_SHARE = 0.15

# Scenario -> (days before the collection, outcome, method, step): the deliberate comparisons.
PLANNED: dict[str, tuple[float, str, str | None, str | None]] = {
    "prepopulated_only": (13.2, "reset", "mobile_phone", None),  # not ready, yet reset: a contradiction
    "email_method_own_domain": (4.5, "failed", "email", "User did not enter the verification code in time"),
    "no_usable_method": (6.1, "failed", None, "User is not registered for password reset"),
    "authenticator_only": (2.3, "blocked", "mobile_app", "User tried more than five times in 24 hours"),
    "admin_with_questions": (9.7, "reset", "mobile_app", None),
    "questions_only": (20.4, "abandoned", "security_questions", None),
}


def with_activity(snapshot: Snapshot, seed: int) -> Snapshot:
    """``snapshot`` with each user's SSPR activity and the events window recorded on the tenant."""
    collected = datetime.fromisoformat(snapshot.tenant.collected_at.replace("Z", "+00:00"))
    rng = random.Random(f"sspr-activity-{seed}")
    excluded = {g.id for g in snapshot.tenant.groups if g.display_name == NO_EMAIL}
    names = {1 + i: s.name for i, s in enumerate(SCENARIOS)}
    users = []
    for index, user in enumerate(snapshot.users):
        name = names.get(index)
        if name in PLANNED:
            days, outcome, method, step = PLANNED[name]
            at = _at(collected, days)
            attempt = ResetAttempt(at, outcome, method, step)
            user = dataclasses.replace(user, activity=SsprActivity(attempt, None, 1, int(outcome == "reset")))
        elif index > len(SCENARIOS) and user.user_type == "Member" and rng.random() < _BULK_SHARE:
            user = dataclasses.replace(user, activity=_bulk(rng, user, collected, excluded))
        users.append(user)
    from sspr_audit.emulator.audit_log import event_count

    since = (collected - timedelta(days=WINDOW_DAYS)).strftime("%Y-%m-%dT%H:%M:%SZ")
    count = sum(event_count(u.activity) for u in users if u.activity is not None)
    tenant = dataclasses.replace(snapshot.tenant, events=EventsRead(since, WINDOW_DAYS, count))
    return dataclasses.replace(snapshot, tenant=tenant, users=tuple(users))


def _bulk(rng: random.Random, user: User, collected: datetime, excluded: set[str]) -> SsprActivity:
    """A registration, a reset with the app or email, or a flow given up halfway."""
    types = {m.type for m in user.methods or ()}
    can_reset = {"microsoftAuthenticator", "email"} <= types and bool(user.groups) and not excluded & set(user.groups)
    registered = _at(collected, rng.uniform(1, WINDOW_DAYS - 2)) if rng.random() < 0.4 else None
    roll = rng.random()
    if can_reset and roll < 0.6:
        method = "mobile_app" if rng.random() < 0.7 else "email"
        attempts = 1 + (rng.random() < 0.2)
        at = _at(collected, rng.uniform(0.2, WINDOW_DAYS - attempts - 1))
        return SsprActivity(ResetAttempt(at, "reset", method), registered, attempts, attempts)
    if roll < 0.8 or registered is None:
        at = _at(collected, rng.uniform(0.2, WINDOW_DAYS - 1))
        return SsprActivity(ResetAttempt(at, "abandoned", None), registered, 1, 0)
    return SsprActivity(None, registered, 0, 0)


def _at(collected: datetime, days_before: float) -> str:
    return (collected - timedelta(days=days_before)).strftime("%Y-%m-%dT%H:%M:%SZ")
