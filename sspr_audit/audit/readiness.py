"""Which SSPR methods a user can present, and so whether they can reset.

This is the heart of the audit, kept apart from the rules so the status and
the findings are computed from the same facts:

* registered methods (the per-user methods call, or the registration report
  when the call was not needed) and prepopulated contact fields
  (``mobilePhone``, ``businessPhones[0]``, ``otherMails``) both count, but a
  user who meets the policy only through prepopulated data is
  ``ready_unverified``;
* administrators face the two-gate policy: two methods, never security
  questions, whatever the tenant's user policy and methods policy say;
* security questions never stand alone when one method is required;
* a phone number without a country code, or an unreadable one, is not
  usable; a usable number or address with a defect makes the user
  ``at_risk`` when the policy is met only by counting it;
* a user whose methods could not be read is ``unknown``, never "no methods".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sspr_audit.audit import phones, sspr_methods
from sspr_audit.audit.policy import Policy
from sspr_audit.audit.results import MethodSource, Readiness, UsableMethod
from sspr_audit.snapshot.models import CollectionState, User

MOBILE_SLOT = "mobile"
OFFICE_SLOT = "office"

# Defects that stop SSPR from placing the call at all: no country code, nothing
# readable. Other defects (spacing, trunk zero, extension) leave a number usable
# but at risk.
_BLOCKING_DEFECTS = frozenset({"empty", "missing_plus", "letters", "unknown_country_code"})
_BLOCKING_VALIDITY = frozenset({"unknown_country_code"})
_DEFECTIVE_VALIDITY = frozenset({"invalid", "impossible"})

_EMAIL = re.compile(
    r"^(?!\.)(?!.*\.\.)[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}(?<!\.)@"
    r"(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)


@dataclass(frozen=True)
class PhoneCheck:
    """One phone number found on a user, with its analysis."""

    field: str  # "mobilePhone", "businessPhones[0]", "authentication phone (mobile)"
    slot: str  # MOBILE_SLOT or OFFICE_SLOT
    source: MethodSource
    analysis: phones.PhoneAnalysis

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


@dataclass(frozen=True)
class EmailCheck:
    """One alternate or authentication email address found on a user."""

    field: str  # "otherMails[0]" or "authentication email"
    address: str
    source: MethodSource
    well_formed: bool
    organisation_domain: bool  # in one of the organisation's own domains


@dataclass(frozen=True)
class Assessment:
    """Everything the rules need about one user."""

    index: int
    user: User
    status: Readiness
    reason: str
    is_admin: bool
    admin_eligible_only: bool
    admin_roles: tuple[str, ...]
    required: int
    usable: tuple[UsableMethod, ...]
    phones: tuple[PhoneCheck, ...]
    emails: tuple[EmailCheck, ...]
    security_questions_registered: bool
    methods_known: bool  # False when the user's methods could not be read

    @property
    def in_scope(self) -> bool:
        """Whether the user is judged at all (not excluded, not out of scope)."""
        return self.status not in (Readiness.EXCLUDED, Readiness.OUT_OF_SCOPE)

    @property
    def counted(self) -> frozenset[str]:
        """Distinct SSPR methods that count towards this user's requirement."""
        methods = {m.method for m in self.usable}
        if self.is_admin:
            methods.discard(sspr_methods.SECURITY_QUESTIONS)
        return frozenset(methods)


def email_well_formed(address: str) -> bool:
    """A pragmatic RFC 5321 shape check: one @, sane local part, dotted domain."""
    return bool(_EMAIL.match(address))


