"""Rules on whether a user has enough SSPR methods, today and at Microsoft's coming changes.

SSPR001-003 and SSPR006-010. Every message names what the user has and why each
thing does or does not count (the verdict's reason carries it).
"""

from __future__ import annotations

from collections.abc import Iterator

from sspr_audit.audit import sspr_methods
from sspr_audit.audit.readiness import Assessment, judge
from sspr_audit.audit.results import MethodSource, Readiness, Severity
from sspr_audit.audit.rulebook import DIRECTORY_DATA, SECURITY_QUESTIONS, change
from sspr_audit.audit.rules import docs
from sspr_audit.audit.rules.registry import MY_SECURITY_INFO, AuditContext, Hit, rule

# Methods no announced change retires: a phone would last only until SMS and voice end (1 February 2027).
REGISTER = f"Register the Microsoft Authenticator app or a personal email address at {MY_SECURITY_INFO}."
CRITICAL_WITHIN_DAYS = 30
HIGH_WITHIN_DAYS = 90


def _methods_text(a: Assessment) -> str:
    return ", ".join(sorted(a.counted)) or "none"


def _lost_to_directory_change(a: Assessment, ctx: AuditContext) -> bool:
    """Not ready now, and ready on the same day if directory contact data still counted: that change decided."""
    if a.status != Readiness.NOT_READY or a.is_admin:
        return False
    if not any(m.source == MethodSource.PREPOPULATED for m in a.facts.candidates):
        return False
    return judge(a.facts, ctx.policy, a.rulebook.without(DIRECTORY_DATA), explain=False).status.can_reset


@rule(
    "SSPR001",
    title="No method that counts for SSPR",
    severity=Severity.HIGH,
    doc_url=docs.HOW_IT_WORKS,
    advice=REGISTER,
    why="""An enabled user in SSPR scope with no method that SSPR accepts cannot reset their password: every
      forgotten password becomes a helpdesk call.""",
    fix="""Ask the user to register at https://aka.ms/mysecurityinfo (the registration campaign prompts them at
      sign-in); give a Temporary Access Pass to a user who cannot sign in.""",
)
def no_usable_method(a: Assessment, ctx: AuditContext) -> Iterator[Hit]:
    if a.status == Readiness.NOT_READY and not a.is_admin and not a.counted and not _lost_to_directory_change(a, ctx):
        yield Hit(a.reason, field="methods")


@rule(
    "SSPR002",
    title="Ready only through directory contact data",
    severity=Severity.LOW,
    doc_url=docs.PREPOPULATE,
    advice=f"Register the Microsoft Authenticator app or a personal email address at {MY_SECURITY_INFO}: the phone"
    " number and email in the directory stop working for password reset on 5 October 2026.",
    why="""Until 5 October 2026 directory contact data (mobilePhone, businessPhones, otherMails) lets a user reset
      without registering, but nobody verified that it still reaches them, and from that day SSPR accepts only
      registered methods.""",
    fix="""Ask the user to register at https://aka.ms/mysecurityinfo, or enforce registration (the registration
      campaign, or Password reset > Registration > Require users to register when signing in).""",
)
def prepopulated_only(a: Assessment, ctx: AuditContext) -> Iterator[Hit]:
    if a.status == Readiness.READY_UNVERIFIED:
        fields = ", ".join(m.field for m in a.usable if m.source == MethodSource.PREPOPULATED)
        yield Hit(
            f"Meets the requirement only by counting directory contact data nobody registered ({fields}); SSPR"
            f" stops accepting it on {change(DIRECTORY_DATA).when}.",
            field="methods",
            value=_methods_text(a),
        )


@rule(
    "SSPR003",
    title="Fewer usable methods than the policy requires",
    severity=Severity.HIGH,
    doc_url=docs.HOW_IT_WORKS,
    advice=f"Register one more method (the Microsoft Authenticator app or a personal email address) at"
    f" {MY_SECURITY_INFO}.",
    why="""When the policy requires two methods, a user with one cannot complete a reset.""",
    fix="""Ask the user to register a further method at https://aka.ms/mysecurityinfo (Authenticator app or an
      external email; SMS and voice end for SSPR on 1 February 2027 without a telephony provider).""",
)
def too_few_methods(a: Assessment, ctx: AuditContext) -> Iterator[Hit]:
    if a.status == Readiness.NOT_READY and not a.is_admin and 0 < len(a.counted) < a.required:
        yield Hit(a.reason, field="methods", value=_methods_text(a))


