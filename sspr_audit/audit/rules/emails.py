"""Rules on alternate and authentication email addresses (EML001-002)."""

from __future__ import annotations

from collections.abc import Iterator

from sspr_audit.audit.readiness import Assessment
from sspr_audit.audit.results import MethodSource, Severity
from sspr_audit.audit.rules import docs
from sspr_audit.audit.rules.registry import MY_SECURITY_INFO, AuditContext, Hit, rule


@rule(
    "EML001",
    title="Reset email in the organisation's own domain",
    severity=Severity.MEDIUM,
    doc_url=docs.EMAIL_METHOD,
    advice=f"Add a personal email address (not your work address) at {MY_SECURITY_INFO}.",
    why="""A user locked out of their account cannot read a mailbox in the organisation's own domain, so a
      reset code sent there is of no use. An otherMails address in that domain is also what the user sees
      pre-filled when registering.""",
    fix="""Use a personal address outside the organisation as alternate or authentication email.""",
)
def organisation_email(a: Assessment, ctx: AuditContext) -> Iterator[Hit]:
    if not a.in_scope:
        return
    for check in a.emails:
        if check.well_formed and check.organisation_domain:
            domain = check.address.rpartition("@")[2]
            own = check.source == MethodSource.REGISTERED
            use = "a reset code sent there" if own else "pre-filled when the user registers, it"
            yield Hit(
                f"{check.field} {check.address} is in the organisation's own domain ({domain}); {use} is"
                " unreachable when the user is locked out.",
                field=check.field,
                location=check.location,
                value=check.address,
            )


@rule(
    "EML002",
    title="Malformed email address",
    severity=Severity.MEDIUM,
    doc_url=docs.EMAIL_METHOD,
    advice="Ask IT to correct your alternate email address.",
    why="""A malformed authentication email cannot receive the reset code; a malformed otherMails address is
      what the user sees pre-filled when registering, and registering it fails.""",
    fix="""Correct the address (one @, a domain with a dot, no spaces or doubled dots).""",
)
def malformed_email(a: Assessment, ctx: AuditContext) -> Iterator[Hit]:
    if not a.in_scope:
        return
    for check in a.emails:
        if not check.well_formed:
            own = check.source == MethodSource.REGISTERED
            yield Hit(
                f"{check.field} {check.address!r} is not a valid email address.",
                field=check.field,
                location=check.location,
                value=check.address,
                advice=f"Correct your email address at {MY_SECURITY_INFO}." if own else None,
            )
