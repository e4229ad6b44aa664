"""Who the share "X% can reset" is counted over, and what each exclusion took out of it.

Every output names the exclusions that applied and how many users each
removed, says which hygiene source could not be read (its users stay
counted), and warns loudly when the exclusions removed more than half of the
users or every administrator: a share over a handful of people, or over no
administrator, is no answer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sspr_audit.audit.hygiene import LABELS, PERMISSIONS, NotUsed
from sspr_audit.audit.judged import Judged
from sspr_audit.audit.policy import Policy
from sspr_audit.audit.results import Readiness
from sspr_audit.snapshot.models import Source, SourceState, SourceStatus, Tenant

POLICY_EXCLUSIONS = "[[exclude]] patterns"
_REMOVED = frozenset({Readiness.EXCLUDED, Readiness.SET_ASIDE})


@dataclass(frozen=True)
class Denominator:
    """The users an exclusion could remove, and what each exclusion removed."""

    pool: int  # enabled members (and guests when included): the users before any exclusion
    removed: dict[str, int]  # POLICY_EXCLUSIONS or a hygiene label -> users removed
    admins: int  # administrators in the pool
    admins_removed: int

    @property
    def removed_total(self) -> int:
        return sum(self.removed.values())

    @property
    def warning(self) -> str | None:
        """The loud warning, when exclusions removed more than half of the users or every administrator."""
        what = ", ".join(f"{name} {count:,}" for name, count in self.removed.items() if count)
        if self.pool and self.removed_total * 2 > self.pool:
            return (
                f"WARNING: exclusions removed {self.removed_total:,} of {self.pool:,} users ({what}): the share who"
                " can reset is counted over the few left. Check the [[exclude]] patterns and the [scope] switches."
            )
        if self.admins and self.admins_removed == self.admins:
            return (
                f"WARNING: exclusions removed every administrator ({self.admins:,}; {what}): no administrator's"
                " readiness is judged. Check the [[exclude]] patterns and the [scope] switches."
            )
        return None


def denominator(policy: Policy, judged: Sequence[Judged]) -> Denominator:
    """Count what each exclusion removed from the users it could apply to."""
    pool = [a for a in judged if _eligible(a, policy)]
    reasons: Counter[str] = Counter()
    for a in pool:
        if a.status == Readiness.EXCLUDED:
            reasons[POLICY_EXCLUSIONS] += 1
        elif a.status == Readiness.SET_ASIDE and a.not_used is not None:
            reasons[LABELS[a.not_used]] += 1
    removed = {POLICY_EXCLUSIONS: reasons[POLICY_EXCLUSIONS]} if policy.exclusions else {}
    removed.update((LABELS[kind], reasons[LABELS[kind]]) for kind in NotUsed if _switched_on(kind, policy))
    admins = [a for a in pool if a.is_admin]
    return Denominator(len(pool), removed, len(admins), sum(a.status in _REMOVED for a in admins))


def summary(unread: dict[NotUsed, str], counted: Denominator) -> str:
    """The one line every output shows: each exclusion and how many users it removed, or why it could not."""
    parts = []
    for name, count in counted.removed.items():
        kind = next((k for k, label in LABELS.items() if label == name), None)
        parts.append(f"{name}: not read, all counted" if kind in unread else f"{name}: {count:,}")
    return "; ".join(parts) or "none"


def not_read(tenant: Tenant, policy: Policy, licences_read: bool) -> dict[NotUsed, str]:
    """Each switched-on exclusion whose source was not read, with a sentence naming the permission.

    ``licences_read``: some user's assigned licences were read (a snapshot from before they were is silent).
    """
    said: dict[NotUsed, str] = {}
    if policy.exclude_shared_mailboxes:
        status = tenant.source(Source.MAILBOX_SETTINGS.value)
        if status is None or status.state != SourceState.READ:
            why = _why(status)
            text = (
                f"Mailbox purposes were {why} (needs {PERMISSIONS[NotUsed.SHARED_MAILBOX]}): shared, room and"
                " equipment mailboxes could not be told apart and stay counted."
            )
            said[NotUsed.SHARED_MAILBOX] = said[NotUsed.RESOURCE_MAILBOX] = text
    if policy.require_license and not licences_read:
        said[NotUsed.NO_LICENCE] = (
            "Assigned licences were not read (an older snapshot): accounts with no licence stay counted."
        )
    if policy.stale_after_days:
        status = tenant.source(Source.SIGN_IN_ACTIVITY.value)
        if status is None or status.state != SourceState.READ:
            why = _why(status)
            said[NotUsed.NO_SIGN_IN] = (
                f"Sign-in activity was {why} (needs {PERMISSIONS[NotUsed.NO_SIGN_IN]}): accounts with no sign-in"
                f" for {policy.stale_after_days} days could not be found and stay counted."
            )
    return said


def _why(status: SourceStatus | None) -> str:
    if status is None:
        return "not read (a snapshot from an older version)"
    if status.state == SourceState.NOT_PERMITTED:
        return f"refused (HTTP {status.http_status or 403}{' ' + status.error_code if status.error_code else ''})"
    return "not read" + (f" ({status.message})" if status.message else "")


def _switched_on(kind: NotUsed, policy: Policy) -> bool:
    if kind in (NotUsed.SHARED_MAILBOX, NotUsed.RESOURCE_MAILBOX):
        return policy.exclude_shared_mailboxes
    if kind == NotUsed.NO_LICENCE:
        return policy.require_license
    return bool(policy.stale_after_days)


def _eligible(a: Judged, policy: Policy) -> bool:
    """Enabled, and a member (or a guest the policy includes): a user the share could count."""
    user = a.user
    return user.account_enabled and ((user.user_type or "").lower() != "guest" or policy.include_guests)
