"""Alternate and authentication email addresses: well formed, and outside the organisation."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sspr_audit.audit.location import OTHER_MAILS, Location
from sspr_audit.audit.results import MethodSource
from sspr_audit.snapshot.models import User

_EMAIL = re.compile(
    r"^(?!\.)(?!.*\.\.)[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}(?<!\.)@"
    r"(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)


@dataclass(frozen=True, slots=True)
class EmailCheck:
    """One alternate or authentication email address found on a user."""

    location: Location
    address: str
    well_formed: bool
    organisation_domain: bool  # in one of the organisation's own domains

    @property
    def field(self) -> str:
        """``otherMails[0]`` or ``authentication email``."""
        return self.location.label

    @property
    def source(self) -> MethodSource:
        return MethodSource.PREPOPULATED if self.location.is_directory else MethodSource.REGISTERED


def email_well_formed(address: str) -> bool:
    """A pragmatic RFC 5321 shape check: one @, sane local part, dotted domain."""
    return bool(_EMAIL.match(address))


def email_checks(user: User, org_domains: tuple[str, ...]) -> tuple[EmailCheck, ...]:
    """Every address on ``user``: ``otherMails`` first, then the authentication email."""

    def check(location: Location, address: str) -> EmailCheck:
        text = address.strip()
        domain = text.rpartition("@")[2].lower()
        org = any(domain == d or domain.endswith("." + d) for d in org_domains)
        return EmailCheck(location, address, email_well_formed(text), org)

    checks = [check(Location.directory(OTHER_MAILS, i), a) for i, a in enumerate(user.other_mails)]
    checks += [
        check(Location.registered("email"), m.email_address)
        for m in user.methods or ()
        if m.type == "email" and m.email_address is not None
    ]
    return tuple(checks)
