"""Which SSPR methods a user can present on a given day, and so whether they can reset.

Two steps, so the timeline can judge one user on several days without
analysing their phone numbers again:

* :func:`gather` collects what does not depend on the day: the user's
  registered methods and directory contact data as *candidates*, each phone
  number and address analysed once, administrator roles, scope;
* :func:`judge` decides, for one :class:`~sspr_audit.audit.rulebook.Rulebook`
  day, which candidates count and why each other one does not, and gives the
  status and its reason.

The rules, to the letter of Microsoft's pages (see ``rulebook.py`` for the
dated ones): directory contact data (``mobilePhone``, ``businessPhones[0]``,
``otherMails``) counted until 5 October 2026 and makes a user only
``ready_unverified``; Microsoft-provided SMS and voice stop counting on their
retirement date unless the policy declares a telephony provider; security
questions count only when the policy declares them, never for administrators,
and not from March 2027; administrators need two methods under the two-gate
policy; the alternate mobile phone is MFA only; a user whose methods could not
be read is ``unknown``, never "no methods".
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from functools import lru_cache

from sspr_audit.audit import availability, phones, sspr_methods
from sspr_audit.audit.emails import EmailCheck, email_checks
from sspr_audit.audit.hygiene import NotUsed, not_used
from sspr_audit.audit.location import BUSINESS_PHONES, MOBILE_PHONE, Location
from sspr_audit.audit.method_policy import Availability, UserMethods
from sspr_audit.audit.policy import Policy
from sspr_audit.audit.results import MethodSource, Person, Readiness, UncountedMethod, UsableMethod
from sspr_audit.audit.rulebook import DIRECTORY_DATA as DIRECTORY_CHANGE
from sspr_audit.audit.rulebook import Change, Rulebook, change, touches
from sspr_audit.audit.tenant_facts import TenantFacts
from sspr_audit.snapshot.models import CollectionState, User

MOBILE_SLOT = "mobile"
OFFICE_SLOT = "office"
GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10"  # role template id

# Defects that stop SSPR from placing the call at all: no country code, nothing
# readable. Other defects (spacing, trunk zero, extension) leave a number usable
# but at risk.
_BLOCKING_DEFECTS = frozenset({"empty", "missing_plus", "letters", "unknown_country_code"})
_BLOCKING_VALIDITY = frozenset({"unknown_country_code"})
_DEFECTIVE_VALIDITY = frozenset({"invalid", "impossible"})
_PHONE_METHODS = frozenset({sspr_methods.MOBILE_PHONE, sspr_methods.OFFICE_PHONE})
_SQ = sspr_methods.SECURITY_QUESTIONS

REPORTED_ADMIN = "an administrator role (registration report: isAdmin)"


@dataclass(frozen=True, slots=True)
class PhoneCheck:
    """One phone number found on a user, with its analysis."""

    location: Location
    slot: str  # MOBILE_SLOT or OFFICE_SLOT
    analysis: phones.PhoneAnalysis

    @property
    def field(self) -> str:
        """``mobilePhone``, ``businessPhones[0]``, ``authentication phone (mobile)``."""
        return self.location.label

    @property
    def source(self) -> MethodSource:
        return MethodSource.PREPOPULATED if self.location.is_directory else MethodSource.REGISTERED

    @property
    def usable(self) -> bool:
        """Whether SSPR could place a call or SMS to this number at all."""
        a = self.analysis
        if a.masked:
            return True
        return not (_BLOCKING_DEFECTS.intersection(a.format_defects) or a.validity in _BLOCKING_VALIDITY)

    @property
    def defective(self) -> bool:
        """A defect that may stop a usable number from working."""
        a = self.analysis
        if a.masked:
            return False
        return (
            bool(a.format_defects)
            or a.validity in _DEFECTIVE_VALIDITY
            or (self.slot == MOBILE_SLOT and phones.fixed_line_in_mobile_slot(a))
        )


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything about one user that does not depend on the day judged."""

    index: int
    user: User
    admin_roles: tuple[str, ...]  # the two-gate roles held or eligible
    admin_eligible_only: bool
    late_phone_retirement: bool  # Global Administrators and external users keep SMS and voice until July 2027
    required: int
    phones: tuple[PhoneCheck, ...]
    emails: tuple[EmailCheck, ...]
    security_questions_registered: bool
    methods_known: bool  # False when the user's methods could not be read
    candidates: tuple[UsableMethod, ...]  # what SSPR might accept, best first
    never_counted: tuple[UncountedMethod, ...]  # registered or present, but never an SSPR method
    settled: tuple[Readiness, str] | None  # excluded, out of scope or not counted, whatever the day
    methods: UserMethods | None = None  # the authentication methods policy for this user; None when not read
    legacy_applies: bool = False  # migration not complete: the legacy SSPR policy also enables methods
    blocked: str | None = None  # why the user cannot reset whatever their methods (no password writeback)
    office_phone_licensed: bool = True  # office phones need a paid subscription
    policy_answers: dict[str, tuple[str | None, bool]] = field(default_factory=dict)  # method -> why not, unknown
    not_used: NotUsed | None = None  # why the account is not counted (with ``settled`` NOT_COUNTED)

    @property
    def is_admin(self) -> bool:
        """Under the administrator two-gate policy."""
        return bool(self.admin_roles)


