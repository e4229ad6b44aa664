"""Rules on alternate and authentication email addresses (EML001-002)."""

from __future__ import annotations

from collections.abc import Iterator

from sspr_audit.audit.readiness import Assessment
from sspr_audit.audit.results import Severity
from sspr_audit.audit.rules import docs
from sspr_audit.audit.rules.registry import Hit, rule


@rule(
    "EML001",
    title="Reset email in the organisation's own domain",
    severity=Severity.MEDIUM,
    doc_url=docs.EMAIL_METHOD,
    why="""A user locked out of their account cannot read a mailbox in the organisation's own domain, so a
      reset code sent there is of no use.""",
    fix="""Use a personal address outside the organisation as alternate or authentication email.""",
)
def organisation_email(a: Assessment, ctx) -> Iterator[Hit]:
    if not a.in_scope:
        return
    for check in a.emails:
        if check.well_formed and check.organisation_domain:
            domain = check.address.rpartition("@")[2]
            yield Hit(
                f"{check.field} {check.address} is in the organisation's own domain ({domain}); it is"
                " unreachable when the user is locked out.",
                field=check.field,
                value=check.address,
            )


@rule(
    "EML002",
    title="Malformed email address",
    severity=Severity.MEDIUM,
    doc_url=docs.EMAIL_METHOD,
    why="""A malformed alternate or authentication email cannot receive the reset code.""",
    fix="""Correct the address (one @, a domain with a dot, no spaces or doubled dots).""",
)
def malformed_email(a: Assessment, ctx) -> Iterator[Hit]:
    if not a.in_scope:
        return
    for check in a.emails:
        if not check.well_formed:
            yield Hit(
                f"{check.field} {check.address!r} is not a valid email address.", field=check.field, value=check.address
            )
