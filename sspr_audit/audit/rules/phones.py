"""Rules on phone numbers (PHN001-005): format and numbering-plan validity, kept apart."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from sspr_audit.audit import phones
from sspr_audit.audit.readiness import MOBILE_SLOT, Assessment
from sspr_audit.audit.results import Severity
from sspr_audit.audit.rules import docs
from sspr_audit.audit.rules.registry import Hit, rule

_NOT_FORMAT = frozenset({"extension", "unknown_country_code"})  # reported by PHN002 / PHN003
_LISTED_SHARERS = 5


@rule(
    "PHN001",
    title="Phone number not in SSPR format",
    severity=Severity.MEDIUM,
    doc_url=docs.PREPOPULATE,
    why="""SSPR reads numbers only as +CountryCode, one space, then the number (e.g. +1 4251234567). Other
      formats may be dialled wrongly or not offered at all.""",
    fix="""Correct the number to the suggested format: in on-premises AD (`mobile`, `telephoneNumber`) for
      synced users, otherwise with Update-MgUser or in the Entra admin center.""",
)
def not_sspr_format(a: Assessment, ctx) -> Iterator[Hit]:
    if not a.in_scope:
        return
    for check in a.phones:
        defects = [d for d in check.analysis.format_defects if d not in _NOT_FORMAT]
        if defects and not check.analysis.masked:
            text = " ".join(phones.describe_defect(d) for d in defects)
            note = f" {check.analysis.suggestion_note}" if check.analysis.suggestion_note else ""
            yield Hit(
                f"{check.field} is not in SSPR format: {text}{note}",
                field=check.field,
                value=check.analysis.raw,
                suggestion=check.analysis.suggestion,
            )


@rule(
    "PHN002",
    title="Phone number carries an extension",
    severity=Severity.MEDIUM,
    doc_url=docs.PREPOPULATE,
    why="""SSPR does not support extensions: it removes them and calls the main line, so the code never
      reaches the user.""",
    fix="""Store a direct number without extension, or have the user register a mobile phone or the
      Authenticator app.""",
)
def extension(a: Assessment, ctx) -> Iterator[Hit]:
    if not a.in_scope:
        return
    for check in a.phones:
        if check.analysis.extension and not check.analysis.masked:
            yield Hit(
                f"{check.field} carries extension {check.analysis.extension}; SSPR drops it and calls the main line.",
                field=check.field,
                value=check.analysis.raw,
                suggestion=check.analysis.suggestion,
            )


@rule(
    "PHN003",
    title="Phone number invalid for its numbering plan",
    severity=Severity.MEDIUM,
    doc_url=docs.PHONE_METHOD,
    why="""A number that its country's numbering plan does not allow (or with an unknown country code) cannot
      receive a call or SMS, even when correctly formatted.""",
    fix="""Ask the user for their real number and correct it; check for digits lost or swapped during
      imports.""",
)
def invalid_number(a: Assessment, ctx) -> Iterator[Hit]:
    if not a.in_scope:
        return
    for check in a.phones:
        validity = check.analysis.validity
        if validity in ("invalid", "impossible", "unknown_country_code") and not check.analysis.masked:
            yield Hit(
                f"{check.field} {check.analysis.raw!r}: {phones.describe_validity(validity)}",
                field=check.field,
                value=check.analysis.raw,
                suggestion=check.analysis.suggestion,
            )


@rule(
    "PHN004",
    title="Fixed-line number in a mobile slot",
    severity=Severity.LOW,
    doc_url=docs.PHONE_METHOD,
    why="""SSPR sends SMS codes to the mobile phone; a landline cannot receive them, only voice calls.""",
    fix="""Replace it with the user's mobile number, or move the landline to the office phone field.""",
)
def fixed_line_in_mobile(a: Assessment, ctx) -> Iterator[Hit]:
    if not a.in_scope:
        return
    for check in a.phones:
        if check.slot == MOBILE_SLOT and phones.fixed_line_in_mobile_slot(check.analysis):
            yield Hit(
                f"{check.field} {check.analysis.raw!r} is a fixed-line number ({check.analysis.region});"
                " SMS will not arrive.",
                field=check.field,
                value=check.analysis.raw,
            )


@rule(
    "PHN005",
    title="The same number is on several users",
    severity=Severity.MEDIUM,
    doc_url=docs.PREPOPULATE,
    scope="population",
    why="""A number shared by several users (a switchboard, a shared desk phone) sends their reset codes to
      someone else; on a mobile slot it can also mean an account takeover.""",
    fix="""Give each user a personal number; remove switchboard numbers from SSPR contact fields.""",
)
def shared_number(ctx) -> Iterator[Hit]:
    holders: dict[str, list[tuple[Assessment, str, str]]] = defaultdict(list)
    for a in ctx.assessments:
        if not a.in_scope:
            continue
        seen = set()
        for check in a.phones:
            key = phones.normalized_key(check.analysis)
            if key and key not in seen:
                seen.add(key)
                holders[key].append((a, check.field, check.analysis.raw))
    for key in sorted(holders):
        group = holders[key]
        if len(group) < 2:
            continue
        for a, field, raw in group:
            others = [o.user.user_principal_name for o, _, _ in group if o is not a]
            listed = ", ".join(others[:_LISTED_SHARERS])
            more = f" and {len(others) - _LISTED_SHARERS} more" if len(others) > _LISTED_SHARERS else ""
            yield Hit(
                f"{field} {key} is also on {len(others)} other user(s): {listed}{more}.",
                user_index=a.index,
                field=field,
                value=raw,
            )
