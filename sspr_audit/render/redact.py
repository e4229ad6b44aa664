"""Mask phone numbers and email addresses in an audit result (``--redact``).

Reports that travel widely (to managers, into tickets) should not carry
everyone's private numbers. Redaction rewrites the :class:`AuditResult`, and
the changes since the last run shown beside it, before any renderer runs, so
every format is covered by the same code.

What is kept, and why:

* user principal names and display names are identifiers: a manager must know
  who a row is about. An email address equal to some user's UPN (a work
  address in ``otherMails``, say) is therefore left as it is: the UPN column
  shows it anyway;
* a phone number keeps its country code and its last digits
  (``+44 *******123``), an email address its first letter and its domain
  (``j***@example.org``): enough to recognise it, not enough to use it.

Messages and suggestions embed values (``mobilePhone '+44 20 7946 0123' …``),
in the spelling the rule used: the raw value, its ``repr``, the E.164 form or
the SSPR-format correction. Every spelling of each of the user's values (and
of each finding's value, which for a resolved finding in the changes since the
last run may be a number the user no longer has) is replaced in every text
field, longest first; then any remaining E.164-shaped number or email-shaped
text (other than a UPN) is masked as a safety net. The result is
deterministic: the same input gives the same masks.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from typing import TYPE_CHECKING, TypeVar

from sspr_audit.audit import phones
from sspr_audit.audit.location import Location
from sspr_audit.audit.readiness import user_region
from sspr_audit.audit.results import AuditResult, Finding, Person, UncountedMethod, UsableMethod
from sspr_audit.snapshot.models import SourceStatus

if TYPE_CHECKING:
    from sspr_audit.history.compare import RunChanges, StoredFinding

_AnyFinding = TypeVar("_AnyFinding", "Finding", "StoredFinding")
_Text = TypeVar("_Text", str, str | None)

MASK = "*"
# Evidence fields (Finding.field, UsableMethod.field) that hold a phone number or an email address.
PHONE_FIELDS = ("mobilePhone", "businessPhones", "authentication phone")
EMAIL_FIELDS = ("otherMails", "authentication email", "mail")
_MIN_TEXT_DIGITS = 5  # shorter digit strings would mask counts and ordinary numbers in messages
_MIN_TEXT_LENGTH = 5  # likewise for a malformed address such as "x"
_NOT_ASCII_DIGIT = re.compile(r"[^0-9]+")
_LOOSE_PHONE = re.compile(r"\+ ?[0-9]{1,3}[ -]?[0-9][0-9 -]{5,18}[0-9]")
_LOOSE_EMAIL = re.compile(r"[A-Za-z0-9!#$%&'+/=?^_`{|}~.-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,63}")


def mask_phone(value: str, region: str | None = None) -> str:
    """``+44 *******123``: the country code (when known) and the last 3 digits (2 for short numbers).

    ``region`` reads a national number (``020 7946 0123``) for its country code.
    """
    analysis = phones.analyze(value, region)
    if analysis.e164 and analysis.country_code is not None:
        code = str(analysis.country_code)
        prefix, national = f"+{code} ", analysis.e164[1 + len(code) :]
    else:
        prefix, national = "", _digits(value)
    if not national:
        return MASK * 3 if value.strip() else value
    shown = 3 if len(national) >= 7 else 2 if len(national) >= 4 else 0
    hidden = max(len(national) - shown, 3)
    return f"{prefix}{MASK * hidden}{national[len(national) - shown :] if shown else ''}"


def mask_email(value: str) -> str:
    """``j***@example.org``: the first letter of the local part and the domain."""
    text = value.strip()
    local, at, domain = text.rpartition("@")
    if not at:
        return f"{text[:1]}{MASK * 3}" if text else value
    return f"{local[:1]}{MASK * 3}@{domain}"


def redact_result(result: AuditResult) -> AuditResult:
    """``result`` with every phone number and email address (other than UPNs) masked."""
    return redact(result, None)[0]


def redact(result: AuditResult, changes: RunChanges | None) -> tuple[AuditResult, RunChanges | None]:
    """``result`` and the ``changes`` since the last run, masked alike: one value gets one mask everywhere."""
    upns = frozenset(r.user.user_principal_name.casefold() for r in result.users)
    tables = {r.user.id: _Table(upns, user_region(r.user)) for r in result.users}
    # Every value a user's result or findings hold is learnt before any text is masked: a reason or a
    # message may name any of them.
    for r in result.users:
        for m in r.usable:
            tables[r.user.id].evidence(m.field, m.value, m.location)
        for n in r.uncounted:
            tables[r.user.id].evidence(n.field, n.value, n.location)
    for f in result.findings:
        if f.user_id in tables:
            tables[f.user_id].evidence(f.field, f.value, f.location)
    users = []
    for r in result.users:
        table = tables[r.user.id]
        users.append(
            replace(
                r,
                user=replace(
                    r.user, collection=replace(r.user.collection, reason=table.text(r.user.collection.reason))
                ),
                reason=table.text(r.reason),
                usable=tuple(_usable(m, table) for m in r.usable),
                uncounted=tuple(_uncounted(m, table) for m in r.uncounted),
                loses_sspr_because=table.text(r.loses_sspr_because),
            )
        )

    def masked(findings: tuple[_AnyFinding, ...]) -> tuple[_AnyFinding, ...]:
        return tuple(_finding(f, tables.get(f.user_id or "") or _Table(upns)) for f in findings)

    findings = masked(result.findings)  # first: their values are then masked alike in the changes
    tenant_table = _Table(upns)
    tenant = replace(result.tenant, sources=tuple(_source(s, tenant_table) for s in result.tenant.sources))
    if changes is not None:
        changes = replace(
            changes, new_findings=masked(changes.new_findings), resolved_findings=masked(changes.resolved_findings)
        )
    return replace(result, tenant=tenant, users=tuple(users), findings=findings), changes


class _Table:
    """One user's values: every spelling that may appear in text, mapped to its mask."""

    def __init__(self, upns: frozenset[str], region: str | None = None) -> None:
        self.upns = upns
        self.region = region
        self.masks: dict[str, str] = {}
        self._remembered: dict[str, str] = {}  # each value seen, to its mask
        self._ordered: list[tuple[str, str]] | None = None

    def evidence(self, field: str | None, value: str | None, location: Location | None = None) -> None:
        """Remember ``value`` when its location (or, for a run read back from the history, which keeps only the
        label, its field) says it is a phone number or an email address."""
        if not value:
            return
        if location is not None:
            phone, email = location.holds_phone, location.holds_email
        else:
            phone = bool(field and field.startswith(PHONE_FIELDS))
            email = bool(field and field.startswith(EMAIL_FIELDS))
        if phone:
            self.phone(value)
        elif email:
            self.email(value)

    def phone(self, value: str | None) -> str | None:
        """Remember a phone number and its spellings; returns its mask."""
        if value is None or not value.strip():
            return value
        if value in self._remembered:
            return self._remembered[value]
        masked = self._remembered[value] = mask_phone(value, self.region)
        analysis = phones.analyze(value, self.region)  # the engine's own call, so usually cached
        e164 = analysis.e164 or ""
        candidates = (value, value.strip(), repr(value)[1:-1], _digits(value), e164, e164[1:], analysis.suggestion)
        spellings = {spelling for spelling in candidates if spelling}
        for spelling in spellings:
            if len(_digits(spelling)) >= _MIN_TEXT_DIGITS:
                self.masks.setdefault(spelling, masked)
        self._ordered = None
        return masked

    def email(self, value: str | None) -> str | None:
        """Remember an email address and its spellings; returns its mask (a UPN is kept)."""
        if value is None or not value.strip() or value.strip().casefold() in self.upns:
            return value
        if value in self._remembered:
            return self._remembered[value]
        masked = self._remembered[value] = mask_email(value)
        for spelling in (value, value.strip(), repr(value)[1:-1]):
            if len(spelling.strip()) >= _MIN_TEXT_LENGTH:
                self.masks.setdefault(spelling, masked)
        self._ordered = None
        return masked

    def value(self, value: str | None) -> str | None:
        """A field holding one value: its mask when it is a known value, else the value as text."""
        if value is None:
            return None
        known = self.masks.get(value) or self.masks.get(value.strip())
        return known if known is not None else self.text(value)

    def text(self, value: _Text) -> _Text:
        """Free text with every known spelling, then anything number- or address-shaped, masked."""
        if not value:
            return value
        if self._ordered is None:
            self._ordered = sorted(self.masks.items(), key=lambda kv: (-len(kv[0]), kv[0]))
        for spelling, masked in self._ordered:
            if spelling in value:
                value = value.replace(spelling, masked)
        value = _LOOSE_PHONE.sub(lambda m: mask_phone(m.group()), value)
        return _LOOSE_EMAIL.sub(
            lambda m: m.group() if m.group().casefold() in self.upns else mask_email(m.group()), value
        )


