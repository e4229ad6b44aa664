"""The demo tenant's special cases: one named scenario per problem the audit finds.

The generator gives these, in this order, to the users right after the CEO,
so even a 10-user tenant shows the first ones. The rule each scenario is
meant to trigger is named in its one-line summary, for the demo policy (two
methods required; app, mobile phone, office phone, email and security
questions enabled; "All Staff SSPR" in scope; ``breakglass*`` excluded).
"""

from __future__ import annotations

from dataclasses import dataclass

# Method kinds a spec can register (the password is always there).
APP, OATH, MOBILE, ALT_MOBILE, OFFICE, EMAIL, FIDO2, WHFB, TAP = (
    "app",
    "oath",
    "mobile",
    "alt_mobile",
    "office",
    "email",
    "fido2",
    "whfb",
    "tap",
)
FUTURE = "future"  # a method type newer than this version of sspr-audit knows


@dataclass(frozen=True)
class Phone:
    """A contact number: drawn from ``source`` and written in ``style`` (see :data:`sspr_audit.demo.phones.STYLES`).

    ``source``: "mobile" / "fixed" (a fresh number of the user's country), "switchboard" (the
    head office line), "shared" (the one mobile two users share), "drama" (Ofcom's 07700 900 range).
    """

    source: str
    style: str = "sspr"


@dataclass(frozen=True)
class Spec:
    """What one user has and holds; the bulk and the scenarios are both written as specs.

    Phones and emails are a :class:`Phone`, a literal string, or None (absent). Email
    kinds: "personal" (an address at an example domain), "own" (in the organisation's domain).
    """

    methods: tuple[str, ...] = ()
    questions: bool = False  # security questions registered (seen only in the registration report)
    mobile_phone: Phone | str | None = None
    business_phone: Phone | str | None = None
    other_mail: str | None = None
    email_method: str = "personal"  # the address of the EMAIL method, when registered
    method_phone_style: str = "sspr"  # how Graph returns the authentication mobile number
    roles: tuple[tuple[str, str, str | None], ...] = ()  # (role name, "active"/"eligible", via group)
    country: str | None = None  # pin the user's country (the literal numbers belong to it)
    department: str | None = None
    failure: str | None = None  # the per-user methods call fails with this reason
    enabled: bool = True
    guest: bool = False
    in_scope: bool = True  # member of the "All Staff SSPR" group
    break_glass: str | None = None  # the UPN's local part of an emergency-access account
    mailbox: str = "user"  # mailboxSettings userPurpose: user, shared, room, equipment; "none" for no mailbox
    licensed: bool = True  # holds the tenant's Microsoft 365 E3 licence
    idle_days: int = 0  # last sign-in this many days before the collection (0: within the last ten days)
    never_signed_in: bool = False


@dataclass(frozen=True)
class Scenario:
    name: str
    summary: str
    spec: Spec


_GA = "Global Administrator"
_FAILED_503 = "authentication methods could not be read: 503 ServiceUnavailable after 5 attempts"
_FAILED_504 = "authentication methods could not be read: 504 GatewayTimeout after 5 attempts"
_PHONE_OK = Phone("mobile")

