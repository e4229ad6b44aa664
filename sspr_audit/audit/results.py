"""What the rule engine produces from a snapshot and a policy.

Renderers only display these; every decision (status, severity, wording,
suggestion) is taken before a renderer sees them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from sspr_audit.audit.location import Location
from sspr_audit.snapshot.models import CollectionStatus, RegistrationDetails, RoleAssignment, SsprActivity, Tenant, User

if TYPE_CHECKING:
    from sspr_audit.audit.reality import Reality


class Severity(StrEnum):
    """Finding severity, most severe first."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """4 for critical down to 0 for info: higher is worse."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.CRITICAL: 4, Severity.HIGH: 3, Severity.MEDIUM: 2, Severity.LOW: 1, Severity.INFO: 0}


class Readiness(StrEnum):
    """Whether a user could reset their own password today."""

    READY = "ready"
    READY_UNVERIFIED = "ready_unverified"  # only through prepopulated contact data
    AT_RISK = "at_risk"  # meets the policy, but a method in use has a defect
    NOT_READY = "not_ready"
    UNKNOWN = "unknown"  # the user's methods could not be read
    EXCLUDED = "excluded"  # excluded by the policy file (break-glass, ...)
    OUT_OF_SCOPE = "out_of_scope"  # SSPR not enabled for this user
    SET_ASIDE = "set_aside"  # nobody resets a password with it: shared or room mailbox, no licence, no sign-in

    @property
    def in_scope(self) -> bool:
        """Judged at all: everyone but the excluded and those SSPR does not apply to (the denominator)."""
        return self not in _NOT_JUDGED

    @property
    def can_reset(self) -> bool:
        """Counts as "can reset" in every headline and share."""
        return self in _CAN_RESET


_NOT_JUDGED = frozenset({Readiness.EXCLUDED, Readiness.OUT_OF_SCOPE, Readiness.SET_ASIDE})
_CAN_RESET = frozenset({Readiness.READY, Readiness.READY_UNVERIFIED, Readiness.AT_RISK})


def tally(statuses: Iterable[Readiness]) -> tuple[int, int]:
    """``(in scope, can reset)``: the one denominator and numerator of every readiness share."""
    in_scope = can_reset = 0
    for status in statuses:
        in_scope += status.in_scope
        can_reset += status.can_reset
    return in_scope, can_reset


def share(part: int, whole: int) -> float | None:
    """A share as every output shows it: a percentage to one decimal; None when ``whole`` is 0."""
    return round(100.0 * part / whole, 1) if whole else None


class MethodSource(StrEnum):
    """Where a usable SSPR method comes from."""

    REGISTERED = "registered"  # an authentication method or registration report entry
    PREPOPULATED = "prepopulated"  # directory contact data nobody registered (mobilePhone, otherMails, ...)


@dataclass(frozen=True, slots=True)
class UsableMethod:
    """One SSPR method the user could present, with its evidence."""

    method: str  # an SSPR method name from sspr_audit.audit.sspr_methods
    source: MethodSource
    field: str  # where it was found, e.g. "mobilePhone", "authentication phone (mobile)"
    value: str | None = None  # the number or address, when there is one
    defective: bool = False  # a format/validity defect that may stop it working
    location: Location | None = None  # where on the user ``value`` was found


@dataclass(frozen=True, slots=True)
class UncountedMethod:
    """Something the user has that does not count for SSPR on the audit's date, and why not."""

    name: str | None  # what it is when its field and value do not say it, e.g. "FIDO2 security key"
    why: str  # why it does not count, e.g. "directory data only: ..."
    method: str | None = None  # the SSPR method it would be; None when it is not an SSPR method
    field: str | None = None
    value: str | None = None
    location: Location | None = None

    @property
    def label(self) -> str:
        """What it is, e.g. "mobilePhone +44 7700 900123": made when shown, not held for a million users."""
        if self.name is not None:
            return self.name
        return f"{self.field} {self.value}" if self.value else self.field or ""


@dataclass(frozen=True, slots=True)
class Person:
    """Who a result is about: what the reports show of a user, and nothing the verdict alone needed.

    A judged user's methods, contact values, sign-in times and licences live on
    in the result's own terms (usable and uncounted methods, the reason), so
    the result does not keep the snapshot's :class:`User`: a million users
    judged then hold about half the memory.
    """

    id: str
    user_principal_name: str
    display_name: str | None
    user_type: str | None
    account_enabled: bool
    on_premises_sync_enabled: bool | None
    department: str | None
    job_title: str | None
    manager_id: str | None
    manager_name: str | None
    usage_location: str | None  # with country: the region a national number is read in
    country: str | None
    registration: RegistrationDetails | None
    roles: tuple[RoleAssignment, ...]
    collection: CollectionStatus
    activity: SsprActivity | None

    @classmethod
    def of(cls, user: User) -> Person:
        return cls(
            user.id,
            user.user_principal_name,
            user.display_name,
            user.user_type,
            user.account_enabled,
            user.on_premises_sync_enabled,
            user.department,
            user.job_title,
            user.manager_id,
            user.manager_name,
            user.usage_location,
            user.country,
            user.registration,
            user.roles,
            user.collection,
            user.activity,
        )


