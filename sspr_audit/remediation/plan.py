"""Which contact data to correct, how, and by whom: ``plan_remediation(snapshot, policy)``.

Pure and synchronous. Every phone number and email address the audit judges
(the same checks as :mod:`sspr_audit.audit.readiness`, so the same default region:
the policy's, then the user's usage location) becomes at most one item, in
one of four categories:

* ``script``: a cloud-only user, and the SSPR-format correction is
  unambiguous (a valid number with format defects only). The generated
  script applies it after checking the value has not changed.
* ``on_premises``: the same kind of correction for a user synced from
  on-premises AD (``onPremisesSyncEnabled`` true). A cloud edit would be
  overwritten by the next sync, so the item names the AD attribute instead
  (Entra Connect's default mapping: ``mobile`` -> ``mobilePhone``,
  ``telephoneNumber`` -> ``businessPhones``).
* ``user``: something only the user can put right at
  https://aka.ms/mysecurityinfo: a synced user's authentication phone (a
  cloud-only object the script still leaves alone, since it never touches
  synced users) or a reset email in the organisation's own domain.
* ``decide``: nothing can be proposed without guessing: a national number
  without a region, an invalid or impossible number, a vanity (letters)
  number, an extension (stripping it still rings the switchboard), a
  masked number, a number several users share, a malformed email address.

Authentication phones are corrected in place
(``Update-MgUserAuthenticationPhoneMethod``), never created from contact
data: turning unverified directory data into a sign-in method is a security
decision, not a format fix. Since 5 October 2026 a directory number no longer
makes anyone ready for SSPR; it is corrected because it is what the user sees
pre-filled when registering, and a wrong one makes the registration fail.

Only users the audit judges (not excluded, in SSPR scope) are planned.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from sspr_audit.audit import phones
from sspr_audit.audit.emails import EmailCheck
from sspr_audit.audit.policy import Policy
from sspr_audit.audit.readiness import MOBILE_SLOT, Facts, PhoneCheck, gather
from sspr_audit.audit.rulebook import parse_day
from sspr_audit.audit.tenant_facts import tenant_facts
from sspr_audit.snapshot.models import Snapshot, User

MY_SECURITY_INFO = "https://aka.ms/mysecurityinfo"
WHO_USER = f"the user at {MY_SECURITY_INFO}"
WHO_DECIDE = "a person must decide"

# Entra Connect's default mapping (Microsoft's "prepopulate authentication contact information" page).
AD_ATTRIBUTES = {"mobilePhone": "mobile", "businessPhones": "telephoneNumber"}
_OTHER_MAILS_WHERE = (
    "cloud: Update-MgUser -OtherMails (Entra Connect maps no on-premises attribute to otherMails"
    " by default; check your sync rules if they were customised)"
)

_BAD_VALIDITY = frozenset({"invalid", "impossible", "unknown_country_code"})


class Category(StrEnum):
    """Who acts on an item; the order is the order of the CSV."""

    SCRIPT = "script"
    ON_PREMISES = "on_premises"
    USER = "user"
    DECIDE = "decide"


_CATEGORY_ORDER = {c: i for i, c in enumerate(Category)}


@dataclass(frozen=True, slots=True)
class RemediationItem:
    """One value to correct on one user."""

    user_id: str
    upn: str
    display_name: str | None
    field: str  # as in findings: "mobilePhone", "businessPhones[0]", "authentication phone (mobile)", ...
    current: str  # the value the snapshot holds, exactly
    proposed: str | None  # the corrected value; None when a person must decide
    why: str  # the defects in words
    who: str  # who can make the change, and where
    category: Category
    attribute: str | None = None  # Graph user property for contact fields: mobilePhone / businessPhones / otherMails
    index: int | None = None  # position in businessPhones / otherMails
    phone_type: str | None = None  # authentication phones: mobile / alternateMobile / office
    method_id: str | None = None  # authentication phones: the phoneAuthenticationMethod id


@dataclass(frozen=True, slots=True)
class RemediationPlan:
    """Every item, ordered by category, then user, then field as the audit found them."""

    tenant_id: str
    collected_at: str
    items: tuple[RemediationItem, ...]

    def by_category(self, category: Category) -> tuple[RemediationItem, ...]:
        """The items of one category, in plan order."""
        return tuple(i for i in self.items if i.category == category)

    @property
    def on_premises_users(self) -> int:
        """Distinct synced users left to on-premises AD."""
        return len({i.user_id for i in self.items if i.category == Category.ON_PREMISES})

    def summary(self) -> str:
        """One line for the console: how many items each party has."""
        counts = Counter(i.category for i in self.items)
        return (
            f"{counts[Category.SCRIPT]} change(s) in the script (cloud-only users), "
            f"{counts[Category.ON_PREMISES]} for on-premises AD, {counts[Category.USER]} for the users "
            f"themselves, {counts[Category.DECIDE]} for a person to decide."
        )


def _collection_day(snapshot: Snapshot) -> date | None:
    """The day a sign-in is judged stale against, so accounts nobody uses get no fixes; None when unknown."""
    try:
        return parse_day(snapshot.tenant.collected_at)
    except ValueError:
        return None


def plan_remediation(snapshot: Snapshot, policy: Policy) -> RemediationPlan:
    """Judge every user as the audit does (as of the collection date) and turn each defective value into an item."""
    tenant = tenant_facts(snapshot, policy, _collection_day(snapshot))
    judged = [f for f in (gather(i, u, policy, tenant) for i, u in enumerate(snapshot.users)) if not f.settled]
    sharers = _sharers(judged)
    items: list[RemediationItem] = []
    for a in sorted(judged, key=lambda a: (a.user.user_principal_name.casefold(), a.user.id)):
        items.extend(filter(None, (_phone_item(a.user, check, sharers, policy) for check in a.phones)))
        items.extend(filter(None, (_email_item(a.user, check) for check in a.emails)))
    items.sort(key=lambda i: _CATEGORY_ORDER[i.category])  # stable: user and field order kept
    t = snapshot.tenant
    return RemediationPlan(t.id, t.collected_at, tuple(items))


def _sharers(judged: Iterable[Facts]) -> Counter[str]:
    """How many judged users hold each number (the population that rule PHN005 sees)."""
    count: Counter[str] = Counter()
    for a in judged:
        count.update({k for c in a.phones if (k := phones.normalized_key(c.analysis))})
    return count


def _phone_item(user: User, check: PhoneCheck, sharers: Counter[str], policy: Policy) -> RemediationItem | None:
    an = check.analysis
    others = sharers[key] - 1 if (key := phones.normalized_key(an)) else 0
    fixed_line = check.slot == MOBILE_SLOT and phones.fixed_line_in_mobile_slot(an)
    if not (an.masked or an.format_defects or an.validity in _BAD_VALIDITY or fixed_line or others):
        return None
    held_back = _held_back(an, others)
    proposed = an.suggestion if not held_back else None
    why = _phone_why(an, others, fixed_line, held_back, policy)
    synced = user.on_premises_sync_enabled is True
    base: dict[str, Any] = dict(
        user_id=user.id,
        upn=user.user_principal_name,
        display_name=user.display_name,
        field=check.field,
        current=an.raw,
        proposed=proposed,
        why=why,
    )
    attribute, index = check.location.user_property, check.location.index
    if attribute is not None:
        where = f"on-premises AD: attribute `{AD_ATTRIBUTES[attribute]}`" if synced else "cloud: Update-MgUser"
        if proposed is None:
            return RemediationItem(
                **base, who=f"{WHO_DECIDE}; then {where}", category=Category.DECIDE, attribute=attribute, index=index
            )
        return RemediationItem(
            **base,
            who=where,
            category=Category.ON_PREMISES if synced else Category.SCRIPT,
            attribute=attribute,
            index=index,
        )
    method = _auth_phone(user, check.location.phone_type)
    if proposed is None or method is None:
        return RemediationItem(**base, who=f"{WHO_DECIDE}; then {WHO_USER}", category=Category.DECIDE)
    phone_type, method_id = method
    if synced:
        return RemediationItem(
            **base,
            who=f"{WHO_USER}, or an administrator in the Entra admin center",
            category=Category.USER,
            phone_type=phone_type,
            method_id=method_id,
        )
    return RemediationItem(
        **base,
        who="cloud: Update-MgUserAuthenticationPhoneMethod",
        category=Category.SCRIPT,
        phone_type=phone_type,
        method_id=method_id,
    )


def _held_back(an: phones.PhoneAnalysis, others: int) -> str | None:
    """Why a format correction, when there is one, must not be applied without a person; None when it may."""
    if an.suggestion is None:
        return None
    if others:
        return "several users hold this number"
    if an.extension:
        return "without its extension the call reaches the main line, not the user: a direct number is needed"
    if "letters" in an.format_defects:
        return "letters were read as telephone keypad digits (a vanity number)"
    if an.validity != "valid":
        return "the number is not valid in its country's numbering plan"
    return None


def _phone_why(an: phones.PhoneAnalysis, others: int, fixed_line: bool, held_back: str | None, policy: Policy) -> str:
    """The defects in words, and what stops a correction from being proposed."""
    if an.masked:
        return f"The number is masked and cannot be judged. {an.suggestion_note}"
    parts = [phones.describe_defect(d) for d in an.format_defects]
    if an.validity in _BAD_VALIDITY:
        parts.append(phones.describe_validity(an.validity))
    if fixed_line:
        parts.append(f"It is a fixed-line number ({an.region}): SMS will not arrive.")
    if others:
        parts.append(
            f"The same number ({an.e164}) is on {others} other user(s): a switchboard, a shared phone or a"
            " takeover; only a person can say whose it is."
        )
    if held_back:
        parts.append(f"The format alone would give {an.suggestion}, not proposed: {held_back}.")
    elif an.suggestion_note:
        parts.append(an.suggestion_note)
    if an.suggestion and "missing_plus" in an.format_defects and phones.analyze(an.raw, None).suggestion is None:
        origin = "the policy's default region" if policy.default_phone_region else "the user's usage location"
        parts.append(f"Read as a number of {an.region}, from {origin}.")
    return " ".join(parts)


def _auth_phone(user: User, phone_type: str | None) -> tuple[str, str] | None:
    """Phone type and method id of the user's authentication phone of ``phone_type``."""
    if phone_type is None:
        return None
    method = next((x for x in user.methods or () if x.type == "phone" and x.phone_type == phone_type), None)
    return (method.phone_type, method.id) if method is not None and method.phone_type else None


def _email_item(user: User, check: EmailCheck) -> RemediationItem | None:
    if check.well_formed and not check.organisation_domain:
        return None
    other_mails = check.location.is_directory
    where = _OTHER_MAILS_WHERE if other_mails else WHO_USER
    index = check.location.index
    base: dict[str, Any] = dict(
        user_id=user.id,
        upn=user.user_principal_name,
        display_name=user.display_name,
        field=check.field,
        current=check.address,
        proposed=None,
        attribute="otherMails" if other_mails else None,
        index=index,
    )
    if not check.well_formed:
        return RemediationItem(
            **base,
            why="The address is not a valid email address: no reset code can reach it.",
            who=f"{WHO_DECIDE}; then {where}",
            category=Category.DECIDE,
        )
    domain = check.address.rpartition("@")[2]
    return RemediationItem(
        **base,
        why=f"The address is in the organisation's own domain ({domain}): unreachable "
        "when the user is locked out. The user should register a personal address.",
        who=WHO_USER,
        category=Category.USER,
    )
