"""What stays of one user once judged: the result, and only what the population-wide rules and counts read.

A full :class:`~sspr_audit.audit.readiness.Assessment` (every candidate, check,
policy answer and later verdict) is several times the size of a user's
result; a million of them do not fit beside the tenant. So each user is
judged, checked by the per-user rules and compared with the audit events at
once, and only this record is kept for the rules over all users (masked
numbers, the exclusions), the timeline and the assumptions; the numbers
several users share are found apart (``shared_numbers.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sspr_audit.audit.hygiene import NotUsed
from sspr_audit.audit.readiness import Assessment, PhoneCheck
from sspr_audit.audit.results import UncountedMethod, UserResult


@dataclass(frozen=True, slots=True)
class Judged:
    """One judged user: the result every report shows, and the few facts the population-wide rules read."""

    index: int
    result: UserResult
    admin_roles: tuple[str, ...]
    masked_phones: tuple[PhoneCheck, ...]  # users in scope only: no rule over all users looks at the others' numbers
    candidate_methods: frozenset[str]  # the SSPR methods the user might present, whatever the day
    security_questions_registered: bool
    not_used: NotUsed | None
    timeline: tuple[bool, ...]  # can reset on each announced change after the audit's day

    user = property(lambda self: self.result.user)
    status = property(lambda self: self.result.status)
    reason = property(lambda self: self.result.reason)
    is_admin = property(lambda self: self.result.is_admin)
    required = property(lambda self: self.result.required)

    @property
    def in_scope(self) -> bool:
        return self.result.status.in_scope

    @property
    def uncounted(self) -> tuple[UncountedMethod, ...]:
        return self.result.uncounted


def judged(a: Assessment, result: UserResult, shared: dict[Any, Any]) -> Judged:
    """Keep of ``a`` what :class:`Judged` holds; ``shared`` holds each method set and timeline once."""
    methods = frozenset(m.method for m in a.facts.candidates)
    return Judged(
        a.index,
        result,
        a.admin_roles,
        tuple(c for c in a.phones if c.analysis.masked) if a.status.in_scope else (),
        shared.setdefault(methods, methods),
        a.security_questions_registered,
        a.facts.not_used,
        shared.setdefault(a.timeline, a.timeline),
    )
