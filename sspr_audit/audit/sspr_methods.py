"""The SSPR method vocabulary and how Graph data maps onto it.

The portal lists the Authenticator app twice (notification and code) but a
user cannot present both as two methods, so the audit counts the app once, as
``mobile_app``. A third-party software OATH app and a hardware OATH token are
methods of their own, each governed by its own configuration of the
authentication methods policy (concept-authentication-methods-manage).
"""

from __future__ import annotations

MOBILE_APP = "mobile_app"
SOFTWARE_OATH = "software_oath"
HARDWARE_OATH = "hardware_oath"
MOBILE_PHONE = "mobile_phone"
OFFICE_PHONE = "office_phone"
EMAIL = "email"
SECURITY_QUESTIONS = "security_questions"

SSPR_METHODS: tuple[str, ...] = (
    MOBILE_APP,
    SOFTWARE_OATH,
    HARDWARE_OATH,
    MOBILE_PHONE,
    OFFICE_PHONE,
    EMAIL,
    SECURITY_QUESTIONS,
)

METHOD_LABELS = {
    MOBILE_APP: "Mobile app (Microsoft Authenticator notification or code)",
    SOFTWARE_OATH: "Software OATH token (a third-party authenticator app's code)",
    HARDWARE_OATH: "Hardware OATH token",
    MOBILE_PHONE: "Mobile phone (SMS or voice call)",
    OFFICE_PHONE: "Office phone (voice call)",
    EMAIL: "Email",
    SECURITY_QUESTIONS: "Security questions",
}

SHORT_LABELS = {
    MOBILE_APP: "Authenticator app",
    SOFTWARE_OATH: "software OATH token",
    HARDWARE_OATH: "hardware OATH token",
    MOBILE_PHONE: "mobile phone",
    OFFICE_PHONE: "office phone",
    EMAIL: "email",
    SECURITY_QUESTIONS: "security questions",
}

# Methods SSPR offers when the tenant's setting cannot be read: the set
# Microsoft's SSPR tutorial enables (app notification/code with OATH codes, email, mobile phone).
DEFAULT_ENABLED: tuple[str, ...] = (MOBILE_APP, SOFTWARE_OATH, HARDWARE_OATH, MOBILE_PHONE, EMAIL)

# Fixed ids of phone methods per phone type (Graph reference, phoneAuthenticationMethod).
PHONE_METHOD_IDS = {
    "mobile": "3179e48a-750b-4051-897c-87b9720928f7",
    "alternateMobile": "b6332ec1-7057-4abe-9331-3d72feddfe41",
    "office": "e37fc753-ff3b-4958-9484-eaa9425c82bc",
}

# Graph @odata.type short names (without "#microsoft.graph." and
# "AuthenticationMethod") that give an SSPR method regardless of detail.
APP_METHODS = {"microsoftAuthenticator": MOBILE_APP, "softwareOath": SOFTWARE_OATH, "hardwareOath": HARDWARE_OATH}
APP_METHOD_TYPES = frozenset(APP_METHODS)

# Registered authentication method types that exist but are not SSPR methods.
NON_SSPR_METHOD_TYPES = frozenset(
    {
        "password",
        "fido2",
        "windowsHelloForBusiness",
        "temporaryAccessPass",
        "platformCredential",
        "qrCodePin",
        "external",
        "passkey",
    }
)

KNOWN_METHOD_TYPES = APP_METHOD_TYPES | NON_SSPR_METHOD_TYPES | {"phone", "email"}

# How the registered methods SSPR does not accept are named to a reader.
NON_SSPR_LABELS = {
    "fido2": "FIDO2 security key or passkey",
    "passkey": "passkey",
    "windowsHelloForBusiness": "Windows Hello for Business",
    "temporaryAccessPass": "Temporary Access Pass",
    "platformCredential": "platform credential (macOS)",
    "qrCodePin": "QR code and PIN",
    "external": "external authentication method",
}

# userRegistrationDetails.methodsRegistered values -> SSPR method.
REGISTRATION_METHODS = {
    "mobilePhone": MOBILE_PHONE,
    "officePhone": OFFICE_PHONE,
    "email": EMAIL,
    "microsoftAuthenticatorPush": MOBILE_APP,
    "softwareOneTimePasscode": SOFTWARE_OATH,  # the same app as the push when both are listed: see readiness
    "hardwareOneTimePasscode": HARDWARE_OATH,
    "securityQuestion": SECURITY_QUESTIONS,
}


def method_type_from_odata(odata_type: str) -> str:
    """``#microsoft.graph.phoneAuthenticationMethod`` -> ``phone``; unknown -> ``unrecognised``."""
    name = odata_type.rsplit(".", 1)[-1]
    if name.endswith("AuthenticationMethod"):
        name = name[: -len("AuthenticationMethod")]
    return name if name in KNOWN_METHOD_TYPES else "unrecognised"


def enabled_from_method_configurations(configs: tuple) -> tuple[str, ...]:
    """SSPR methods the authentication methods policy turns on.

    ``configs`` are :class:`~sspr_audit.snapshot.models.MethodConfiguration`. Security
    questions are not part of that policy, so they are never returned here.
    """
    on = {c.id.lower(): c for c in configs if c.state == "enabled"}
    enabled = []
    for config, method in (
        ("microsoftauthenticator", MOBILE_APP),
        ("softwareoath", SOFTWARE_OATH),
        ("hardwareoath", HARDWARE_OATH),
    ):
        if config in on:
            enabled.append(method)
    if {"sms", "voice"} & on.keys():
        enabled.append(MOBILE_PHONE)
    voice = on.get("voice")
    if voice is not None and voice.office_phone_allowed:
        enabled.append(OFFICE_PHONE)
    if "email" in on:
        enabled.append(EMAIL)
    return tuple(m for m in SSPR_METHODS if m in enabled)
