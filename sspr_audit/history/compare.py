"""What changed between two audits of one tenant.

A weekly review asks "what got worse since last time?": findings that are new
or resolved (keyed by rule, user and field, so a number that is still wrong in
another way is the same finding), users who could reset and no longer can,
administrators who lost a method, and people who joined or left SSPR scope.

Pure: both sides are :class:`OrderedRun` values, their users in id order and
their findings in key order, read back from the run history
(:mod:`sspr_audit.history.store`) or made from an audit just run
(:func:`ordered`), so a snapshot on disk compares as well as a recorded run.
The two sides are walked side by side, one user and one finding at a time,
so a million-user week compares with the week before without either being
held whole. Their text, JSON and HTML forms are drawn by
:mod:`sspr_audit.render.changes`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from sspr_audit.audit.results import (
    AuditResult,
    Finding,
    PolicySetting,
    Readiness,
    Severity,
    UserResult,
    finding_order,
    share,
)
from sspr_audit.audit.rulebook import has_passed
from sspr_audit.errors import InputError
from sspr_audit.snapshot.models import SsprActivity

NOT_READY_STATUSES = (Readiness.NOT_READY, Readiness.UNKNOWN)
T = TypeVar("T")


class ChangesError(InputError):
    """Two runs that cannot be compared (different tenants)."""


@dataclass(frozen=True, slots=True)
class RunSummary:
    """One audit as the history lists it."""

    id: int | None  # None for an audit that was not recorded (a snapshot audited now)
    tenant_id: str
    tenant_name: str
    generated_at: str  # ISO 8601 UTC
    policy_hash: str  # sha256 of the effective policy settings
    snapshot_path: str | None
    users_total: int
    users_in_scope: int
    users_ready: int
    severity_counts: tuple[int, ...]  # findings per severity, in Severity order (critical first)
    as_of: str | None = None  # YYYY-MM-DD whose SSPR rules the run followed; None for runs recorded before
    collected_at: str | None = None  # when its snapshot was read from the tenant; None for runs recorded before
    what_if: bool = False  # judged with a policy other than the one its snapshot's run used
    events_read: int | None = None  # SSPR audit events read; None when not read (or recorded before)
    attempts: int | None = None  # reset and unlock flows in the events window, every user
    successes: int | None = None  # those that ended in a reset or an unlock

    @property
    def ready_percent(self) -> float | None:
        """Ready users over users in scope, as the reports compute it; None when nobody is in scope."""
        return share(self.users_ready, self.users_in_scope)

    @property
    def findings_total(self) -> int:
        return sum(self.severity_counts)

    @property
    def label(self) -> str:
        """How a person names this audit: ``run 4 (2026-11-20T09:00:00Z)``."""
        what = f"run {self.id}" if self.id is not None else (self.snapshot_path or "audit")
        return f"{what} ({self.generated_at})"


@dataclass(frozen=True, slots=True)
class StoredFinding:
    """A finding as the history keeps it."""

    rule: str
    severity: Severity
    user_id: str | None  # None for a finding about the tenant
    upn: str | None
    field: str | None
    value: str | None
    message: str


@dataclass(frozen=True, slots=True)
class StoredUser:
    """A user's status in one run."""

    id: str
    upn: str
    display_name: str | None
    status: Readiness
    is_admin: bool
    usable_count: int
    usable_methods: tuple[str, ...]
    loses_sspr_on: str | None = None  # the announced change that would strand the user (YYYY-MM-DD)
    loses_sspr_because: str | None = None
    last_reset_at: str | None = None  # the last SSPR attempt in the events window (ISO 8601 UTC)
    last_reset_outcome: str | None = None  # reset, unlocked, blocked, abandoned, failed

    @property
    def in_scope(self) -> bool:
        return self.status.in_scope


@dataclass(frozen=True, slots=True)
class StoredRun:
    """One audit with its users and findings."""

    summary: RunSummary
    users: tuple[StoredUser, ...] | None  # None when the run predates per-user history (schema 1)
    findings: tuple[StoredFinding, ...]


@dataclass(frozen=True, slots=True)
class OrderedRun:
    """One audit as :func:`changes` reads it: each user and each finding once, in order, made as it is read."""

    summary: RunSummary
    users: Iterable[StoredUser] | None  # by id; None when the run predates per-user history (schema 1)
    findings: Iterable[StoredFinding]  # by key, and in the run's own order where a key repeats