@dataclass(frozen=True, slots=True)
class UserResult:
    """One user's readiness and the reason for it."""

    user: Person
    status: Readiness
    reason: str  # one sentence: why this status
    is_admin: bool
    admin_eligible_only: bool  # admin only through PIM eligibility
    required: int  # methods this user must present (2 for admins)
    usable: tuple[UsableMethod, ...]
    uncounted: tuple[UncountedMethod, ...] = ()
    loses_sspr_on: str | None = None  # YYYY-MM-DD of the first rulebook change that leaves them unable to reset
    loses_sspr_because: str | None = None
    not_used: str | None = None  # with NOT_COUNTED: a sspr_audit.audit.hygiene.NotUsed value

    @property
    def usable_count(self) -> int:
        """Distinct SSPR methods the user can present."""
        return len({m.method for m in self.usable})


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule firing for one user (or for the tenant when ``user_id`` is None)."""

    rule: str
    severity: Severity
    message: str  # one sentence about this case
    user_id: str | None = None
    upn: str | None = None
    display_name: str | None = None
    field: str | None = None
    value: str | None = None
    suggestion: str | None = None
    advice: str = ""  # what the person behind it should do, in one plain sentence
    location: Location | None = None  # where ``value`` was found, when it is a number or an address


class Listed(Protocol):
    """What a finding, or a finding read back from the run history, is listed by."""

    @property
    def severity(self) -> Severity: ...
    @property
    def rule(self) -> str: ...
    @property
    def upn(self) -> str | None: ...
    @property
    def user_id(self) -> str | None: ...
    @property
    def field(self) -> str | None: ...
    @property
    def value(self) -> str | None: ...
    @property
    def message(self) -> str: ...


def finding_order(f: Listed) -> tuple[int, str, str, str, str, str, str]:
    """The one order findings are listed in everywhere: most severe first, then rule, user, field, value."""
    return (
        -f.severity.rank,
        f.rule,
        (f.upn or "").casefold(),
        f.user_id or "",
        f.field or "",
        f.value or "",
        f.message,
    )


@dataclass(frozen=True, slots=True)
class TimelinePoint:
    """Readiness on the day one of Microsoft's announced changes applies."""

    date: str  # YYYY-MM-DD
    when: str  # as Microsoft states it: "1 February 2027", "March 2027"
    title: str  # a few words: "SMS and voice end"
    change: str
    source: str  # the Microsoft Learn page
    users_in_scope: int
    users_ready: int
    users_losing: int  # users who can reset the day before and not on this day

    @property
    def share(self) -> float | None:
        """Percentage of users in scope who can still reset on this day."""
        return share(self.users_ready, self.users_in_scope)


def regroup_timeline(points: tuple[TimelinePoint, ...], users: tuple[UserResult, ...]) -> tuple[TimelinePoint, ...]:
    """The same announced changes, counted over ``users`` only (a department, a manager's people).

    Every announced change removes methods, so a user who cannot reset on the
    audit's day cannot on a later one: ``loses_sspr_on`` says all there is.
    """
    in_scope = [u for u in users if u.status.in_scope]
    ready = sum(u.status.can_reset for u in in_scope)
    regrouped = []
    for p in points:
        losing = sum(u.loses_sspr_on == p.date for u in in_scope)
        ready -= losing
        regrouped.append(TimelinePoint(p.date, p.when, p.title, p.change, p.source, len(in_scope), ready, losing))
    return tuple(regrouped)


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """A rule's catalog entry with the severity in force for this run."""

    id: str
    title: str
    severity: Severity
    default_severity: Severity
    why: str
    fix: str
    doc_url: str
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class PolicySetting:
    """One effective policy setting and where its value came from."""

    name: str
    value: str  # displayed value
    origin: str  # "policy file", "tenant", "default"


@dataclass(frozen=True, slots=True)
class AuditResult:
    """Everything a renderer needs."""

    tenant: Tenant
    users: tuple[UserResult, ...]
    findings: tuple[Finding, ...]
    rules: tuple[RuleInfo, ...]
    policy: tuple[PolicySetting, ...]
    policy_source: str | None  # the policy file path, None when defaults only
    generated_at: str  # ISO 8601 UTC, injectable for deterministic output
    as_of: str  # YYYY-MM-DD: the day whose SSPR rules every verdict follows
    as_of_origin: str  # why this day: "the snapshot's collection date" or "--as-of"
    fail_on: Severity | None = None
    timeline: tuple[TimelinePoint, ...] = ()  # Microsoft's announced changes after as_of, in date order
    assumptions: tuple[str, ...] = ()  # settings Graph cannot read that the verdicts had to assume
    warnings: tuple[str, ...] = ()  # shown loudly: exclusions that removed most users or every administrator
    reality: Reality | None = None  # the verdicts against the SSPR audit events; None: not compared (old results)