@dataclass(frozen=True, slots=True)
class Verdict:
    """One user's readiness on one day."""

    status: Readiness
    reason: str
    usable: tuple[UsableMethod, ...]
    uncounted: tuple[UncountedMethod, ...]


@dataclass(frozen=True, slots=True)
class Loss:
    """The first announced change that leaves a user who can reset today unable to."""

    change: Change
    before: Verdict  # the user's verdict on the audit's day
    after: Verdict  # the user's verdict on the day the change applies
    required: int

    @property
    def because(self) -> str:
        """What changes that day, what stops counting, and what is left."""
        still = {m.method for m in self.after.usable}
        lost = ", ".join(_label(m) for m in self.before.usable if m.method not in still) or "nothing"
        return f"{self.change.what}. No longer counting: {lost}. Left: {_counts(still)}, {self.required} required."


@dataclass(frozen=True, slots=True)
class Assessment:
    """Everything the rules need about one user, as of the audit's day."""

    facts: Facts
    verdict: Verdict
    rulebook: Rulebook
    loss: Loss | None = None
    timeline: tuple[bool, ...] = ()  # can reset on each day of ``rulebook.upcoming()``

    index = property(lambda self: self.facts.index)
    user = property(lambda self: self.facts.user)
    is_admin = property(lambda self: self.facts.is_admin)
    admin_roles = property(lambda self: self.facts.admin_roles)
    admin_eligible_only = property(lambda self: self.facts.admin_eligible_only)
    required = property(lambda self: self.facts.required)
    phones = property(lambda self: self.facts.phones)
    emails = property(lambda self: self.facts.emails)
    security_questions_registered = property(lambda self: self.facts.security_questions_registered)
    methods_known = property(lambda self: self.facts.methods_known)
    status = property(lambda self: self.verdict.status)
    reason = property(lambda self: self.verdict.reason)
    usable = property(lambda self: self.verdict.usable)
    uncounted = property(lambda self: self.verdict.uncounted)

    @property
    def in_scope(self) -> bool:
        """Whether the user is judged at all (not excluded, not out of scope)."""
        return self.status.in_scope

    @property
    def counted(self) -> frozenset[str]:
        """Distinct SSPR methods that count towards this user's requirement."""
        return frozenset(m.method for m in self.usable)


