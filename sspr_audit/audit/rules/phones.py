"""Rules on phone numbers (PHN001-005): format and numbering-plan validity, kept apart.

A registered authentication phone is what SSPR texts or calls. A directory
number (``mobilePhone``, ``businessPhones``) is no longer an SSPR method since
5 October 2026, but it is what the user sees pre-filled when registering, and
a wrong one makes that registration fail: the same checks apply to both, with
a lower severity and words that say which it is.
"""

from __future__ import annotations

from collections.abc import Iterator

from sspr_audit.audit import phones
from sspr_audit.audit.judged import Judged
from sspr_audit.audit.readiness import MOBILE_SLOT, Assessment, PhoneCheck
from sspr_audit.audit.results import MethodSource, Severity
from sspr_audit.audit.rules import docs
from sspr_audit.audit.rules.registry import MY_SECURITY_INFO, AuditContext, Hit, rule

_NOT_FORMAT = frozenset({"extension", "unknown_country_code"})  # reported by PHN002 / PHN003
_LISTED_SHARERS = 5
_CONTACT_FIELDS = {"mobilePhone": "mobile number", "businessPhones": "office number"}
_ON_PREMISES = " (it is managed in the on-premises directory)"


def _registered(check: PhoneCheck) -> bool:
    return check.source == MethodSource.REGISTERED


def _where(check: PhoneCheck) -> str:
    """What happens to this number: SSPR uses it, or it is pre-filled at registration."""
    return "SSPR texts or calls it" if _registered(check) else "it is pre-filled when the user registers"


def _severity(check: PhoneCheck, registered: Severity) -> Severity:
    return registered if _registered(check) else Severity.LOW


def _advice(a: Assessment | Judged, check: PhoneCheck, registered: str, contact: str, suggestion: str | None) -> str:
    """What the user does: update a registered phone themselves, or ask IT to correct a directory number.

    The suggested form is offered to cloud-only users; a synced user's number
    is corrected by IT in the on-premises directory.
    """
    if _registered(check):
        form = f" (the right form is {suggestion})" if suggestion else ""
        return f"{registered.format(url=MY_SECURITY_INFO)}{form}."
    number = _CONTACT_FIELDS.get(check.location.user_property or "", "number")
    text = contact.format(number=number)
    if a.user.on_premises_sync_enabled:
        return f"{text}{_ON_PREMISES}."
    return f"{text} to {suggestion}." if suggestion else f"{text}."


def _hit(
    a: Assessment | Judged,
    check: PhoneCheck,
    message: str,
    advice: tuple[str, str],
    suggestion: str | None = None,
    *,
    advise_suggestion: bool = True,
    registered_severity: Severity = Severity.MEDIUM,
) -> Hit:
    """A finding about one number: its evidence, its severity by where it was found, and what the user does.

    ``advice`` is (for a registered phone, for a directory number); see :func:`_advice`. The suggested form
    goes into the advice unless ``advise_suggestion`` is off (an invalid number: only a person knows the real one).
    """
    return Hit(
        message,
        user_index=a.index,
        field=check.field,
        location=check.location,
        value=check.analysis.raw,
        suggestion=suggestion,
        severity=_severity(check, registered_severity),
        advice=_advice(a, check, *advice, suggestion if advise_suggestion else None),
    )


@rule(
    "PHN001",
    title="Phone number not in SSPR format",
    severity=Severity.MEDIUM,
    doc_url=docs.PREPOPULATE,
    advice="Update your phone number.",
    why="""SSPR and Graph take numbers only as +CountryCode, one space, then the number (e.g. +1 4251234567). A
      registered number in another format may be dialled wrongly; a directory number in another format is
      pre-filled at registration and makes it fail (low severity).""",
    fix="""Correct the number to the suggested format: in on-premises AD (`mobile`, `telephoneNumber`) for
      synced users, otherwise with Update-MgUser or in the Entra admin center; registered phones by the user at
      https://aka.ms/mysecurityinfo.""",
)
def not_sspr_format(a: Assessment, ctx: AuditContext) -> Iterator[Hit]:
    if not a.in_scope:
        return
    for check in a.phones:
        defects = [d for d in check.analysis.format_defects if d not in _NOT_FORMAT]
        if defects and not check.analysis.masked:
            text = " ".join(phones.describe_defect(d) for d in defects)
            note = f" {check.analysis.suggestion_note}" if check.analysis.suggestion_note else ""
            yield _hit(
                a,
                check,
                f"{check.field} is not in SSPR format ({_where(check)}): {text}{note}",
                ("Update your phone number at {url}", "Ask IT to correct your {number}"),
                check.analysis.suggestion,
            )