def assess(index: int, user: User, policy: Policy, is_two_gate_role) -> Assessment:
    """Judge one user against the policy."""
    admin_roles = tuple(sorted({r.role_name for r in user.roles if is_two_gate_role(r.role_name, r.role_template_id)}))
    is_admin = bool(admin_roles)
    eligible_only = is_admin and all(
        r.assignment == "eligible" for r in user.roles if is_two_gate_role(r.role_name, r.role_template_id)
    )
    required = 2 if (is_admin and policy.two_gate) else (1 if is_admin else policy.methods_required)
    region = policy.default_phone_region or _user_region(user)
    phone_checks = _phone_checks(user, region)
    email_checks = _email_checks(user, policy.email_domains)
    sq = bool(user.registration and "securityQuestion" in user.registration.methods_registered)
    methods_known = user.collection.state != CollectionState.FAILED and (
        user.methods is not None or user.registration is not None
    )
    enabled = (
        frozenset(sspr_methods.SSPR_METHODS) - {sspr_methods.SECURITY_QUESTIONS}
        if is_admin
        else frozenset(policy.methods_enabled)
    )
    usable = _usable_methods(user, phone_checks, email_checks, enabled, sq) if methods_known else ()

    def result(status: Readiness, reason: str) -> Assessment:
        return Assessment(
            index,
            user,
            status,
            reason,
            is_admin,
            eligible_only,
            admin_roles,
            required,
            usable,
            phone_checks,
            email_checks,
            sq,
            methods_known,
        )

    scope_reason = _out_of_scope_reason(user, policy, is_admin)
    exclusion = policy.exclusion_for(user.user_principal_name)
    if exclusion is not None:
        return result(Readiness.EXCLUDED, f"Excluded by policy: {exclusion.reason}")
    if scope_reason:
        return result(Readiness.OUT_OF_SCOPE, scope_reason)
    if not methods_known:
        why = user.collection.reason or "the authentication methods and the registration report could not be read"
        return result(Readiness.UNKNOWN, f"Readiness unknown: {why}.")
    return result(*_judge(usable, required, is_admin))


def _judge(usable: tuple[UsableMethod, ...], required: int, is_admin: bool) -> tuple[Readiness, str]:
    counted = {m.method for m in usable}
    if is_admin:
        counted.discard(sspr_methods.SECURITY_QUESTIONS)
    elif required == 1 and counted == {sspr_methods.SECURITY_QUESTIONS}:
        return Readiness.NOT_READY, "Security questions are the only method, and they never suffice alone."
    who = "Administrators need" if is_admin else "The policy requires"
    if len(counted) < required:
        have = "no usable method" if not counted else f"only {len(counted)} usable method{'s' * (len(counted) > 1)}"
        return Readiness.NOT_READY, f"{who} {required} method{'s' * (required > 1)}; the user has {have}."
    registered = {m.method for m in usable if m.source == MethodSource.REGISTERED and m.method in counted}
    sound = {m.method for m in usable if not m.defective and m.method in counted}
    sound_registered = registered & sound
    if len(sound) < required:
        return Readiness.AT_RISK, "Meets the requirement only by counting a number or address with a defect."
    if len(registered) < required:
        return Readiness.READY_UNVERIFIED, (
            "Can reset only through prepopulated contact data that the user never verified."
        )
    if len(sound_registered) < required:
        return Readiness.READY_UNVERIFIED, "Meets the requirement, partly through prepopulated contact data."
    return Readiness.READY, f"Has {len(counted)} usable method{'s' * (len(counted) > 1)}; {required} required."


def _out_of_scope_reason(user: User, policy: Policy, is_admin: bool) -> str | None:
    if not user.account_enabled:
        return "Account disabled."
    if (user.user_type or "").lower() == "guest" and not policy.include_guests:
        return "Guest account: guests reset their password in their home tenant."
    if is_admin:
        if not policy.admins_allowed_sspr:
            return "SSPR for administrators is turned off (authorizationPolicy.allowedToUseSSPR is false)."
        return None  # the administrator policy applies whatever the user scope
    if policy.scope == "none":
        return "SSPR is not enabled for users (scope: none)."
    if policy.scope == "selected" and not policy.scope_group_ids.intersection(user.groups):
        return "Not a member of the SSPR scope group(s)."
    return None


def _user_region(user: User) -> str | None:
    for value in (user.usage_location, user.country):
        if value and len(value.strip()) == 2 and value.strip().isalpha():
            return value.strip().upper()
    return None