def assess(facts: Facts, policy: Policy, rulebook: Rulebook) -> Assessment:
    """Judge ``facts`` on the audit's day and on every announced change after it."""
    verdict = judge(facts, policy, rulebook)
    upcoming = rulebook.upcoming()
    if not verdict.status.can_reset or not upcoming:
        return Assessment(facts, verdict, rulebook, timeline=(verdict.status.can_reset,) * len(upcoming))
    later: list[Verdict] = []
    for c in upcoming:  # a change that touches none of the user's methods leaves the verdict as it was
        touched = any(
            touches(c, m.method, m.source is MethodSource.PREPOPULATED, facts.late_phone_retirement)
            for m in facts.candidates
        )
        later.append(
            judge(facts, policy, Rulebook(c.effective), explain=False) if touched else (later or [verdict])[-1]
        )
    loss = next(
        (Loss(c, verdict, v, facts.required) for c, v in zip(upcoming, later, strict=True) if not v.status.can_reset),
        None,
    )
    return Assessment(facts, verdict, rulebook, loss, tuple(v.status.can_reset for v in later))


def gather(index: int, user: User, policy: Policy, tenant: TenantFacts) -> Facts:
    """What SSPR might accept from ``user``, analysed once."""
    two_gate = [r for r in user.roles if tenant.is_two_gate_role(r.role_name, r.role_template_id)]
    admin_roles = tuple(sorted({r.role_name for r in two_gate}))
    if not admin_roles and not tenant.roles_read and user.registration and user.registration.is_admin:
        admin_roles = (REPORTED_ADMIN,)  # the role assignments were not read: the registration report says so
    is_admin = bool(admin_roles)
    checks = phone_checks(user, policy)
    emails = email_checks(user, policy.email_domains)
    sq = bool(user.registration and "securityQuestion" in user.registration.methods_registered)
    known = user.collection.state != CollectionState.FAILED and (
        user.methods is not None or user.registration is not None
    )
    candidates, never = _candidates(user, checks, emails, sq) if known else ((), ())
    settled, unused = _settled(user, policy, is_admin, tenant)
    facts = Facts(
        index=index,
        user=user,
        admin_roles=admin_roles,
        admin_eligible_only=is_admin and all(r.assignment == "eligible" for r in two_gate),
        late_phone_retirement=_late_retirement(user),
        required=2 if (is_admin and policy.two_gate) else (1 if is_admin else policy.methods_required),
        phones=checks,
        emails=emails,
        security_questions_registered=sq,
        methods_known=known,
        candidates=candidates,
        never_counted=never,
        settled=settled,
        not_used=unused,
        methods=tenant.targeting.for_user(user) if tenant.targeting and not is_admin else None,
        legacy_applies=tenant.legacy_applies,
        blocked=_writeback_block(user, tenant),
        office_phone_licensed=not tenant.free_or_trial,
    )
    return replace(facts, policy_answers=_policy_answers(facts, policy))


def judge(facts: Facts, policy: Policy, rulebook: Rulebook, explain: bool = True) -> Verdict:
    """The user's status on ``rulebook``'s day: which candidates count, and why each other one does not.

    ``explain=False`` leaves the reason empty: the timeline needs only the status.
    """
    if facts.settled is not None:
        return Verdict(*facts.settled, (), ())
    if not facts.methods_known:
        why = facts.user.collection.reason or "the authentication methods and the registration report could not be read"
        return Verdict(Readiness.UNKNOWN, f"Readiness unknown: {why}.", (), ())
    usable: list[UsableMethod] = []
    unsure: list[UncountedMethod] = []
    uncounted = list(facts.never_counted)
    for candidate in facts.candidates:
        not_counted, unknown = _why_not(candidate, facts, policy, rulebook)
        if not_counted is None:
            usable.append(candidate)
            continue
        item = UncountedMethod(
            "security questions" if candidate.method == _SQ else None,
            sys.intern(not_counted),
            candidate.method,
            candidate.field,
            candidate.value,
            candidate.location,
        )
        (unsure if unknown else uncounted).append(item)
    status, reason = _status(tuple(usable), tuple(uncounted), facts, explain)
    if facts.blocked and status.can_reset:
        status, reason = Readiness.NOT_READY, f"{facts.blocked} ({reason})"
    if status == Readiness.NOT_READY and unsure and _would_meet(usable, unsure, facts.required):
        items = "; ".join(f"{u.label}: {u.why}" for u in unsure)
        counted = {m.method for m in usable}
        status = Readiness.UNKNOWN
        reason = (
            f"Readiness unknown: {_need(facts)}; {_counts(counted)}, and it depends on what could not be read: {items}."
        )
    return Verdict(status, reason, tuple(usable), tuple(uncounted + unsure))


