"""Authentication methods for demo users, shaped as Graph returns them.

A method kind from :mod:`sspr_audit.demo.scenarios` becomes an
:class:`~sspr_audit.snapshot.models.AuthMethod` with Graph's ``@odata.type`` and, for
phone, email and password methods, Graph's fixed method ids; the same kinds
give the registration report's ``methodsRegistered`` names, so the two views
of a user always agree.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from functools import cache

from sspr_audit.audit.sspr_methods import (
    PHONE_METHOD_IDS,
    REGISTRATION_METHODS,
    SECURITY_QUESTIONS,
    method_type_from_odata,
)
from sspr_audit.demo.data import AUTHENTICATOR_DEVICES, FIDO2_KEYS, Country
from sspr_audit.demo.phones import Number, render
from sspr_audit.demo.scenarios import (
    ALT_MOBILE,
    APP,
    EMAIL,
    FIDO2,
    FUTURE,
    MOBILE,
    OATH,
    OFFICE,
    TAP,
    WHFB,
    Spec,
)
from sspr_audit.snapshot.models import AuthMethod

# Graph gives every user's password and email methods these same ids.
PASSWORD_METHOD_ID = "28c10230-6103-485e-b985-444c60001490"
EMAIL_METHOD_ID = "3ddfcfc8-9383-446f-83cc-3ab9be4be18f"

_ODATA = {
    "password": "#microsoft.graph.passwordAuthenticationMethod",
    APP: "#microsoft.graph.microsoftAuthenticatorAuthenticationMethod",
    OATH: "#microsoft.graph.softwareOathAuthenticationMethod",
    MOBILE: "#microsoft.graph.phoneAuthenticationMethod",
    ALT_MOBILE: "#microsoft.graph.phoneAuthenticationMethod",
    OFFICE: "#microsoft.graph.phoneAuthenticationMethod",
    EMAIL: "#microsoft.graph.emailAuthenticationMethod",
    FIDO2: "#microsoft.graph.fido2AuthenticationMethod",
    WHFB: "#microsoft.graph.windowsHelloForBusinessAuthenticationMethod",
    TAP: "#microsoft.graph.temporaryAccessPassAuthenticationMethod",
    FUTURE: "#microsoft.graph.passkeyDeviceBoundAuthenticationMethod",
}
_TYPE = {kind: method_type_from_odata(odata) for kind, odata in _ODATA.items()}

# Method kind -> the registration report's methodsRegistered name, in the order rows list them.
REPORT_NAMES = {
    MOBILE: "mobilePhone",
    ALT_MOBILE: "alternateMobilePhone",
    OFFICE: "officePhone",
    EMAIL: "email",
    APP: "microsoftAuthenticatorPush",
    OATH: "softwareOneTimePasscode",
    FIDO2: "fido2",
    WHFB: "windowsHelloForBusiness",
    TAP: "temporaryAccessPass",
}
SECURITY_QUESTION = "securityQuestion"
REQUIRED_METHODS = 2  # the demo tenant's SSPR setting, behind the report's isSsprRegistered
_MFA_KINDS = frozenset({APP, OATH, MOBILE, ALT_MOBILE, OFFICE, FIDO2, WHFB})  # email and TAP are not MFA methods

PASSWORD = AuthMethod(id=PASSWORD_METHOD_ID, type=_TYPE["password"], odata_type=_ODATA["password"])

Take = Callable[[Country, str], Number]


@cache
def registration_flags(methods: tuple[str, ...], questions: bool, is_admin: bool) -> tuple[tuple[str, ...], bool, bool]:
    """methodsRegistered, isSsprRegistered (security questions never count for administrators), isMfaRegistered."""
    names = tuple(name for kind, name in REPORT_NAMES.items() if kind in methods)
    if questions:
        names = (*names, SECURITY_QUESTION)
    sspr = {REGISTRATION_METHODS[n] for n in names if n in REGISTRATION_METHODS}
    if is_admin:
        sspr.discard(SECURITY_QUESTIONS)
    return names, len(sspr) >= REQUIRED_METHODS, bool(set(methods) & _MFA_KINDS)


class MethodMaker:
    """Builds a user's methods; draws device names, ids and numbers from the tenant's rng."""

    def __init__(self, rng: random.Random):
        self._rng = rng

    def make(
        self,
        spec: Spec,
        country: Country,
        mobile: Number | None,
        office: Number | None,
        email_address: str | None,
        take: Take,
    ) -> tuple[AuthMethod, ...]:
        """The password plus one method per kind in ``spec.methods``.

        ``mobile``/``office`` are the numbers already in the user's contact fields (a user who
        verifies their mobile number has the same number in both places); ``take`` draws a new one.
        """
        rng = self._rng
        made = [PASSWORD]
        for kind in spec.methods:
            odata, kind_type = _ODATA[kind], _TYPE[kind]
            if kind == APP:
                made.append(AuthMethod(guid(rng), kind_type, odata, display_name=pick(rng, AUTHENTICATOR_DEVICES)))
            elif kind == MOBILE:
                number = mobile or take(country, "mobile")
                extension = str(rng.randint(100, 999)) if spec.method_phone_style == "graph_ext" else ""
                made.append(
                    AuthMethod(
                        PHONE_METHOD_IDS["mobile"],
                        kind_type,
                        odata,
                        phone_number=render(number, spec.method_phone_style, extension),
                        phone_type="mobile",
                    )
                )
            elif kind == ALT_MOBILE:
                number = take(country, "mobile")
                made.append(
                    AuthMethod(
                        PHONE_METHOD_IDS["alternateMobile"],
                        kind_type,
                        odata,
                        phone_number=render(number, "sspr"),
                        phone_type="alternateMobile",
                    )
                )
            elif kind == OFFICE:
                number = office or take(country, "fixed")
                made.append(
                    AuthMethod(
                        PHONE_METHOD_IDS["office"],
                        kind_type,
                        odata,
                        phone_number=render(number, "sspr"),
                        phone_type="office",
                    )
                )
            elif kind == EMAIL:
                made.append(AuthMethod(EMAIL_METHOD_ID, kind_type, odata, email_address=email_address))
            elif kind == FIDO2:
                made.append(AuthMethod(guid(rng), kind_type, odata, display_name=pick(rng, FIDO2_KEYS)))
            elif kind == WHFB:
                made.append(AuthMethod(guid(rng), kind_type, odata, display_name=f"CDM-LT-{rng.randrange(10**5):05d}"))
            else:  # OATH, TAP, FUTURE: no name
                made.append(AuthMethod(guid(rng), kind_type, odata))
        return tuple(made)


def guid(rng: random.Random) -> str:
    """A version-4 GUID drawn from ``rng``."""
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"


_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}  # RFC 4122 variant bits


def pick(rng: random.Random, items: tuple | list):
    """One of ``items``; cheaper than ``rng.choice``, which matters at a million users."""
    return items[int(rng.random() * len(items))]