def user_key(u: StoredUser) -> str:
    """What finds one user in two runs."""
    return u.id


def finding_key(f: StoredFinding | Finding) -> tuple[str, str, str]:
    """What finds one finding in two runs: rule, user and field (the value may change)."""
    return (f.rule, f.user_id or "", f.field or "")


@dataclass(frozen=True, slots=True)
class UserChange:
    """One user whose situation changed, in one sentence."""

    user_id: str
    upn: str
    display_name: str | None
    before: str | None  # a status, or a method count; None when the user was not there
    after: str | None
    detail: str


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """The readiness of one run, for the trend chart."""

    run_id: int | None
    generated_at: str
    ready_percent: float | None
    attempts: int | None = None  # SSPR attempts in the run's events window; None when not read
    successes: int | None = None


@dataclass(frozen=True, slots=True)
class RunChanges:
    """The difference between two runs of one tenant; ``old is None`` on the first recorded run."""

    old: RunSummary | None
    new: RunSummary
    new_findings: tuple[StoredFinding, ...] = ()
    resolved_findings: tuple[StoredFinding, ...] = ()
    became_not_ready: tuple[UserChange, ...] = ()
    admins_lost_method: tuple[UserChange, ...] = ()
    joined: tuple[UserChange, ...] = ()
    left: tuple[UserChange, ...] = ()
    reset_while_not_ready: tuple[UserChange, ...] = ()  # not ready in the old run, reset successfully since
    users_compared: bool = True  # False when a side has no per-user history
    trend: tuple[TrendPoint, ...] = ()  # readiness of the last runs, oldest first, ending with ``new``

    @property
    def first_run(self) -> bool:
        return self.old is None

    @property
    def policy_changed(self) -> bool:
        return self.old is not None and self.old.policy_hash != self.new.policy_hash

    def sections(self) -> tuple[tuple[str, str, tuple], ...]:
        """``(key, title, items)`` for each kind of change, in the order reports show them."""
        return (
            ("new_findings", "New findings", self.new_findings),
            ("resolved_findings", "Resolved findings", self.resolved_findings),
            ("became_not_ready", "Users who became not ready", self.became_not_ready),
            ("admins_lost_method", "Administrators who lost a method", self.admins_lost_method),
            ("joined", "Joined SSPR scope", self.joined),
            ("left", "Left SSPR scope", self.left),
            ("reset_while_not_ready", "Not ready, yet reset successfully since", self.reset_while_not_ready),
        )