def _would_meet(usable: list[UsableMethod], unsure: list[UncountedMethod], required: int) -> bool:
    return len({m.method for m in usable} | {u.method for u in unsure}) >= required


def _why_not(m: UsableMethod, facts: Facts, policy: Policy, book: Rulebook) -> tuple[str | None, bool]:
    """Why candidate ``m`` does not count on ``book``'s day (None when it counts), and whether that is unknown."""
    if m.method == _SQ:
        return _why_not_questions(facts, policy, book), False
    if m.source == MethodSource.PREPOPULATED and not book.directory_data_counts():
        directory = change(DIRECTORY_CHANGE)
        return f"directory data, never registered: SSPR no longer accepts it since {directory.when}", False
    if m.method == sspr_methods.OFFICE_PHONE and not facts.office_phone_licensed:
        return "office phones need a paid subscription, and the tenant's subscriptions read are free or trial", False
    if not facts.is_admin:  # the administrator policy does not depend on the authentication methods policy
        why, unknown = _not_enabled(m, facts, policy)
        if why is not None:
            return why, unknown
    return _retired(m, facts, policy, book), False


def _not_enabled(m: UsableMethod, facts: Facts, policy: Policy) -> tuple[str | None, bool]:
    """Whether the authentication methods policy lets this user present ``m`` (answered once, in ``gather``)."""
    return facts.policy_answers.get(m.method) or _policy_answer(m, facts, policy)


def _policy_answers(facts: Facts, policy: Policy) -> dict[str, tuple[str | None, bool]]:
    """Each candidate method's answer from the policies: it depends on the user, not on the day."""
    if facts.is_admin:  # the administrator policy does not depend on the authentication methods policy
        return {}
    return {m.method: _policy_answer(m, facts, policy) for m in facts.candidates if m.method != _SQ}


def _policy_answer(m: UsableMethod, facts: Facts, policy: Policy) -> tuple[str | None, bool]:
    """Whether the authentication methods policy (per user when read, else tenant-wide) and the legacy SSPR
    policy, while migration is not complete, let this user present ``m``."""
    if facts.methods is None or policy.methods_declared:
        if m.method in policy.methods_enabled:
            return None, False
        enabled = ", ".join(policy.methods_enabled) or "none"
        return f"{sspr_methods.METHOD_LABELS[m.method]} is not enabled for SSPR (methods enabled: {enabled})", False
    found = availability.answer(m, facts.methods, facts.required)
    if found.availability == Availability.AVAILABLE:
        return None, False
    if facts.legacy_applies:
        if policy.legacy_methods is not None and m.method in policy.legacy_methods:
            return None, False
        legacy = "not declared in [sspr] legacy_methods: assumed off" if policy.legacy_methods is None else "off"
        return f"{found.reason}; in the legacy SSPR policy, which still applies until migration completes: {legacy}", (
            found.availability == Availability.UNKNOWN
        )
    return found.reason, found.availability == Availability.UNKNOWN


def _retired(m: UsableMethod, facts: Facts, policy: Policy, book: Rulebook) -> str | None:
    if m.method in _PHONE_METHODS and not policy.telephony_provider:
        retired = book.phone_retirement(facts.late_phone_retirement)
        if retired is not None:
            provider = (
                "no telephony provider" if policy.telephony_provider is False else "no telephony provider declared"
            )
            return f"Microsoft-provided SMS and voice end for SSPR on {retired.when} ({provider})"
    return None