def _phone_checks(user: User, region: str | None) -> tuple[PhoneCheck, ...]:
    checks = []
    if _present(user.mobile_phone):
        checks.append(
            PhoneCheck("mobilePhone", MOBILE_SLOT, MethodSource.PREPOPULATED, phones.analyze(user.mobile_phone, region))
        )
    for i, number in enumerate(user.business_phones):
        if _present(number):
            checks.append(
                PhoneCheck(
                    f"businessPhones[{i}]", OFFICE_SLOT, MethodSource.PREPOPULATED, phones.analyze(number, region)
                )
            )
    for method in user.methods or ():
        if method.type == "phone" and _present(method.phone_number):
            slot = OFFICE_SLOT if method.phone_type == "office" else MOBILE_SLOT
            checks.append(
                PhoneCheck(
                    f"authentication phone ({method.phone_type or 'unknown'})",
                    slot,
                    MethodSource.REGISTERED,
                    phones.analyze(method.phone_number, region),
                )
            )
    return tuple(checks)


def _present(value: str | None) -> bool:
    """An empty or blank contact field is absent, not a malformed number."""
    return value is not None and bool(value.strip())


def _email_checks(user: User, org_domains: tuple[str, ...]) -> tuple[EmailCheck, ...]:
    def check(field: str, address: str, source: MethodSource) -> EmailCheck:
        text = address.strip()
        domain = text.rpartition("@")[2].lower()
        org = any(domain == d or domain.endswith("." + d) for d in org_domains)
        return EmailCheck(field, address, source, email_well_formed(text), org)

    checks = [check(f"otherMails[{i}]", a, MethodSource.PREPOPULATED) for i, a in enumerate(user.other_mails)]
    checks += [
        check("authentication email", m.email_address, MethodSource.REGISTERED)
        for m in user.methods or ()
        if m.type == "email" and m.email_address is not None
    ]
    return tuple(checks)


def _usable_methods(
    user: User,
    phone_checks: tuple[PhoneCheck, ...],
    email_checks: tuple[EmailCheck, ...],
    enabled: frozenset[str],
    security_questions: bool,
) -> tuple[UsableMethod, ...]:
    found: list[UsableMethod] = []
    for check in phone_checks:
        if check.field.startswith("businessPhones[") and check.field != "businessPhones[0]":
            continue  # SSPR offers only the first office number
        if check.usable:
            method = sspr_methods.MOBILE_PHONE if check.slot == MOBILE_SLOT else sspr_methods.OFFICE_PHONE
            found.append(UsableMethod(method, check.source, check.field, check.analysis.raw, check.defective))
    for check in email_checks:
        if check.well_formed:
            found.append(
                UsableMethod(sspr_methods.EMAIL, check.source, check.field, check.address, check.organisation_domain)
            )
    if user.methods is not None:
        app = next((m for m in user.methods if m.type in sspr_methods.APP_METHOD_TYPES), None)
        if app is not None:
            found.append(
                UsableMethod(
                    sspr_methods.MOBILE_APP, MethodSource.REGISTERED, f"authentication {app.type}", app.display_name
                )
            )
    elif user.registration is not None:
        found.extend(_from_registration(user.registration.methods_registered, found))
    if security_questions:
        found.append(
            UsableMethod(
                sspr_methods.SECURITY_QUESTIONS, MethodSource.REGISTERED, "registration report (securityQuestion)"
            )
        )
    usable = [m for m in found if m.method in enabled]
    return _best_per_method(usable)


def _from_registration(registered: tuple[str, ...], found: list[UsableMethod]) -> list[UsableMethod]:
    """Methods known only from the registration report (no per-user call was needed)."""
    have = {(m.method, m.source) for m in found}
    extra = []
    for name in registered:
        method = sspr_methods.REGISTRATION_METHODS.get(name)
        if method is None or method == sspr_methods.SECURITY_QUESTIONS:
            continue
        if (method, MethodSource.REGISTERED) not in have:
            have.add((method, MethodSource.REGISTERED))
            extra.append(UsableMethod(method, MethodSource.REGISTERED, f"registration report ({name})"))
    return extra


def _best_per_method(usable: list[UsableMethod]) -> tuple[UsableMethod, ...]:
    """Keep every distinct evidence, best first: registered before prepopulated, sound before defective."""
    order = {sspr_methods.SSPR_METHODS[i]: i for i in range(len(sspr_methods.SSPR_METHODS))}
    return tuple(sorted(usable, key=lambda m: (order[m.method], m.source != MethodSource.REGISTERED, m.defective)))
