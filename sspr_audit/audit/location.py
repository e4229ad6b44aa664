"""Where on a user a number or an address was found, as data; its label is derived, never parsed back.

A directory property (``mobilePhone``, ``businessPhones[1]``, ``otherMails[0]``)
or a registered authentication method (``authentication phone (office)``,
``authentication email``). Remediation, advice and redaction ask the location,
so the wording of a label can change without breaking them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

MOBILE_PHONE = "mobilePhone"
BUSINESS_PHONES = "businessPhones"
OTHER_MAILS = "otherMails"
_LISTS = frozenset({BUSINESS_PHONES, OTHER_MAILS})
PHONE_PROPERTIES = frozenset({MOBILE_PHONE, BUSINESS_PHONES})


@dataclass(frozen=True, slots=True)
class Location:
    """A directory property (with its index in a list) or a registered method (with its phone type)."""

    user_property: str | None = None  # mobilePhone, businessPhones, otherMails
    index: int | None = None  # position in businessPhones or otherMails
    method: str | None = None  # the registered method's type: "phone", "email"
    phone_type: str | None = None  # phone methods: mobile, alternateMobile, office

    @classmethod
    def directory(cls, name: str, index: int | None = None) -> Location:
        return _shared(cls(user_property=name, index=index if name in _LISTS else None))

    @classmethod
    def registered(cls, method: str, phone_type: str | None = None) -> Location:
        return _shared(cls(method=method, phone_type=phone_type))

    @property
    def is_directory(self) -> bool:
        """Directory contact data rather than a registered method."""
        return self.user_property is not None

    @property
    def holds_phone(self) -> bool:
        return self.user_property in PHONE_PROPERTIES or self.method == "phone"

    @property
    def holds_email(self) -> bool:
        return self.user_property == OTHER_MAILS or self.method == "email"

    @property
    def label(self) -> str:
        """How every output names it: ``businessPhones[0]``, ``authentication phone (mobile)``."""
        return _label(self)


# A million users hold a few dozen distinct locations: each is built, and labelled, once.
@lru_cache(maxsize=4096)
def _shared(location: Location) -> Location:
    return location


@lru_cache(maxsize=4096)
def _label(location: Location) -> str:
    if location.user_property is not None:
        i = location.index
        return location.user_property if i is None else f"{location.user_property}[{i}]"
    if location.method == "phone":
        return f"authentication phone ({location.phone_type or 'unknown'})"
    return f"authentication {location.method}"
