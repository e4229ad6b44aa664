"""Rules on whether a user has enough SSPR methods (SSPR001-003, SSPR006-008)."""

from __future__ import annotations

from collections.abc import Iterator

from sspr_audit.audit import sspr_methods
from sspr_audit.audit.readiness import Assessment
from sspr_audit.audit.results import MethodSource, Readiness, Severity
from sspr_audit.audit.rules import docs
from sspr_audit.audit.rules.registry import Hit, rule


def _methods_text(a: Assessment) -> str:
    return ", ".join(sorted(a.counted)) or "none"


@rule(
    "SSPR001",
    title="No method usable for SSPR",
    severity=Severity.HIGH,
    doc_url=docs.HOW_IT_WORKS,
    why="""An enabled user in SSPR scope with no registered method and no usable prepopulated contact data
      cannot reset their password: every forgotten password becomes a helpdesk call.""",
    fix="""Ask the user to register at https://aka.ms/mysecurityinfo, or prepopulate a correctly formatted
      mobile phone or alternate email (Entra Connect: on-premises `mobile`, or Update-MgUser).""",
)
def no_usable_method(a: Assessment, ctx) -> Iterator[Hit]:
    if a.status == Readiness.NOT_READY and not a.is_admin and not {m.method for m in a.usable}:
        yield Hit(
            "Has no method usable for SSPR: nothing registered and no usable mobile phone, office phone"
            " or alternate email.",
            field="methods",
        )


@rule(
    "SSPR002",
    title="Ready only through prepopulated contact data",
    severity=Severity.LOW,
    doc_url=docs.PREPOPULATE,
    why="""Prepopulated mobile phone or alternate email lets a user reset without registering, but nobody
      verified that the number or address still reaches them.""",
    fix="""Ask the user to confirm their methods at https://aka.ms/mysecurityinfo, or enforce registration
      (Password reset > Registration > Require users to register when signing in).""",
)
def prepopulated_only(a: Assessment, ctx) -> Iterator[Hit]:
    if a.status == Readiness.READY_UNVERIFIED:
        fields = ", ".join(m.field for m in a.usable if m.source == MethodSource.PREPOPULATED)
        yield Hit(
            f"Meets the requirement only by counting prepopulated contact data nobody verified ({fields}).",
            field="methods",
            value=_methods_text(a),
        )


@rule(
    "SSPR003",
    title="Fewer usable methods than the policy requires",
    severity=Severity.HIGH,
    doc_url=docs.HOW_IT_WORKS,
    why="""When the policy requires two methods, a user with one cannot complete a reset.""",
    fix="""Ask the user to register a further method at https://aka.ms/mysecurityinfo (Authenticator app,
      mobile phone or an external email).""",
)
def too_few_methods(a: Assessment, ctx) -> Iterator[Hit]:
    counted = a.counted
    sq_alone = counted == {sspr_methods.SECURITY_QUESTIONS} and a.required == 1
    if a.status == Readiness.NOT_READY and not a.is_admin and counted and not sq_alone and len(counted) < a.required:
        yield Hit(
            f"Has {len(counted)} usable method(s) ({_methods_text(a)}); the policy requires {a.required}.",
            field="methods",
            value=_methods_text(a),
        )


@rule(
    "SSPR006",
    title="Security questions are the only method",
    severity=Severity.HIGH,
    doc_url=docs.HOW_IT_WORKS,
    why="""Security questions are the weakest SSPR method (answers are often guessable or public) and never
      suffice alone when one method is required.""",
    fix="""Ask the user to register a phone, the Authenticator app or an external email at
      https://aka.ms/mysecurityinfo.""",
)
def security_questions_only(a: Assessment, ctx) -> Iterator[Hit]:
    if a.in_scope and a.methods_known and not a.is_admin and a.counted == {sspr_methods.SECURITY_QUESTIONS}:
        yield Hit("Security questions are the only usable method.", field="methods", value="security_questions")


@rule(
    "SSPR007",
    title="Methods could not be read; readiness unknown",
    severity=Severity.MEDIUM,
    doc_url=docs.REGISTRATION_REPORT,
    why="""A user whose methods could not be read may or may not be able to reset; reporting them as having
      no methods would send the helpdesk after the wrong people.""",
    fix="""Collect again (sspr-audit collect --resume retries only what is missing), and check the permissions
      named in the report's data-source section.""",
)
def methods_unknown(a: Assessment, ctx) -> Iterator[Hit]:
    if a.status == Readiness.UNKNOWN:
        yield Hit(a.reason, field="collection", value=a.user.collection.state.value)


@rule(
    "SSPR008",
    title="Authentication method of a type this version does not recognise",
    severity=Severity.INFO,
    doc_url=docs.EMAIL_METHOD,
    why="""Graph returned a method type newer than this version of sspr-audit knows. It is kept in the snapshot
      and not counted for SSPR, so a user who relies on it may look less ready than they are.""",
    fix="""Check what the method is in the Entra admin center (the user's Authentication methods page) and
      upgrade sspr-audit.""",
)
def unrecognised_method(a: Assessment, ctx) -> Iterator[Hit]:
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
