"""The view model every report format shares.

The rule engine has decided each user's status and each finding; this module
only counts and groups those decisions (and orders users and findings), so the
HTML, Excel, JSON and CSV reports show the same figures in the same order.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sspr_audit.audit import microsoft_view
from sspr_audit.audit.results import (
    AuditResult,
    Finding,
    Person,
    Readiness,
    Severity,
    TimelinePoint,
    UserResult,
    finding_order,
    share,
    tally,
)
from sspr_audit.snapshot.models import CollectionState, Source, SourceState, SourceStatus

NO_DEPARTMENT = "(no department)"

STATUS_LABELS = {
    Readiness.READY: "Ready",
    Readiness.READY_UNVERIFIED: "Ready on unverified contact data",
    Readiness.AT_RISK: "At risk",
    Readiness.NOT_READY: "Not ready",
    Readiness.UNKNOWN: "Unknown (not read)",
    Readiness.EXCLUDED: "Excluded by policy",
    Readiness.OUT_OF_SCOPE: "Out of SSPR scope",
    Readiness.SET_ASIDE: "Set aside: no one resets there",
}

# The same statuses in a word or two, for column headings (the full label goes with them as a tooltip).
STATUS_SHORT = {
    Readiness.READY: "Ready",
    Readiness.READY_UNVERIFIED: "Unverified",
    Readiness.AT_RISK: "At risk",
    Readiness.NOT_READY: "Not ready",
    Readiness.UNKNOWN: "Unknown",
    Readiness.EXCLUDED: "Excluded",
    Readiness.OUT_OF_SCOPE: "Out of scope",
    Readiness.SET_ASIDE: "Set aside",
}

SEVERITY_LABELS = {s: s.value.capitalize() for s in Severity}

# Statuses counted as able to reset today, and those left out of the percentage.
# Lists of people (administrators) put those who need action first.
ATTENTION_ORDER = (
    Readiness.NOT_READY,
    Readiness.UNKNOWN,
    Readiness.AT_RISK,
    Readiness.READY_UNVERIFIED,
    Readiness.READY,
    Readiness.EXCLUDED,
    Readiness.SET_ASIDE,
    Readiness.OUT_OF_SCOPE,
)

SOURCE_LABELS: dict[str, str] = {
    Source.USERS: "Users and contact fields",
    Source.AUTHENTICATION_METHODS: "Authentication methods (per user)",
    Source.REGISTRATION_DETAILS: "Registration report (userRegistrationDetails)",
    Source.ROLE_ASSIGNMENTS: "Administrator role assignments",
    Source.ROLE_ELIGIBILITY: "PIM eligible role assignments",
    Source.AUTHORIZATION_POLICY: "Authorization policy (admins allowed SSPR)",
    Source.AUTHENTICATION_METHODS_POLICY: "Authentication methods policy",
    Source.ORGANIZATION: "Organization (hybrid sync)",
    Source.ON_PREMISES_SYNC: "On-premises synchronization (password writeback)",
    Source.GROUPS: "SSPR scope groups",
    Source.MANAGERS: "Managers",
    Source.SSPR_EVENTS: "SSPR audit events (what users did)",
    Source.SIGN_IN_ACTIVITY: "Sign-in activity (accounts with no recent sign-in)",
    Source.MAILBOX_SETTINGS: "Mailbox purpose (shared, room and equipment mailboxes)",
}

# What the report loses when a source was not read: one sentence each.
SOURCE_LOSSES: dict[str, str] = {
    Source.USERS: "No users were read, so the report covers nobody.",
    Source.AUTHENTICATION_METHODS: (
        "Registered methods were not read per user: phone numbers and email addresses registered for SSPR"
        " are not checked, and readiness rests on the registration report and contact fields."
    ),
    Source.REGISTRATION_DETAILS: (
        "The registration report was not read: registered methods come only from per-user calls,"
        " and security questions (which only that report lists) are not seen."
    ),
    Source.ROLE_ASSIGNMENTS: (
        "Administrator roles were not read: administrators cannot be told apart, so the stricter"
        " two-method admin policy was applied to nobody."
    ),
    Source.ROLE_ELIGIBILITY: (
        "PIM eligibility was not read: users who can activate an administrator role are treated as ordinary users."
    ),
    Source.AUTHORIZATION_POLICY: "Whether administrators may use SSPR at all (allowedToUseSSPR) is unknown.",
    Source.AUTHENTICATION_METHODS_POLICY: (
        "The methods the tenant enables were not read: the policy file or Microsoft's defaults were used instead."
    ),
    Source.ORGANIZATION: (
        "Whether the tenant synchronises from on-premises AD is unknown: advice on where to fix a user may be wrong."
    ),
    Source.ON_PREMISES_SYNC: (
        "Password writeback was not read (it needs a delegated permission): whether a cloud reset reaches"
        " on-premises AD is unknown."
    ),
    Source.GROUPS: "SSPR scope group membership was not read: who is in SSPR scope could not be taken from the group.",
    Source.MANAGERS: "Managers were not read: the manager columns are empty.",
    Source.SSPR_EVENTS: (
        "The SSPR audit events were not read: nobody's reset attempts are known, and no verdict was compared"
        " with what users actually did."
    ),
    Source.SIGN_IN_ACTIVITY: (
        "Sign-in activity was not read: accounts nobody signs in to could not be found and stay counted."
    ),
    Source.MAILBOX_SETTINGS: (
        "Mailbox purposes were not read (for some or all users): shared, room and equipment mailboxes among them"
        " stay counted."
    ),
}


@dataclass(frozen=True)
class StatusCount:
    """Users with one readiness status."""

    status: Readiness
    label: str
    count: int

    @property
    def short(self) -> str:
        """The status in a word or two, for a column heading."""
        return STATUS_SHORT[self.status]


@dataclass(frozen=True)
class SeverityCount:
    """Findings of one severity."""

    severity: Severity
    label: str
    count: int


@dataclass(frozen=True)
class RuleCount:
    """Findings of one rule, with its title and the severity in force."""

    rule: str
    title: str
    severity: Severity
    count: int


@dataclass(frozen=True)
class AdminRow:
    """One administrator (active or PIM-eligible) and whether they could reset."""

    index: int  # position in :func:`ordered_users`
    upn: str
    display_name: str
    status: Readiness
    eligible_only: bool
    roles: tuple[str, ...]
    usable_count: int
    required: int

    @property
    def usable_text(self) -> str:
        """``usable / required``, or "not read" when the methods could not be read: never "0 / 2"."""
        return "not read" if self.status == Readiness.UNKNOWN else f"{self.usable_count} / {self.required}"


@dataclass(frozen=True)
class DepartmentRow:
    """Status counts of one department, aligned with :attr:`Summary.status_counts`."""

    name: str
    counts: tuple[int, ...]
    total: int
    ready_percent: float | None
    in_scope: int  # the headline's population: users neither excluded nor out of SSPR scope


@dataclass(frozen=True)
class SourceRow:
    """One Graph data source and, when it was not read, what the report loses."""

    source: str
    label: str
    state: str
    permission: str | None
    detail: str | None  # HTTP status, error code and message when not read
    notice: str | None  # None when the source was read
    by_design: bool = False  # unreadable by design (writeback under app-only sign-in): a note, not a warning


@dataclass(frozen=True)
class FailureRow:
    """A user whose data could not be read (status unknown), or was read in part (judged on the rest)."""

    index: int
    upn: str
    display_name: str
    state: str
    reason: str


@dataclass(frozen=True)
class Summary:
    """Counts and groupings of an :class:`AuditResult`, shared by all renderers."""

    tenant_name: str
    users_total: int
    users_in_scope: int
    users_ready: int
    ready_percent: float | None  # None when nobody is in scope
    ready_label: str
    status_counts: tuple[StatusCount, ...]
    severity_counts: tuple[SeverityCount, ...]
    rule_counts: tuple[RuleCount, ...]
    findings_total: int
    admins: tuple[AdminRow, ...]
    departments: tuple[DepartmentRow, ...]
    sources: tuple[SourceRow, ...]
    failures: tuple[FailureRow, ...]  # data not read: their status is unknown
    partial: tuple[FailureRow, ...]  # judged on part of their data (the registration report, say): the verdict stands
    microsoft: microsoft_view.FlagTally  # Microsoft's isSsprCapable against the verdict

    @property
    def notices(self) -> tuple[SourceRow, ...]:
        """The data sources refused or failed; those not attempted were not needed for this run."""
        return tuple(s for s in self.sources if s.notice and s.state != SourceState.NOT_ATTEMPTED.value)

    @property
    def warnings(self) -> tuple[SourceRow, ...]:
        """The :attr:`notices` worth a warning above the headline: not those unreadable by design."""
        return tuple(s for s in self.notices if not s.by_design)

    @property
    def design_notes(self) -> tuple[SourceRow, ...]:
        """The data sources that cannot be read by design: stated plainly, they change nothing to act on."""
        return tuple(s for s in self.sources if s.by_design)


def percent(value: float | None) -> str:
    """A share as every output prints it: ``67.5%``, or ``n/a`` when nobody is in scope."""
    return "n/a" if value is None else f"{value:.1f}%"


def timeline_line(p: TimelinePoint) -> str:
    """One line per coming change: the day, the share that can still reset, and who loses SSPR."""
    return (
        f"From {p.when} ({p.title}): {percent(p.share)} can reset ({p.users_ready:,} of {p.users_in_scope:,}),"
        f" {p.users_losing:,} lose SSPR"
    )


def ordered_users(result: AuditResult) -> tuple[UserResult, ...]:
    """Users in report order: by UPN (case-insensitive), then id."""
    return tuple(sorted(result.users, key=lambda r: (r.user.user_principal_name.casefold(), r.user.id)))


def ordered_findings(result: AuditResult) -> tuple[Finding, ...]:
    """Findings in report order: most severe first, then rule, user, field."""
    return tuple(sorted(result.findings, key=finding_order))


def display_name(user: Person) -> str:
    """The display name, or the UPN when the directory has none."""
    return user.display_name or user.user_principal_name


def department(user: Person) -> str:
    """The department, or the bucket for users without one."""
    return (user.department or "").strip() or NO_DEPARTMENT


def microsoft_flags(r: UserResult, collected_at: str) -> str | None:
    """What Microsoft's registration report says of the user's SSPR, next to (never instead of) the verdict.

    None when no registration report row was read for the user.
    """
    v = microsoft_view.view(r, collected_at)
    if v is None:
        return None

    def said(value: bool | None) -> str:
        return "not reported" if value is None else "yes" if value else "no"

    return (
        f"registered: {said(v.registered)}, enabled: {said(v.enabled)}, capable: {said(v.capable)}."
        f" Microsoft's registration report (it lags by up to 36 hours), not this audit's verdict. {v.explanation}"
    )


def role_text(user: Person) -> tuple[str, ...]:
    """Each administrator role as one readable phrase, sorted."""
    phrases = set()
    for role in user.roles:
        extra = [] if role.assignment == "active" else [role.assignment]
        if role.via_group:
            extra.append(f"via group {role.via_group}")
        phrases.add(f"{role.role_name} ({', '.join(extra)})" if extra else role.role_name)
    return tuple(sorted(phrases, key=str.casefold))


def summarize(result: AuditResult) -> Summary:
    """Count and group the decisions in ``result``."""
    users = ordered_users(result)
    by_status = Counter(u.status for u in users)
    in_scope, ready = tally(u.status for u in users)
    return Summary(
        tenant_name=result.tenant.label,
        users_total=len(users),
        users_in_scope=in_scope,
        users_ready=ready,
        ready_percent=share(ready, in_scope),
        ready_label=(
            f"Ready = ready, ready on unverified contact data, or at risk; out of {in_scope:,} users in SSPR scope"
            " (excluded and out-of-scope users not counted)."
        ),
        status_counts=tuple(StatusCount(s, STATUS_LABELS[s], by_status[s]) for s in Readiness),
        severity_counts=_severity_counts(result.findings),
        rule_counts=_rule_counts(result),
        findings_total=len(result.findings),
        admins=_admins(users),
        departments=_departments(users),
        sources=tuple(_source_row(s) for s in sorted(result.tenant.sources, key=_source_order)),
        failures=_collection_rows(users, CollectionState.FAILED),
        partial=_collection_rows(users, CollectionState.PARTIAL),
        microsoft=microsoft_view.tally([microsoft_view.view(u, result.tenant.collected_at) for u in users]),
    )


def _severity_counts(findings: tuple[Finding, ...]) -> tuple[SeverityCount, ...]:
    counts = Counter(f.severity for f in findings)
    return tuple(SeverityCount(s, SEVERITY_LABELS[s], counts[s]) for s in Severity)


def _rule_counts(result: AuditResult) -> tuple[RuleCount, ...]:
    catalog = {r.id: r for r in result.rules}
    counts = Counter(f.rule for f in result.findings)
    worst: dict[str, Severity] = {}
    for f in result.findings:
        if f.rule not in worst or f.severity.rank > worst[f.rule].rank:
            worst[f.rule] = f.severity
    rows = []
    for rule, count in counts.items():
        info = catalog.get(rule)
        rows.append(RuleCount(rule, info.title if info else rule, info.severity if info else worst[rule], count))
    return tuple(sorted(rows, key=lambda r: (-r.severity.rank, -r.count, r.rule)))


def _admins(users: tuple[UserResult, ...]) -> tuple[AdminRow, ...]:
    rows = [
        AdminRow(
            i,
            u.user.user_principal_name,
            display_name(u.user),
            u.status,
            u.admin_eligible_only,
            role_text(u.user),
            u.usable_count,
            u.required,
        )
        for i, u in enumerate(users)
        if u.is_admin
    ]
    return tuple(sorted(rows, key=lambda a: (ATTENTION_ORDER.index(a.status), a.index)))


def _departments(users: tuple[UserResult, ...]) -> tuple[DepartmentRow, ...]:
    counts: dict[str, Counter] = {}
    for u in users:
        counts.setdefault(department(u.user), Counter())[u.status] += 1
    names = sorted((n for n in counts if n != NO_DEPARTMENT), key=lambda n: (n.casefold(), n))
    if NO_DEPARTMENT in counts:
        names.append(NO_DEPARTMENT)
    rows = []
    for name in names:
        c = counts[name]
        in_scope, ready = tally(c.elements())
        rows.append(
            DepartmentRow(name, tuple(c[s] for s in Readiness), sum(c.values()), share(ready, in_scope), in_scope)
        )
    return tuple(rows)


def _source_order(status: SourceStatus) -> tuple[int, str]:
    known = [s.value for s in Source]
    return (known.index(status.source) if status.source in known else len(known), status.source)


def _collection_rows(users: tuple[UserResult, ...], state: CollectionState) -> tuple[FailureRow, ...]:
    """The users whose data was collected in ``state``, by their index in the users table."""
    return tuple(
        FailureRow(i, u.user.user_principal_name, display_name(u.user), state.value, u.user.collection.reason or "")
        for i, u in enumerate(users)
        if u.user.collection.state == state
    )


def _source_row(status: SourceStatus) -> SourceRow:
    label = SOURCE_LABELS.get(status.source, status.source)
    notice = None
    detail = None
    if status.state != SourceState.READ:
        loss = SOURCE_LOSSES.get(status.source)
        notice = loss or f"The data source {status.source} was not read; checks that need it were skipped."
        parts = [f"HTTP {status.http_status}" if status.http_status else None, status.error_code, status.message]
        detail = "; ".join(p for p in parts if p) or None
        if status.permission:
            notice += f" Reading it needs {status.permission}."
    elif status.message:  # read, with something worth saying (the methods detail not read for some users)
        detail = status.message
    return SourceRow(status.source, label, status.state.value, status.permission, detail, notice, _by_design(status))


def _by_design(status: SourceStatus) -> bool:
    """Password writeback has no application permission: refused under app-only sign-in, always."""
    return status.source == Source.ON_PREMISES_SYNC and status.state == SourceState.NOT_PERMITTED