@rule(
    "PHN002",
    title="Phone number carries an extension",
    severity=Severity.MEDIUM,
    doc_url=docs.PREPOPULATE,
    advice="Use a direct number without an extension.",
    why="""SSPR does not support extensions: it removes them and calls the main line, so the code never
      reaches the user. A directory number with an extension is pre-filled at registration (low severity).""",
    fix="""Store a direct number without extension, or have the user register a mobile phone or the
      Authenticator app.""",
)
def extension(a: Assessment, ctx: AuditContext) -> Iterator[Hit]:
    if not a.in_scope:
        return
    for check in a.phones:
        if check.analysis.extension and not check.analysis.masked:
            consequence = (
                "SSPR drops it and calls the main line"
                if _registered(check)
                else ("it is pre-filled when the user registers, and SSPR would drop it")
            )
            yield _hit(
                a,
                check,
                f"{check.field} carries extension {check.analysis.extension}; {consequence}.",
                (
                    "Replace your phone number with a direct number without an extension at {url}",
                    "Ask IT to replace your {number} with a direct number without an extension",
                ),
                check.analysis.suggestion,
            )


@rule(
    "PHN003",
    title="Phone number invalid for its numbering plan",
    severity=Severity.MEDIUM,
    doc_url=docs.PHONE_METHOD,
    advice="Check your phone number and correct it.",
    why="""A number that its country's numbering plan does not allow (or with an unknown country code) cannot
      receive a call or SMS, even when correctly formatted. In a directory field it is pre-filled at
      registration (low severity).""",
    fix="""Ask the user for their real number and correct it; check for digits lost or swapped during
      imports.""",
)
def invalid_number(a: Assessment, ctx: AuditContext) -> Iterator[Hit]:
    if not a.in_scope:
        return
    for check in a.phones:
        validity = check.analysis.validity
        if validity in ("invalid", "impossible", "unknown_country_code") and not check.analysis.masked:
            yield _hit(
                a,
                check,
                f"{check.field} {check.analysis.raw!r} ({_where(check)}): {phones.describe_validity(validity)}",
                ("Check your phone number and update it at {url}", "Ask IT to correct your {number}"),
                check.analysis.suggestion,
                advise_suggestion=False,
            )


@rule(
    "PHN004",
    title="Fixed-line number in a mobile slot",
    severity=Severity.LOW,
    doc_url=docs.PHONE_METHOD,
    advice="Use your mobile number in the mobile slot.",
    why="""SSPR sends SMS codes to the mobile phone; a landline cannot receive them, only voice calls.""",
    fix="""Replace it with the user's mobile number, or move the landline to the office phone field.""",
)
def fixed_line_in_mobile(a: Assessment, ctx: AuditContext) -> Iterator[Hit]:
    if not a.in_scope:
        return
    for check in a.phones:
        if check.slot == MOBILE_SLOT and phones.fixed_line_in_mobile_slot(check.analysis):
            yield _hit(
                a,
                check,
                f"{check.field} {check.analysis.raw!r} is a fixed-line number ({check.analysis.region}) in a mobile"
                f" slot ({_where(check)}); SMS will not arrive.",
                (
                    "Register your mobile number at {url} (the number registered is a landline, which cannot"
                    " receive text messages)",
                    "Ask IT to put your mobile number in place of the landline in your {number} field",
                ),
                registered_severity=Severity.LOW,
            )


@rule(
    "PHN005",
    title="The same number is on several users",
    severity=Severity.MEDIUM,
    doc_url=docs.PREPOPULATE,
    scope="population",
    advice="Use a phone number that only you use.",
    why="""A registered number shared by several users (a switchboard, a shared desk phone) sends their reset
      codes to someone else; on a mobile slot it can also mean an account takeover. A shared directory number is
      pre-filled at registration for all of them (low severity).""",
    fix="""Give each user a personal number; remove switchboard numbers from contact fields.""",
)
def shared_number(ctx: AuditContext) -> Iterator[Hit]:
    for key in sorted(ctx.shared_numbers):
        group = ctx.shared_numbers[key]
        first = [o.user.user_principal_name for o, _ in group[: _LISTED_SHARERS + 1]]  # enough for any holder
        count = len(group) - 1
        more = f" and {count - _LISTED_SHARERS} more" if count > _LISTED_SHARERS else ""
        for i, (a, check) in enumerate(group):
            listed = ", ".join([upn for j, upn in enumerate(first) if j != i][:_LISTED_SHARERS])
            yield _hit(
                a,
                check,
                f"{check.field} {key} is also on {count} other user(s): {listed}{more}.",
                ("Register a phone number that only you use at {url}", "Ask IT to give you your own {number}"),
            )
