"""What changed between two audits of one tenant.

A weekly review asks "what got worse since last time?": findings that are new
or resolved (keyed by rule, user and field, so a number that is still wrong in
another way is the same finding), users who could reset and no longer can,
administrators who lost a method, and people who joined or left SSPR scope.

Pure: both sides are :class:`StoredRun` values, read back from the run history
(:mod:`sspr_audit.history.store`) or made from an audit just run
(:func:`run_from_result`), so a snapshot on disk compares as well as a
recorded run. Their text, JSON and HTML forms are drawn by
:mod:`sspr_audit.render.changes`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, replace

from sspr_audit.audit.results import AuditResult, PolicySetting, Readiness, Severity, finding_order, share
from sspr_audit.audit.rulebook import has_passed
from sspr_audit.errors import InputError
from sspr_audit.snapshot.models import SsprActivity

NOT_READY_STATUSES = (Readiness.NOT_READY, Readiness.UNKNOWN)


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

    @property
    def key(self) -> tuple[str, str, str]:
        """The same finding in two runs: rule, user and field (the value may change)."""
        return (self.rule, self.user_id or "", self.field or "")


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
    users = tuple(
        StoredUser(
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
        for u in result.users
    )
    findings = tuple(
        StoredFinding(f.rule, f.severity, f.user_id, f.upn, f.field, f.value, f.message) for f in result.findings
    )
    tenant = result.tenant
    summary = RunSummary(
        id=run_id,
        tenant_id=tenant.id,
        tenant_name=tenant.label,
        generated_at=result.generated_at,
        policy_hash=policy_hash(result.policy),
        snapshot_path=snapshot_path,
        users_total=len(users),
        users_in_scope=sum(1 for u in users if u.in_scope),
        users_ready=sum(1 for u in users if u.status.can_reset),
        severity_counts=severity_counts(f.severity for f in findings),
        as_of=result.as_of,
        collected_at=tenant.collected_at,
        what_if=what_if,
        **_event_counts(result),
    )
    return StoredRun(summary, users, findings)


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


def compare(old: StoredRun | AuditResult | None, new: StoredRun | AuditResult) -> RunChanges:
    """What changed from ``old`` to ``new``; with no ``old``, a first run with nothing to show."""
    new = run_from_result(new) if isinstance(new, AuditResult) else new
    if old is None:
        return RunChanges(None, new.summary, trend=(trend_point(new.summary),))
    old = run_from_result(old) if isinstance(old, AuditResult) else old
    if old.summary.tenant_id != new.summary.tenant_id:
        raise ChangesError(
            f"{old.summary.label} is of tenant {old.summary.tenant_id} and {new.summary.label} of tenant"
            f" {new.summary.tenant_id}: only audits of one tenant can be compared"
        )
    before = _by_key(old.findings)
    after = _by_key(new.findings)
    changes = RunChanges(
        old.summary,
        new.summary,
        new_findings=_sorted_findings(f for k, f in after.items() if k not in before),
        resolved_findings=_sorted_findings(f for k, f in before.items() if k not in after),
        users_compared=old.users is not None and new.users is not None,
        trend=(trend_point(old.summary), trend_point(new.summary)),
    )
    if old.users is None or new.users is None:
        return changes
    changes = _with_user_changes(changes, old.users, new.users, new.summary.as_of)
    since = old.summary.collected_at or old.summary.generated_at
    return replace(changes, reset_while_not_ready=_reset_while_not_ready(old.users, new.users, since))


def _reset_while_not_ready(
    old: tuple[StoredUser, ...], new: tuple[StoredUser, ...], since: str
) -> tuple[UserChange, ...]:
    """Users not ready in the old run whose last attempt since it was a successful reset or unlock."""
    before = {u.id: u for u in old}
    found = []
    for u in new:
        was = before.get(u.id)
        if (
            was is not None
            and was.status == Readiness.NOT_READY
            and u.last_reset_outcome in SUCCESSES
            and (u.last_reset_at or "") > since
        ):
            detail = f"Was not ready; reset successfully on {u.last_reset_at}. Now {_words(u.status)}."
            found.append(_change(u, was.status, u.status, detail))
    return _sorted_users(found)


def _by_key(findings: Iterable[StoredFinding]) -> dict[tuple[str, str, str], StoredFinding]:
    """Findings by key; when a run holds one key twice, the first stands for both."""
    keyed: dict[tuple[str, str, str], StoredFinding] = {}
    for f in findings:
        keyed.setdefault(f.key, f)
    return keyed


def _sorted_findings(findings: Iterable[StoredFinding]) -> tuple[StoredFinding, ...]:
    return tuple(sorted(findings, key=finding_order))


def _slipped(was: StoredUser, now: StoredUser, as_of: str | None) -> str:
    """Why a user who could reset no longer can: a date Microsoft set passed, or their data changed."""
    text = f"Was {_words(was.status)}, now {_words(now.status)}."
    if has_passed(was.loses_sspr_on, as_of) and now.status == Readiness.NOT_READY:
        return f"{text} Lost SSPR on {was.loses_sspr_on} because Microsoft's rules changed: {was.loses_sspr_because}"
    return text


def _with_user_changes(
    changes: RunChanges, old: tuple[StoredUser, ...], new: tuple[StoredUser, ...], as_of: str | None = None
) -> RunChanges:
    before = {u.id: u for u in old}
    after = {u.id: u for u in new}
    slipped: list[UserChange] = []
    lost: list[UserChange] = []
    joined: list[UserChange] = []
    left: list[UserChange] = []
    for u in after.values():
        was = before.get(u.id)
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
    gone_text = "No longer in the snapshot (deleted from the directory, or no longer collected)."
    left.extend(_change(u, u.status, None, gone_text) for u in before.values() if u.id not in after and u.in_scope)
    return replace(
        changes,
        became_not_ready=_sorted_users(slipped),
        admins_lost_method=_sorted_users(lost),
        joined=_sorted_users(joined),
        left=_sorted_users(left),
    )


def _words(status: Readiness) -> str:
    return status.value.replace("_", " ")


def _change(u: StoredUser, before: Readiness | None, after: Readiness | None, detail: str) -> UserChange:
    return UserChange(
        u.id, u.upn, u.display_name, before.value if before else None, after.value if after else None, detail
    )


def _sorted_users(changes: list[UserChange]) -> tuple[UserChange, ...]:
    return tuple(sorted(changes, key=lambda c: (c.upn.casefold(), c.user_id)))