def _why_not_questions(facts: Facts, policy: Policy, book: Rulebook) -> str | None:
    if facts.is_admin:
        return "security questions never count for administrators"
    if book.security_questions_retired():
        return "security questions were retired for SSPR in March 2027"
    if policy.security_questions is None:
        return (
            "security questions count only when the policy file declares [sspr] security_questions = true"
            " (Graph cannot read the legacy SSPR policy that turns them on)"
        )
    if not policy.security_questions:
        return "security questions are off in the policy file"
    return None


def _status(
    usable: tuple[UsableMethod, ...], uncounted: tuple[UncountedMethod, ...], facts: Facts, explain: bool
) -> tuple[Readiness, str]:
    """The status the methods that count give, and (when ``explain``) the sentence that says why."""
    counted = {m.method for m in usable}
    required = facts.required
    if len(counted) < required:
        status = Readiness.NOT_READY
    else:
        registered = {m.method for m in usable if m.source is MethodSource.REGISTERED}
        sound = {m.method for m in usable if not m.defective}
        if len(sound) < required:
            status = Readiness.AT_RISK
        elif len(registered & sound) < required:
            status = Readiness.READY_UNVERIFIED
        else:
            status = Readiness.READY
    if not explain:
        return status, ""
    if status == Readiness.NOT_READY:
        why = f"{_counts(counted)}.{_aside(uncounted, bool(counted))}"
    elif status == Readiness.AT_RISK:
        why = "meets it only by counting a number or address with a defect."
    elif status == Readiness.READY_UNVERIFIED:
        why = (
            "meets it only or partly through directory contact data the user never registered, which SSPR accepts"
            f" until {change(DIRECTORY_CHANGE).when}."
        )
    else:
        why = f"{_counts(counted)}."
    reason = f"{_need(facts)}; {why}"
    # Only a not-ready reason names the user's own values: the others are a few sentences shared by everyone.
    return status, reason if status == Readiness.NOT_READY else sys.intern(reason)


def _need(facts: Facts) -> str:
    who = "Administrators need" if facts.is_admin else "The policy requires"
    return f"{who} {facts.required} method{'s' * (facts.required > 1)}"


def _counts(counted: set[str]) -> str:
    if not counted:
        return "nothing counts"
    names = ", ".join(sspr_methods.SHORT_LABELS[m] for m in sspr_methods.SSPR_METHODS if m in counted)
    return f"{len(counted)} count{'s' * (len(counted) == 1)} ({names})"


def _aside(uncounted: tuple[UncountedMethod, ...], anything_counts: bool, shown: int = 3) -> str:
    """What the user has that does not count, and why; "nothing registered" only when there is nothing at all."""
    if not uncounted:
        return "" if anything_counts else " Nothing is registered and no directory contact data is present."
    items = "; ".join(f"{u.label}: {u.why}" for u in uncounted[:shown])
    more = f"; and {len(uncounted) - shown} more" if len(uncounted) > shown else ""
    return f" Does not count: {items}{more}."


def _label(m: UsableMethod) -> str:
    if m.method == _SQ:
        return "security questions"
    return f"{m.field} {m.value}" if m.value else m.field


def _writeback_block(user: User, tenant: TenantFacts) -> str | None:
    """A synced user whose password lives on-premises cannot reset without password writeback
    (concept-sspr-howitworks: they are asked to contact their administrator)."""
    if user.on_premises_sync_enabled and tenant.password_writeback is False:
        return (
            f"Synced from on-premises AD and password writeback is off ({tenant.writeback_origin}): SSPR tells them"
            " to contact their administrator"
        )
    return None


