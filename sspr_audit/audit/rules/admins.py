"""Rules for administrators, who face SSPR's two-gate policy (SSPR004-005)."""

from __future__ import annotations

from collections.abc import Iterator

from sspr_audit.audit.readiness import Assessment
from sspr_audit.audit.results import Readiness, Severity
from sspr_audit.audit.rules import docs
from sspr_audit.audit.rules.registry import MY_SECURITY_INFO, AuditContext, Hit, rule


def _who(a: Assessment) -> str:
    roles = ", ".join(a.admin_roles)
    return f"{roles} (PIM-eligible)" if a.admin_eligible_only else roles


@rule(
    "SSPR004",
    title="Administrator without two usable methods",
    severity=Severity.CRITICAL,
    doc_url=docs.ADMIN_POLICY,
    advice=f"As an administrator you need two methods: register two of the Microsoft Authenticator app, a"
    f" personal email and an OATH token at {MY_SECURITY_INFO} (security questions do not count, and phones only"
    " until SMS and voice end in 2027).",
    why="""Administrators face the two-gate policy whatever the tenant sets: two methods, never security
      questions. An administrator locked out of their account may be the one person able to fix an incident;
      PIM-eligible administrators fall under it as soon as they activate.""",
    fix="""Have the administrator register two of: Authenticator app, external email, a software or hardware
      OATH token at https://aka.ms/mysecurityinfo. Security questions do not count; phones count only until
      Microsoft-provided SMS and voice end (1 February 2027, 1 July 2027 for Global Administrators) unless the
      tenant has a telephony provider.""",
)
def admin_two_gate(a: Assessment, ctx: AuditContext) -> Iterator[Hit]:
    if a.is_admin and a.status == Readiness.NOT_READY:
        counted = ", ".join(sorted(a.counted)) or "none"
        yield Hit(f"Administrator ({_who(a)}): {a.reason}", field="methods", value=counted)


@rule(
    "SSPR005",
    title="Administrator has security questions registered",
    severity=Severity.MEDIUM,
    doc_url=docs.ADMIN_POLICY,
    advice=f"Security questions do not work for administrator accounts: make sure two other methods are"
    f" registered at {MY_SECURITY_INFO}.",
    why="""Security questions never count for administrators; an administrator who relies on them believes
      they can reset when they cannot.""",
    fix="""Tell the administrator that security questions do not work for their account and make sure two
      other methods are registered.""",
)
def admin_security_questions(a: Assessment, ctx: AuditContext) -> Iterator[Hit]:
    if a.is_admin and a.in_scope and a.security_questions_registered:
        yield Hit(
            f"Administrator ({_who(a)}) has security questions registered; they never count for administrators.",
            field="methodsRegistered",
            value="securityQuestion",
        )