@rule(
    "SSPR006",
    title="Security questions are the only method",
    severity=Severity.HIGH,
    doc_url=docs.HOW_IT_WORKS,
    advice=f"Register the Microsoft Authenticator app or an email address at {MY_SECURITY_INFO}: security"
    " questions stop working for password reset in March 2027.",
    why="""Security questions are the weakest SSPR method (answers are often guessable or public) and Microsoft
      retires them for SSPR in March 2027; a user who relies on them alone loses SSPR then.""",
    fix="""Ask the user to register the Authenticator app or an external email at https://aka.ms/mysecurityinfo.""",
)
def security_questions_only(a: Assessment, ctx: AuditContext) -> Iterator[Hit]:
    if a.in_scope and a.methods_known and not a.is_admin and a.counted == {sspr_methods.SECURITY_QUESTIONS}:
        yield Hit(
            "Relies on security questions alone, the weakest SSPR method, which Microsoft retires for SSPR in"
            f" {change(SECURITY_QUESTIONS).when}.",
            field="methods",
            value="security_questions",
        )


@rule(
    "SSPR007",
    title="Methods could not be read; readiness unknown",
    severity=Severity.MEDIUM,
    doc_url=docs.REGISTRATION_REPORT,
    advice="Nothing to do: IT could not read your sign-in methods and will check again.",
    why="""A user whose methods could not be read may or may not be able to reset; reporting them as having
      no methods would send the helpdesk after the wrong people.""",
    fix="""Collect again (sspr-audit collect --resume retries only what is missing), and check the permissions
      named in the report's data-source section.""",
)
def methods_unknown(a: Assessment, ctx: AuditContext) -> Iterator[Hit]:
    if a.status == Readiness.UNKNOWN:
        yield Hit(a.reason, field="collection", value=a.user.collection.state.value)


@rule(
    "SSPR008",
    title="Authentication method of a type this version does not recognise",
    severity=Severity.INFO,
    doc_url=docs.EMAIL_METHOD,
    advice="Nothing to do now: IT will check a sign-in method this report does not recognise.",
    why="""Graph returned a method type newer than this version of sspr-audit knows. It is kept in the snapshot
      and not counted for SSPR, so a user who relies on it may look less ready than they are.""",
    fix="""Check what the method is in the Entra admin center (the user's Authentication methods page) and
      upgrade sspr-audit.""",
)
def unrecognised_method(a: Assessment, ctx: AuditContext) -> Iterator[Hit]:
    if not a.in_scope:
        return
    for method in a.user.methods or ():
        if method.type == "unrecognised":
            yield Hit(
                f"Has an authentication method of an unrecognised type ({method.odata_type}); it is not"
                " counted for SSPR.",
                field="methods",
                value=method.odata_type,
            )


@rule(
    "SSPR009",
    title="Relies on directory contact data that SSPR no longer accepts",
    severity=Severity.HIGH,
    doc_url=docs.PREPOPULATE,
    advice=f"Register the Microsoft Authenticator app or a personal email address at {MY_SECURITY_INFO}: the phone"
    " number and email in the directory no longer work for password reset. If you cannot sign in, ask IT for a"
    " Temporary Access Pass.",
    why="""Since 5 October 2026 SSPR accepts only explicitly registered methods: a mobilePhone, businessPhones or
      otherMails value that the user never registered no longer verifies a reset, so a user who relied on it
      cannot reset.""",
    fix="""Ask the user to register at https://aka.ms/mysecurityinfo; turn on the registration campaign, which
      prompts users without methods at sign-in; give users who cannot sign in a Temporary Access Pass.""",
)
def directory_data_only(a: Assessment, ctx: AuditContext) -> Iterator[Hit]:
    if _lost_to_directory_change(a, ctx):
        values = ", ".join(f"{m.field} {m.value}" for m in a.facts.candidates if m.source == MethodSource.PREPOPULATED)
        yield Hit(
            f"Relied on directory contact data ({values}), which SSPR stopped accepting on"
            f" {change(DIRECTORY_DATA).when}: {a.reason}",
            field="methods",
            value=values,
        )


@rule(
    "SSPR010",
    title="Will lose SSPR at one of Microsoft's announced changes",
    severity=Severity.MEDIUM,
    doc_url=docs.SMS_VOICE_RETIREMENT,
    advice=REGISTER,
    why=f"""The user can reset today but not after a change Microsoft has announced (SMS and voice retirement,
      security questions retirement). The severity rises as the date nears: medium, high within
      {HIGH_WITHIN_DAYS} days, critical within {CRITICAL_WITHIN_DAYS} days.""",
    fix="""Before the date, have the user register the Microsoft Authenticator app or Email OTP at
      https://aka.ms/mysecurityinfo, or (for SMS and voice) configure a telephony provider and declare
      telephony_provider = true in the policy.""",
)
def will_lose_sspr(a: Assessment, ctx: AuditContext) -> Iterator[Hit]:
    if a.loss is None:
        return
    days = a.rulebook.days_until(a.loss.change)
    severity = (
        Severity.CRITICAL if days <= CRITICAL_WITHIN_DAYS else Severity.HIGH if days <= HIGH_WITHIN_DAYS else None
    )
    yield Hit(
        f"Can reset today but not from {a.loss.change.when} ({days} days): {a.loss.because}",
        field="loses_sspr_on",
        value=a.loss.change.day,
        severity=severity,
        advice=f"Before {a.loss.change.when}: {REGISTER[0].lower()}{REGISTER[1:]}",
    )
