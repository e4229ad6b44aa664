"""Whether the authentication methods policy lets one user present one SSPR method, and why not.

:mod:`~sspr_audit.audit.method_policy` answers per method *configuration*
(``Sms``, ``Voice``, ``Email``, ``MicrosoftAuthenticator``, ...); this maps
those answers onto the SSPR methods a user has, to the letter of Microsoft's
pages:

* a mobile phone receives an SMS or a call: it counts when ``Sms`` or ``Voice``
  is available (concept-authentication-phone-options);
* an office phone receives only calls, and only with Voice's
  ``isOfficePhoneAllowed`` (authenticationMethodConfiguration);
* the email method is ``Email`` (Email OTP);
* an app counts through its own configuration: ``MicrosoftAuthenticator``,
  ``SoftwareOath`` (third-party apps), ``HardwareOath`` (not in Graph v1.0:
  assumed enabled, and said so). With one method required SSPR offers only the
  Authenticator's code, so the app then counts only when ``isSoftwareOathEnabled``
  allows its codes (concept-sspr-howitworks).
"""

from __future__ import annotations

from dataclasses import dataclass

from sspr_audit.audit import sspr_methods
from sspr_audit.audit.method_policy import Availability, MethodAvailability, UserMethods
from sspr_audit.audit.results import UsableMethod

_APP_CONFIGURATIONS = {
    sspr_methods.MOBILE_APP: "MicrosoftAuthenticator",
    sspr_methods.SOFTWARE_OATH: "SoftwareOath",
    sspr_methods.HARDWARE_OATH: "HardwareOath",
}


@dataclass(frozen=True, slots=True)
class Answer:
    """One SSPR method for one user: available, not available or unknown, and why."""

    availability: Availability
    reason: str
    assumed: str | None = None  # what had to be assumed for this answer, if anything


def answer(m: UsableMethod, methods: UserMethods, required: int) -> Answer:
    """What the authentication methods policy says of candidate ``m`` for this user (once per group combination)."""
    key = ("sspr", m.method, required)
    found = methods.memo.get(key)
    if not isinstance(found, Answer):
        found = methods.memo[key] = _answer(m, methods, required)
    return found


def _answer(m: UsableMethod, methods: UserMethods, required: int) -> Answer:
    if m.method == sspr_methods.MOBILE_PHONE:
        return _either(methods, ("Sms", "Voice"))
    if m.method == sspr_methods.OFFICE_PHONE:
        return _office(methods.get("Voice"))
    if m.method == sspr_methods.EMAIL:
        return _one(methods.get("Email"), "Email")
    if m.method in _APP_CONFIGURATIONS:
        return _app(m, methods, required)
    return Answer(Availability.AVAILABLE, "not governed by the authentication methods policy")


def _one(config: MethodAvailability | None, name: str) -> Answer:
    if config is None:
        return Answer(Availability.NOT_AVAILABLE, f"the authentication methods policy read has no {name} configuration")
    return Answer(config.availability, config.reason)


def _either(methods: UserMethods, names: tuple[str, ...]) -> Answer:
    answers = [_one(methods.get(n), n) for n in names]
    for wanted in (Availability.AVAILABLE, Availability.UNKNOWN):
        found = next((a for a in answers if a.availability == wanted), None)
        if found is not None:
            return found
    return Answer(Availability.NOT_AVAILABLE, "; ".join(a.reason for a in answers))


def _office(voice: MethodAvailability | None) -> Answer:
    if voice is None or voice.availability != Availability.AVAILABLE:
        return _one(voice, "Voice")
    if voice.office_phone_allowed:
        return Answer(Availability.AVAILABLE, voice.reason)
    return Answer(
        Availability.NOT_AVAILABLE, "Voice is enabled but isOfficePhoneAllowed is off: no calls to office phones"
    )


def _app(m: UsableMethod, methods: UserMethods, required: int) -> Answer:
    name = _APP_CONFIGURATIONS[m.method]
    config = methods.get(name)
    if config is None:
        return Answer(
            Availability.AVAILABLE,
            f"Graph v1.0 does not expose the {name} policy",
            f"{name} is assumed enabled: Graph v1.0 does not expose its policy",
        )
    if config.availability != Availability.AVAILABLE or name != "MicrosoftAuthenticator" or required != 1:
        return Answer(config.availability, config.reason)
    if config.software_oath_enabled is False:
        return Answer(
            Availability.NOT_AVAILABLE,
            "with one method required SSPR offers only the Authenticator's code, and the policy turns its codes off"
            " (isSoftwareOathEnabled)",
        )
    if config.software_oath_enabled is None:
        return Answer(
            Availability.AVAILABLE,
            config.reason,
            "the Authenticator's codes are assumed allowed (isSoftwareOathEnabled was not read)",
        )
    return Answer(Availability.AVAILABLE, config.reason)
