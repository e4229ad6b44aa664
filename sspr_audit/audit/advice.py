"""What the person behind a finding should do, in one plain sentence.

Managers forward their spreadsheet to their people, so this text speaks to the
user, not to an administrator: where to register a method, or that IT must
change a field the user cannot edit. A synced user's contact fields live in
the on-premises directory and a cloud edit would be overwritten, so their
wording differs from a cloud-only user's. Every rule in the registry has an
entry here (a test enforces it).
"""

from __future__ import annotations

from collections.abc import Callable

from sspr_audit.audit.results import Finding, UserResult

SECURITY_INFO = "https://aka.ms/mysecurityinfo"
FALLBACK = "Ask IT what to change: the message explains the problem."

_CONTACT_FIELDS = {"mobilePhone": "mobile number", "businessPhones": "office number"}
_AUTH_PHONE = "authentication phone"
_ON_PREMISES = " (it is managed in the on-premises directory)"


def what_to_do(finding: Finding, user: UserResult | None) -> str:
    """One sentence telling the user (or, for tenant findings, IT) what to do about ``finding``."""
    advise = _ADVICE.get(finding.rule)
    return advise(finding, user) if advise else FALLBACK


def advised_rules() -> frozenset[str]:
    """The rule ids with their own advice."""
    return frozenset(_ADVICE)


def _register_method(f: Finding, u: UserResult | None) -> str:
    return f"Register a mobile phone or the Microsoft Authenticator app at {SECURITY_INFO}."


def _register_another(f: Finding, u: UserResult | None) -> str:
    return f"Register one more method (a mobile phone or the Microsoft Authenticator app) at {SECURITY_INFO}."


def _confirm(f: Finding, u: UserResult | None) -> str:
    return f"Confirm your phone number and email at {SECURITY_INFO}."


def _admin_two_methods(f: Finding, u: UserResult | None) -> str:
    return (
        f"As an administrator you need two methods: register two of the Microsoft Authenticator app, a mobile"
        f" phone, an office phone and a personal email at {SECURITY_INFO} (security questions do not count)."
    )


def _admin_questions(f: Finding, u: UserResult | None) -> str:
    return (
        f"Security questions do not work for administrator accounts: make sure two other methods are"
        f" registered at {SECURITY_INFO}."
    )


def _questions_only(f: Finding, u: UserResult | None) -> str:
    return (
        f"Register a mobile phone or the Microsoft Authenticator app at {SECURITY_INFO}: security questions"
        " alone are not enough."
    )


def _unknown(f: Finding, u: UserResult | None) -> str:
    return "Nothing to do: IT could not read your sign-in methods and will check again."


def _tenant(f: Finding, u: UserResult | None) -> str:
    return "Nothing for users to do: IT must turn on password writeback so that resets reach the on-premises directory."


def _phone(registered: str, contact: str, with_suggestion: bool = True) -> Callable[[Finding, UserResult | None], str]:
    """Advice for a phone finding: ``registered`` for an authentication phone, ``contact`` for a contact field.

    ``registered`` is a template with ``{url}``, ``contact`` one with
    ``{number}`` (mobile/office number). The suggested correction is offered
    to cloud users only: a synced user's field is corrected by IT in the
    on-premises directory.
    """

    def advise(f: Finding, u: UserResult | None) -> str:
        field = f.field or ""
        if field.startswith(_AUTH_PHONE):
            form = f" (the right form is {f.suggestion})" if with_suggestion and f.suggestion else ""
            return f"{registered.format(url=SECURITY_INFO)}{form}."
        number = next((name for prefix, name in _CONTACT_FIELDS.items() if field.startswith(prefix)), "phone number")
        text = contact.format(number=number)
        if u is not None and u.user.on_premises_sync_enabled:
            return f"{text}{_ON_PREMISES}."
        if with_suggestion and f.suggestion:
            return f"{text} to {f.suggestion}."
        return f"{text}."

    return advise


def _personal_email(f: Finding, u: UserResult | None) -> str:
    return f"Add a personal email address (not your work address) at {SECURITY_INFO}."


def _malformed_email(f: Finding, u: UserResult | None) -> str:
    if (f.field or "").startswith("authentication email"):
        return f"Correct your email address at {SECURITY_INFO}."
    return "Ask IT to correct your alternate email address."


_ADVICE: dict[str, Callable[[Finding, UserResult | None], str]] = {
    "SSPR001": _register_method,
    "SSPR002": _confirm,
    "SSPR003": _register_another,
    "SSPR004": _admin_two_methods,
    "SSPR005": _admin_questions,
    "SSPR006": _questions_only,
    "SSPR007": _unknown,
    "PHN001": _phone("Update your phone number at {url}", "Ask IT to correct your {number}"),
    "PHN002": _phone(
        "Replace your phone number with a direct number without an extension at {url}",
        "Ask IT to replace your {number} with a direct number without an extension",
    ),
    "PHN003": _phone(
        "Check your phone number and update it at {url}", "Ask IT to correct your {number}", with_suggestion=False
    ),
    "PHN004": _phone(
        "Register your mobile number at {url} (the number registered is a landline, which cannot"
        " receive text messages)",
        "Ask IT to put your mobile number in place of the landline in your {number} field",
        with_suggestion=False,
    ),
    "PHN005": _phone(
        "Register a phone number that only you use at {url}",
        "Ask IT to give you your own {number}",
        with_suggestion=False,
    ),
    "EML001": _personal_email,
    "EML002": _malformed_email,
    "TEN001": _tenant,
    "SSPR008": lambda f, u: "Nothing to do now: IT will check a sign-in method this report does not recognise.",
    "TEN002": lambda f, u: "Nothing for users to do: IT must read the tenant with full rights to check phone numbers.",
}