def policy_hash(settings: Iterable[PolicySetting]) -> str:
    """sha256 of the effective settings (name and value; where a value came from does not change it)."""
    canonical = json.dumps(sorted([s.name, s.value] for s in settings), separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def run_from_result(
    result: AuditResult, snapshot_path: str | None = None, run_id: int | None = None, *, what_if: bool = False
) -> StoredRun:
    """An audit result in the form the history stores, so it compares like a recorded run."""
    return StoredRun(
        summary_of(result, snapshot_path, run_id, what_if=what_if),
        tuple(stored_users(result.users)),
        tuple(stored_findings(result.findings)),
    )


def ordered(run: StoredRun | AuditResult | OrderedRun) -> OrderedRun:
    """``run`` with its users by id and its findings by key; an audit result's made one at a time as read."""
    if isinstance(run, OrderedRun):
        return run
    if isinstance(run, AuditResult):
        return OrderedRun(
            summary_of(run),
            stored_users(sorted(run.users, key=lambda u: u.user.id)),
            stored_findings(sorted(run.findings, key=finding_key)),
        )
    return OrderedRun(
        run.summary,
        sorted(run.users, key=user_key) if run.users is not None else None,
        sorted(run.findings, key=finding_key),
    )


def summary_of(
    result: AuditResult, snapshot_path: str | None = None, run_id: int | None = None, *, what_if: bool = False
) -> RunSummary:
    """The run summary of an audit result, counted from it."""
    tenant = result.tenant
    return RunSummary(
        id=run_id,
        tenant_id=tenant.id,
        tenant_name=tenant.label,
        generated_at=result.generated_at,
        policy_hash=policy_hash(result.policy),
        snapshot_path=snapshot_path,
        users_total=len(result.users),
        users_in_scope=sum(1 for u in result.users if u.status.in_scope),
        users_ready=sum(1 for u in result.users if u.status.can_reset),
        severity_counts=severity_counts(f.severity for f in result.findings),
        as_of=result.as_of,
        collected_at=tenant.collected_at,
        what_if=what_if,
        **_event_counts(result),
    )


def stored_users(users: Iterable[UserResult]) -> Iterator[StoredUser]:
    """Each user as the history keeps them, made when asked for."""
    for u in users:
        yield StoredUser(
            u.user.id,
            u.user.user_principal_name,
            u.user.display_name,
            u.status,
            u.is_admin,
            u.usable_count,
            tuple(sorted({m.method for m in u.usable})),
            u.loses_sspr_on,
            u.loses_sspr_because,
            *_last_reset(u.user.activity),
        )


def stored_findings(findings: Iterable[Finding]) -> Iterator[StoredFinding]:
    """Each finding as the history keeps it, made when asked for."""
    for f in findings:
        yield StoredFinding(f.rule, f.severity, f.user_id, f.upn, f.field, f.value, f.message)


SUCCESSES = ("reset", "unlocked")


def _last_reset(activity: SsprActivity | None) -> tuple[str | None, str | None]:
    last = activity.last_reset if activity else None
    return (last.at, last.outcome) if last else (None, None)


def _event_counts(result: AuditResult) -> dict[str, int | None]:
    """Events read, attempts and successes of the run: None each when the events were not read."""
    if result.reality is None or not result.reality.read:
        return {"events_read": None, "attempts": None, "successes": None}
    done = [u.user.activity for u in result.users if u.user.activity is not None]
    return {
        "events_read": result.reality.events_read,
        "attempts": sum(a.attempts for a in done),
        "successes": sum(a.successes for a in done),
    }


def severity_counts(severities: Iterable[Severity]) -> tuple[int, ...]:
    """Counts aligned with :class:`Severity` (critical first)."""
    counts = dict.fromkeys(Severity, 0)
    for s in severities:
        counts[s] += 1
    return tuple(counts.values())


def trend_point(summary: RunSummary) -> TrendPoint:
    return TrendPoint(summary.id, summary.generated_at, summary.ready_percent, summary.attempts, summary.successes)


def compare(old: StoredRun | AuditResult | OrderedRun | None, new: StoredRun | AuditResult | OrderedRun) -> RunChanges:
    """What changed from ``old`` to ``new``; with no ``old``, a first run with nothing to show."""
    return changes(ordered(old) if old is not None else None, ordered(new))


def changes(old: OrderedRun | None, new: OrderedRun) -> RunChanges:
    """What changed from ``old`` to ``new``, each side read once, side by side."""
    if old is None:
        return RunChanges(None, new.summary, trend=(trend_point(new.summary),))
    if old.summary.tenant_id != new.summary.tenant_id:
        raise ChangesError(
            f"{old.summary.label} is of tenant {old.summary.tenant_id} and {new.summary.label} of tenant"
            f" {new.summary.tenant_id}: only audits of one tenant can be compared"
        )
    added: list[StoredFinding] = []
    resolved: list[StoredFinding] = []
    for was, now in side_by_side(old.findings, new.findings, finding_key):
        if was is None:
            added.append(now)
        elif now is None:
            resolved.append(was)
    found = RunChanges(
        old.summary,
        new.summary,
        new_findings=_sorted_findings(added),
        resolved_findings=_sorted_findings(resolved),
        users_compared=old.users is not None and new.users is not None,
        trend=(trend_point(old.summary), trend_point(new.summary)),
    )
    if old.users is None or new.users is None:
        return found
    since = old.summary.collected_at or old.summary.generated_at
    return _with_user_changes(found, old.users, new.users, new.summary.as_of, since)


_NONE: Any = object()


def side_by_side(old: Iterable[T], new: Iterable[T], key: Callable[[T], Any]) -> Iterator[tuple[Any, Any]]:
    """The items of two runs paired by key, in key order: ``(old, None)`` or ``(None, new)`` where one lacks it.

    Both sides must come in key order; where one holds a key twice, its first item stands for both.
    """
    olds, news = _first_of_each(old, key), _first_of_each(new, key)
    was, now = next(olds, _NONE), next(news, _NONE)
    while was is not _NONE or now is not _NONE:
        if now is _NONE or (was is not _NONE and key(was) < key(now)):
            yield was, None
            was = next(olds, _NONE)
        elif was is _NONE or key(now) < key(was):
            yield None, now
            now = next(news, _NONE)
        else:
            yield was, now
            was, now = next(olds, _NONE), next(news, _NONE)


def _first_of_each(items: Iterable[T], key: Callable[[T], Any]) -> Iterator[T]:
    """The first item of each key; an item out of key order is the caller's fault, raised, never a wrong diff."""
    last = _NONE
    for item in items:
        k = key(item)
        if last is not _NONE and k <= last:
            if k == last:
                continue
            raise ValueError(f"runs compared out of order: {k!r} after {last!r}")
        yield item
        last = k


def _sorted_findings(findings: Iterable[StoredFinding]) -> tuple[StoredFinding, ...]:
    return tuple(sorted(findings, key=finding_order))


def _slipped(was: StoredUser, now: StoredUser, as_of: str | None) -> str:
    """Why a user who could reset no longer can: a date Microsoft set passed, or their data changed."""
    text = f"Was {_words(was.status)}, now {_words(now.status)}."
    if has_passed(was.loses_sspr_on, as_of) and now.status == Readiness.NOT_READY:
        return f"{text} Lost SSPR on {was.loses_sspr_on} because Microsoft's rules changed: {was.loses_sspr_because}"
    return text


def _with_user_changes(
    changes: RunChanges, old: Iterable[StoredUser], new: Iterable[StoredUser], as_of: str | None, since: str
) -> RunChanges:
    """The users whose situation changed, found walking both runs' users side by side."""
    slipped: list[UserChange] = []
    lost: list[UserChange] = []
    joined: list[UserChange] = []
    left: list[UserChange] = []
    reset: list[UserChange] = []
    gone_text = "No longer in the snapshot (deleted from the directory, or no longer collected)."
    for was, u in side_by_side(old, new, user_key):
        if u is None:
            if was.in_scope:
                left.append(_change(was, was.status, None, gone_text))
            continue
        if was is None:
            if u.in_scope:
                joined.append(_change(u, None, u.status, "New in the snapshot, in SSPR scope."))
            continue
        if was.status.can_reset and u.status in NOT_READY_STATUSES:
            slipped.append(_change(u, was.status, u.status, _slipped(was, u, as_of)))
        if u.is_admin and u.usable_count < was.usable_count:
            gone = sorted(set(was.usable_methods) - set(u.usable_methods))
            what = f" ({', '.join(gone)} no longer usable)" if gone else ""
            lost.append(
                UserChange(
                    u.id,
                    u.upn,
                    u.display_name,
                    str(was.usable_count),
                    str(u.usable_count),
                    f"Usable methods went from {was.usable_count} to {u.usable_count}{what}.",
                )
            )
        if u.in_scope and not was.in_scope:
            joined.append(_change(u, was.status, u.status, f"Was {_words(was.status)}, now in scope."))
        elif was.in_scope and not u.in_scope:
            left.append(_change(u, was.status, u.status, f"Now {_words(u.status)}."))
        if was.status == Readiness.NOT_READY and u.last_reset_outcome in SUCCESSES and (u.last_reset_at or "") > since:
            detail = f"Was not ready; reset successfully on {u.last_reset_at}. Now {_words(u.status)}."
            reset.append(_change(u, was.status, u.status, detail))
    return replace(
        changes,
        became_not_ready=_sorted_users(slipped),
        admins_lost_method=_sorted_users(lost),
        joined=_sorted_users(joined),
        left=_sorted_users(left),
        reset_while_not_ready=_sorted_users(reset),
    )


def _words(status: Readiness) -> str:
    return status.value.replace("_", " ")


def _change(u: StoredUser, before: Readiness | None, after: Readiness | None, detail: str) -> UserChange:
    return UserChange(
        u.id, u.upn, u.display_name, before.value if before else None, after.value if after else None, detail
    )


def _sorted_users(changes: list[UserChange]) -> tuple[UserChange, ...]:
    return tuple(sorted(changes, key=lambda c: (c.upn.casefold(), c.user_id)))