def _settled(
    user: User, policy: Policy, is_admin: bool, tenant: TenantFacts
) -> tuple[tuple[Readiness, str] | None, NotUsed | None]:
    """Excluded by the policy file, disabled or a guest, not used by a person, or outside the SSPR scope."""
    exclusion = policy.exclusion_for(user.user_principal_name)
    if exclusion is not None:
        return (Readiness.EXCLUDED, f"Excluded by policy: {exclusion.reason}"), None
    if not user.account_enabled:
        return (Readiness.OUT_OF_SCOPE, "Account disabled."), None
    if (user.user_type or "").lower() == "guest" and not policy.include_guests:
        return (Readiness.OUT_OF_SCOPE, "Guest account: guests reset their password in their home tenant."), None
    unused = not_used(user, policy, tenant.hygiene, is_admin)
    if unused is not None:
        return (Readiness.SET_ASIDE, unused[1]), unused[0]
    scope_reason = _out_of_scope_reason(user, policy, is_admin)
    return ((Readiness.OUT_OF_SCOPE, scope_reason) if scope_reason else None), None


def _out_of_scope_reason(user: User, policy: Policy, is_admin: bool) -> str | None:
    if is_admin:
        if not policy.admins_allowed_sspr:
            return "SSPR for administrators is turned off (authorizationPolicy.allowedToUseSSPR is false)."
        return None  # the administrator policy applies whatever the user scope
    if not policy.scope_declared and user.registration and user.registration.is_sspr_enabled is False:
        return "Not enabled for SSPR by the tenant's policy (registration report: isSsprEnabled is false)."
    if policy.scope == "none":
        return "SSPR is not enabled for users (scope: none)."
    if policy.scope == "selected" and not policy.scope_group_ids.intersection(user.groups):
        return "Not a member of the SSPR scope group(s)."
    return None


def _late_retirement(user: User) -> bool:
    """Global Administrators and external (B2B) users keep Microsoft-provided SMS and voice until July 2027.

    Internal guests follow the February date (concept-sms-voice-retirement-faq).
    """
    if any(r.role_template_id.lower() == GLOBAL_ADMINISTRATOR for r in user.roles):
        return True
    return (user.user_type or "").lower() == "guest" and "#ext#" in user.user_principal_name.lower()


def user_region(user: User | Person) -> str | None:
    """The region a national number on ``user`` is read in when the policy names none: usage location, then country."""
    for value in (user.usage_location, user.country):
        if value and len(value.strip()) == 2 and value.strip().isalpha():
            return value.strip().upper()
    return None


def phone_checks(user: User, policy: Policy) -> tuple[PhoneCheck, ...]:
    """Every number on ``user``, analysed in the policy's default region or the user's own."""
    region = policy.default_phone_region or user_region(user)
    checks = []
    if _present(user.mobile_phone):
        checks.append(
            PhoneCheck(Location.directory(MOBILE_PHONE), MOBILE_SLOT, phones.analyze(user.mobile_phone, region))
        )
    for i, number in enumerate(user.business_phones):
        if _present(number):
            checks.append(
                PhoneCheck(Location.directory(BUSINESS_PHONES, i), OFFICE_SLOT, phones.analyze(number, region))
            )
    for method in user.methods or ():
        if method.type == "phone" and _present(method.phone_number):
            slot = OFFICE_SLOT if method.phone_type == "office" else MOBILE_SLOT
            location = Location.registered("phone", method.phone_type)
            checks.append(PhoneCheck(location, slot, phones.analyze(method.phone_number, region)))
    return tuple(checks)


def _present(value: str | None) -> bool:
    """An empty or blank contact field is absent, not a malformed number."""
    return value is not None and bool(value.strip())