def _person(p: Person, table: _Table) -> Person:
    return replace(p, collection=replace(p.collection, reason=table.text(p.collection.reason)))


def _usable(m: UsableMethod, table: _Table) -> UsableMethod:
    if m.value is None:
        return m
    table.evidence(m.field, m.value, m.location)
    return replace(m, value=table.value(m.value))


def _uncounted(m: UncountedMethod, table: _Table) -> UncountedMethod:
    if m.value is None:
        return m
    table.evidence(m.field, m.value, m.location)
    return replace(m, name=table.text(m.name), value=table.value(m.value), why=table.text(m.why))


def _finding(f: _AnyFinding, table: _Table) -> _AnyFinding:
    """A finding, or a finding as the run history stores it (no suggestion), with its values masked."""
    table.evidence(f.field, f.value, f.location if isinstance(f, Finding) else None)
    message, value = table.text(f.message), table.value(f.value)
    if isinstance(f, Finding):
        suggestion = table.value(f.suggestion)
        advice = table.text(f.advice) or ""
        if (message, value, suggestion, advice) == (f.message, f.value, f.suggestion, f.advice):
            return f  # most findings quote no number or address: spare the copy
        return replace(f, message=message, value=value, suggestion=suggestion, advice=advice)
    if (message, value) == (f.message, f.value):
        return f
    return replace(f, message=message, value=value)


def _source(s: SourceStatus, table: _Table) -> SourceStatus:
    return s if s.message is None else replace(s, message=table.text(s.message))


def _digits(value: str) -> str:
    """The digits of ``value`` as ASCII (other scripts' digits converted)."""
    if value.isascii():
        return _NOT_ASCII_DIGIT.sub("", value)
    return "".join(str(unicodedata.decimal(c)) for c in value if c.isdecimal())