SCENARIOS: tuple[Scenario, ...] = (
    Scenario("no_usable_method", "SSPR001: password and FIDO2 key only, no contact data", Spec(methods=(FIDO2,))),
    Scenario(
        "prepopulated_only",
        "SSPR009 (SSPR002 before 5 October 2026): nothing registered; mobilePhone and otherMails in the directory",
        Spec(mobile_phone=_PHONE_OK, other_mail="personal"),
    ),
    Scenario(
        "authenticator_only",
        "SSPR003: Microsoft Authenticator only, one method of the two required",
        Spec(methods=(APP,)),
    ),
    Scenario(
        "global_admin_app_only",
        "SSPR004: active Global Administrator with Authenticator only",
        Spec(methods=(APP,), roles=((_GA, "active", None),), department="IT"),
    ),
    Scenario(
        "eligible_admin_phone_questions",
        "SSPR004+SSPR005: PIM-eligible User Administrator with a mobile phone and security questions",
        Spec(
            methods=(MOBILE,),
            questions=True,
            mobile_phone=_PHONE_OK,
            roles=(("User Administrator", "eligible", None),),
            department="IT",
        ),
    ),
    Scenario("questions_only", "SSPR006: security questions are the only method", Spec(questions=True)),
    Scenario(
        "methods_unreadable",
        "SSPR007: the methods call fails with 503 every time",
        Spec(methods=(APP, MOBILE), mobile_phone=_PHONE_OK, failure=_FAILED_503),
    ),
    Scenario(
        "mobile_without_space",
        "PHN001: mobilePhone in E.164 without the space (+14255550123)",
        Spec(methods=(APP, MOBILE), mobile_phone=Phone("mobile", "e164"), country="US"),
    ),
    Scenario(
        "breakglass01",
        "Excluded: emergency-access Global Administrator with a FIDO2 key only",
        Spec(methods=(FIDO2,), roles=((_GA, "active", None),), break_glass="breakglass01", in_scope=False),
    ),
    Scenario(
        "office_extension",
        "PHN002: businessPhones with an extension (+1 4255550100 x123)",
        Spec(methods=(APP, MOBILE), mobile_phone=_PHONE_OK, business_phone=Phone("fixed", "ext_x"), country="US"),
    ),
    Scenario(
        "microsoft_example_number",
        "PHN003: mobilePhone +1 4251234567, well formed but not a NANP number",
        Spec(methods=(APP, EMAIL), mobile_phone="+1 4251234567", country="US"),
    ),
    Scenario(
        "unknown_country_code",
        "PHN003: businessPhones +999 1234567, no such country code",
        Spec(methods=(APP, MOBILE), mobile_phone=_PHONE_OK, business_phone="+999 1234567"),
    ),
    Scenario(
        "landline_in_mobile_slot",
        "PHN004: a London 020 fixed line in mobilePhone",
        Spec(methods=(APP, EMAIL), mobile_phone=Phone("fixed"), country="GB"),
    ),
    Scenario(
        "shared_mobile_first",
        "PHN005: one mobile number on two users (first)",
        Spec(methods=(APP, MOBILE), mobile_phone=Phone("shared"), country="GB"),
    ),
    Scenario(
        "shared_mobile_second",
        "PHN005: one mobile number on two users (second)",
        Spec(methods=(APP, MOBILE), mobile_phone=Phone("shared"), country="GB"),
    ),
    Scenario(
        "reception_switchboard",
        "PHN005: the head-office switchboard as office phone (the bulk adds more)",
        Spec(methods=(APP, MOBILE), mobile_phone=_PHONE_OK, business_phone=Phone("switchboard")),
    ),
    Scenario(
        "alternate_email_own_domain",
        "EML001: otherMails in the organisation's own domain",
        Spec(methods=(APP, MOBILE), mobile_phone=_PHONE_OK, other_mail="own"),
    ),
    Scenario(
        "email_method_own_domain",
        "EML001: authentication email in the organisation's own domain",
        Spec(methods=(APP, EMAIL), email_method="own"),
    ),
    Scenario(
        "email_double_dot",
        "EML002: otherMails john..doe@example.com",
        Spec(methods=(APP, MOBILE), mobile_phone=_PHONE_OK, other_mail="john..doe@example.com"),
    ),
    Scenario(
        "email_double_at",
        "EML002: otherMails jane.doe@@example.org",
        Spec(methods=(APP, MOBILE), mobile_phone=_PHONE_OK, other_mail="jane.doe@@example.org"),
    ),
    Scenario(
        "email_in_words",
        "EML002: otherMails 'name at example.com'",
        Spec(methods=(APP, MOBILE), mobile_phone=_PHONE_OK, other_mail="name at example.com"),
    ),
    Scenario(
        "breakglass02",
        "Excluded: second emergency-access Global Administrator, FIDO2 key only",
        Spec(methods=(FIDO2,), roles=((_GA, "active", None),), break_glass="breakglass02", in_scope=False),
    ),
    Scenario(
        "admin_with_questions",
        "SSPR005: active Helpdesk Administrator, ready, but questions registered",
        Spec(
            methods=(APP, MOBILE),
            questions=True,
            mobile_phone=_PHONE_OK,
            roles=(("Helpdesk Administrator", "active", None),),
            department="IT",
        ),
    ),
    Scenario(
        "admin_via_group",
        "Ready: Privileged Role Administrator through the Tier0 Admins group",
        Spec(
            methods=(APP, MOBILE, FIDO2),
            mobile_phone=_PHONE_OK,
            roles=(("Privileged Role Administrator", "active", "Tier0 Admins"),),
            department="IT",
        ),
    ),
    Scenario(
        "reports_reader",
        "Ready: holds Reports Reader, a role the two-gate policy does not cover",
        Spec(methods=(APP, MOBILE), mobile_phone=_PHONE_OK, roles=(("Reports Reader", "active", None),)),
    ),
    Scenario(
        "national_format",
        "PHN001: businessPhones in national format, (425) 555-0100",
        Spec(methods=(APP, MOBILE), mobile_phone=_PHONE_OK, business_phone=Phone("fixed", "national"), country="US"),
    ),
    Scenario(
        "double_zero_prefix",
        "PHN001: businessPhones with 00 for +, 0044 20 7946 0xxx",
        Spec(methods=(APP, MOBILE), mobile_phone=_PHONE_OK, business_phone=Phone("fixed", "intl_00"), country="GB"),
    ),
    Scenario(
        "trunk_zero",
        "PHN001: businessPhones keeps the trunk zero, +44 (0)20 7946 0xxx",
        Spec(methods=(APP, MOBILE), mobile_phone=_PHONE_OK, business_phone=Phone("fixed", "trunk_paren"), country="GB"),
    ),
    Scenario(
        "spaced_international",
        "PHN001: mobilePhone with spaces in the number, +49 1512 3456789",
        Spec(methods=(APP, MOBILE), mobile_phone=Phone("mobile", "spaced"), country="DE"),
    ),
    Scenario(
        "extension_in_words",
        "PHN002: businessPhones +1 425 555 0100 ext. 45",
        Spec(methods=(APP, MOBILE), mobile_phone=_PHONE_OK, business_phone=Phone("fixed", "ext_word"), country="US"),
    ),
    Scenario(
        "extension_rfc3966",
        "PHN002: businessPhones +44 20 7946 0xxx;ext=12",
        Spec(methods=(APP, MOBILE), mobile_phone=_PHONE_OK, business_phone=Phone("fixed", "ext_rfc"), country="GB"),
    ),
    Scenario(
        "authentication_phone_extension",
        "PHN002: the authentication phone has an extension (x123)",
        Spec(methods=(APP, MOBILE), method_phone_style="graph_ext", country="US"),
    ),
    Scenario(
        "vanity_number",
        "PHN001: businessPhones with letters, +1 425-555-CALL",
        Spec(methods=(APP, MOBILE), mobile_phone=_PHONE_OK, business_phone="+1 425-555-CALL", country="US"),
    ),
    Scenario(
        "drama_mobile",
        "PHN003: Ofcom drama number +44 7700900xxx, outside libphonenumber's plan",
        Spec(methods=(APP, EMAIL), mobile_phone=Phone("drama"), country="GB"),
    ),
    Scenario(
        "empty_contact_strings",
        "Empty strings in mobilePhone and businessPhones, as some directories hold",
        Spec(methods=(APP, MOBILE), mobile_phone="", business_phone=""),
    ),
    Scenario("new_joiner_tap", "SSPR001: a new joiner with only a Temporary Access Pass", Spec(methods=(TAP,))),
    Scenario(
        "out_of_scope",
        "Nothing registered, outside All Staff SSPR: SSPR001 only when scope is 'all'",
        Spec(in_scope=False),
    ),
    Scenario("disabled_account", "No finding: a disabled account with nothing registered", Spec(enabled=False)),
    Scenario(
        "guest_email",
        "No finding: a guest with an authentication email only",
        Spec(methods=(EMAIL,), guest=True, in_scope=False),
    ),
    Scenario("guest_nothing", "No finding: a guest with nothing registered", Spec(guest=True, in_scope=False)),
    Scenario(
        "methods_timeout",
        "SSPR007: the methods call times out (504) every time",
        Spec(methods=(APP, MOBILE, EMAIL), mobile_phone=_PHONE_OK, failure=_FAILED_504),
    ),
    Scenario(
        "unrecognised_method_type",
        "SSPR008: a passkeyDeviceBound method, a type this version does not know",
        Spec(methods=(APP, MOBILE, FUTURE), mobile_phone=_PHONE_OK),
    ),
    Scenario(
        "masked_authentication_phone",
        "TEN002: the authentication phone comes back masked (+1 42XXXXXX67)",
        Spec(methods=(APP, MOBILE), method_phone_style="graph_masked", country="US"),
    ),
    Scenario(
        "global_admin_on_sms",
        "SSPR010: Global Administrator on the app and SMS: stranded when SMS ends for them on 1 July 2027",
        Spec(methods=(APP, MOBILE), mobile_phone=_PHONE_OK, roles=((_GA, "active", None),), department="IT"),
    ),
    Scenario(
        "helpdesk_admin_on_sms",
        "SSPR010: Helpdesk Administrator on the app and SMS: stranded on 1 February 2027",
        Spec(
            methods=(APP, MOBILE),
            mobile_phone=_PHONE_OK,
            roles=(("Helpdesk Administrator", "active", None),),
            department="IT",
        ),
    ),
    Scenario(
        "app_and_questions",
        "SSPR010: the app and security questions: stranded when questions retire in March 2027",
        Spec(methods=(APP,), questions=True),
    ),
    Scenario(
        "shared_mailbox",
        "Set aside: a shared mailbox (userPurpose shared) with no licence, nothing registered",
        Spec(mailbox="shared", licensed=False),
    ),
    Scenario("room_mailbox", "Set aside: a meeting room's mailbox", Spec(mailbox="room", licensed=False)),
    Scenario("equipment_mailbox", "Set aside: a projector's mailbox", Spec(mailbox="equipment", licensed=False)),
    Scenario(
        "unlicensed_member",
        "Set aside: a member with no licence and no mailbox, nothing registered",
        Spec(mailbox="none", licensed=False),
    ),
    Scenario(
        "stale_account",
        "Set aside: a leaver's account, last signed in 200 days before the collection",
        Spec(methods=(MOBILE,), mobile_phone=_PHONE_OK, idle_days=200),
    ),
    Scenario(
        "never_signed_in",
        "Set aside: an account created long ago that never signed in",
        Spec(never_signed_in=True),
    ),
)