def _candidates(
    user: User, phone_checks: tuple[PhoneCheck, ...], emails: tuple[EmailCheck, ...], security_questions: bool
) -> tuple[tuple[UsableMethod, ...], tuple[UncountedMethod, ...]]:
    found: list[UsableMethod] = []
    never: list[UncountedMethod] = []
    for check in phone_checks:
        why = _phone_never_counts(check)
        if why:
            never.append(UncountedMethod(None, why, None, check.field, check.analysis.raw))
            continue
        method = sspr_methods.MOBILE_PHONE if check.slot == MOBILE_SLOT else sspr_methods.OFFICE_PHONE
        found.append(
            UsableMethod(method, check.source, check.field, check.analysis.raw, check.defective, check.location)
        )
    for e in emails:
        if e.well_formed:
            found.append(
                UsableMethod(sspr_methods.EMAIL, e.source, e.field, e.address, e.organisation_domain, e.location)
            )
        else:
            never.append(UncountedMethod(None, "not a valid email address", None, e.field, e.address))
    if user.methods is not None:
        apps = {m.type: m for m in reversed(user.methods) if m.type in sspr_methods.APP_METHOD_TYPES}
        found += [_app(kind, app.display_name) for kind, app in sorted(apps.items())]
        never += [_not_sspr(m.type, m.display_name) for m in user.methods if m.type in sspr_methods.NON_SSPR_LABELS]
        if "hardwareOath" not in apps and _reported(user, "hardwareOneTimePasscode"):
            # Graph v1.0 lists no hardware OATH token per user: the registration report is the only evidence.
            report = "registration report (hardwareOneTimePasscode)"
            found.append(UsableMethod(sspr_methods.HARDWARE_OATH, MethodSource.REGISTERED, report))
    elif user.registration is not None:
        found.extend(_from_registration(user.registration.methods_registered, found))
    if security_questions:
        found.append(UsableMethod(_SQ, MethodSource.REGISTERED, "registration report (securityQuestion)"))
    return _best_per_method(found), tuple(never)


def _reported(user: User, name: str) -> bool:
    return user.registration is not None and name in user.registration.methods_registered


def _phone_never_counts(check: PhoneCheck) -> str | None:
    if check.location.user_property == BUSINESS_PHONES and check.location.index:
        return "SSPR offers only the first office number"
    if check.location.phone_type == "alternateMobile":
        return "the alternate mobile phone is for MFA only; SSPR uses the primary mobile and the office phone"
    if not check.usable:
        blocking = next((d for d in check.analysis.format_defects if d in _BLOCKING_DEFECTS), "unknown_country_code")
        text = phones.describe_defect(blocking).rstrip(".")
        return sys.intern(f"SSPR cannot dial it: {text[:1].lower()}{text[1:]}")
    return None


# A million users' apps and keys have a few hundred device names: each evidence is built once and shared.
@lru_cache(maxsize=4096)
def _app(kind: str, name: str | None) -> UsableMethod:
    return UsableMethod(sspr_methods.APP_METHODS[kind], MethodSource.REGISTERED, f"authentication {kind}", name)


@lru_cache(maxsize=4096)
def _not_sspr(method_type: str, name: str | None) -> UncountedMethod:
    label = sspr_methods.NON_SSPR_LABELS[method_type] + (f" ({name})" if name else "")
    return UncountedMethod(label, "not an SSPR method (it signs in, but cannot verify a password reset)")


def _from_registration(registered: tuple[str, ...], found: list[UsableMethod]) -> list[UsableMethod]:
    """Methods known only from the registration report (no per-user call was needed)."""
    have = {m.method for m in found if m.source == MethodSource.REGISTERED}
    extra = []
    for name in registered:
        method = sspr_methods.REGISTRATION_METHODS.get(name)
        if method is None or method == _SQ or method in have:
            continue
        if method == sspr_methods.SOFTWARE_OATH and "microsoftAuthenticatorPush" in registered:
            continue  # the report cannot tell the Authenticator's own code from a second app: counted once
        have.add(method)
        extra.append(_reported_method(method, name))
    return extra


@lru_cache(maxsize=256)
def _reported_method(method: str, name: str) -> UsableMethod:
    return UsableMethod(method, MethodSource.REGISTERED, f"registration report ({name})")


def _best_per_method(usable: list[UsableMethod]) -> tuple[UsableMethod, ...]:
    """Keep every distinct evidence, best first: registered before directory data, sound before defective."""
    return tuple(sorted(usable, key=lambda m: (_ORDER[m.method], m.source != MethodSource.REGISTERED, m.defective)))


_ORDER = {m: i for i, m in enumerate(sspr_methods.SSPR_METHODS)}
