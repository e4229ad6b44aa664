"""A tenant of hostile but real-world directory data, built by hand as ground truth.

Every string a directory can hold ends up in some report: markup, template
syntax, spreadsheet formulas, control characters, right-to-left text, emoji,
very long values, missing values, authentication method types this version
does not know, and two users whose UPNs differ only in case. The emulator
serves it, the collector reads it back, the engine audits it and every
renderer writes it; none may lose, mangle or run any of it.
"""

from __future__ import annotations

from dataclasses import replace

from sspr_audit.audit.sspr_methods import PHONE_METHOD_IDS
from sspr_audit.snapshot.models import (
    AuthMethod,
    CollectionState,
    CollectionStatus,
    Group,
    MethodConfiguration,
    RegistrationDetails,
    RoleAssignment,
    Snapshot,
    SourceState,
    SourceStatus,
    Tenant,
    TenantSettings,
    User,
)
from tests.builders import GLOBAL_ADMIN, HELPDESK_ADMIN, XSS_IMG, XSS_SCRIPT

# Markup and template syntax.
XSS_SVG = '"><svg/onload=alert(1)>'
JS_URL = "javascript:alert(document.cookie)"
JINJA_EXPR = "{{7*7}}"
JINJA_RAW = "{% raw %}{{ config }}{% endraw %}"
JINJA_BLOCK = "{% for x in range(3) %}boom{% endfor %}"
COMMENT_END = "--><!-- x"
# Spreadsheet formulas and values a spreadsheet reads as something other than text.
HYPERLINK = '=HYPERLINK("http://evil","click")'
ONE_PLUS_ONE = "=1+1"
AT_SUM = "@SUM(A1)"
PLUS_SUM = "+SUM(1)"
MINUS = "-2+3"
NOT_AVAILABLE = "#N/A"
DIVIDE_BY_ZERO = "#DIV/0!"
DDE = "=cmd|' /C calc'!A0"
# Whitespace and control characters.
TAB_FIRST = "\tTabbed Name"
CR_FIRST = "\r=1+1"
NEWLINES = "line one\nline two\r\nline three"
# Scripts, direction and composed characters.
ARABIC = "مريم العلي"
HEBREW = "דוד כהן"
RLO = "Invoice \u202egpj.exe"
EMOJI = "Zoë 👩\u200d💻 🏳️\u200d🌈"
COMBINING = "Z\u0335\u0322a\u0336l\u0337g\u0338o\u0335 e\u0301"
# Excel's cell limit is 32,767 characters: these fit, so nothing may be cut.
LONG_NAME = ("Ω " + "Very Long Display Name " * 500)[:10_000]
LONG_DEPARTMENT = ("<b>" + "Department of Redundancy Department " * 300)[:10_000]
LONG_TITLE = ("=" + "Chief " * 2000)[:10_000]

DISPLAY_NAMES = (
    XSS_IMG,
    XSS_SCRIPT,
    XSS_SVG,
    JS_URL,
    JINJA_EXPR,
    JINJA_RAW,
    JINJA_BLOCK,
    COMMENT_END,
    HYPERLINK,
    ONE_PLUS_ONE,
    AT_SUM,
    PLUS_SUM,
    MINUS,
    NOT_AVAILABLE,
    DIVIDE_BY_ZERO,
    DDE,
    TAB_FIRST,
    CR_FIRST,
    NEWLINES,
    ARABIC,
    HEBREW,
    RLO,
    EMOJI,
    COMBINING,
    LONG_NAME,
)
DEPARTMENTS = (
    XSS_SCRIPT,
    HYPERLINK,
    "-Finance",
    "+Sales",
    "@Ops",
    NOT_AVAILABLE,
    NEWLINES,
    TAB_FIRST,
    ARABIC,
    JINJA_RAW,
    LONG_DEPARTMENT,
    EMOJI,
)
# Every distinct string of data the reports must show exactly as it is.
HOSTILE = tuple(dict.fromkeys(DISPLAY_NAMES + DEPARTMENTS + (LONG_TITLE,)))
LONG_FIELDS = (LONG_NAME, LONG_DEPARTMENT, LONG_TITLE)

# Phone numbers and addresses as directories really hold them.
MOBILES = (
    "+1 4255550100",
    "+1 425XXXXX00",
    "+44 7XXX XXX X12",
    "+1 4255550100 x123",
    "+1 4255550100X12345",
    "+1 425-CALL-NOW",
    "+\uff11 \uff14\uff12\uff15\uff15\uff15\uff15\uff10\uff11\uff10\uff10",
    "(425) 555-0100",
    "0044 20 7946 0000",
    "+44 (0)20 7946 0000",
    "  +49 30 1234567  ",
    "-4255550100",
    "=1+1",
    "+",
    "",
    "+1 4255550100 ext. 7",
    "tel:+14255550100",
    "+972 50-123-4567",
    "٠٥٠١٢٣٤٥٦٧",
)
EMAILS = (
    "x@example.org",
    "not-an-email",
    '=HYPERLINK("http://evil","mail")@evil.com',
    " padded@example.org ",
    "\uff41\uff42\uff43@example.com",
    "a@b",
    "<script>@x.com",
    "user+tag@example.org",
    '"quoted local"@example.org',
    "用户@例子.广告",
    "alex@contoso.com",
    "@SUM(A1)@example.org",
)
FUTURE_TYPE = "#microsoft.graph.futureQuantumAuthenticationMethod"
TELEPATHY_TYPE = "#microsoft.graph.telepathyAuthenticationMethod"

UPDATED = "2024-12-24T23:59:59Z"  # the registration report's lastUpdatedDateTime
TENANT_ID = "9e1b5f7c-0000-4000-8000-00000000beef"
PASSWORD = AuthMethod(
    "28c10230-6103-485e-b985-444c60001490", "password", "#microsoft.graph.passwordAuthenticationMethod"
)
CUSTOM_ROLE = (HYPERLINK + " <b>role</b>", "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9")
HOSTILE_GROUP = Group("5a5a5a5a-0000-4000-8000-000000000001", "O'Brien <b>SSPR</b> =1+1 & co")
ROLE_GROUP = "<i>Admins</i> 'quoted' & \"double\""
ALEX_UPPER_ID = "aaaaaaaa-0000-4000-8000-00000000000a"
ALEX_LOWER_ID = "aaaaaaaa-0000-4000-8000-00000000000b"
UNRECOGNISED_USER_ID = "bbbbbbbb-0000-4000-8000-000000000001"
FAILED_USER_ID = "bbbbbbbb-0000-4000-8000-000000000002"
DISABLED_USER_ID = "bbbbbbbb-0000-4000-8000-000000000003"


def _id(n: int) -> str:
    return f"0000{n:04x}-7a7a-4000-8000-{n:012x}"


def _phone(number: str | None, phone_type: str = "mobile") -> AuthMethod:
    return AuthMethod(
        PHONE_METHOD_IDS[phone_type],
        "phone",
        "#microsoft.graph.phoneAuthenticationMethod",
        phone_number=number,
        phone_type=phone_type,
    )


def _email(address: str | None) -> AuthMethod:
    return AuthMethod(
        "3ddfcfc8-9383-446f-83cc-3ab9be4be18f",
        "email",
        "#microsoft.graph.emailAuthenticationMethod",
        email_address=address,
    )


def _app(n: int, name: str | None) -> AuthMethod:
    return AuthMethod(
        f"app-{n}",
        "microsoftAuthenticator",
        "#microsoft.graph.microsoftAuthenticatorAuthenticationMethod",
        display_name=name,
    )


def _role(name_and_id: tuple[str, str], assignment: str = "active", via_group: str | None = None) -> RoleAssignment:
    return RoleAssignment(name_and_id[0], name_and_id[1], assignment, via_group)


def _base(n: int, upn: str, display_name: str | None, department: str | None, **changes) -> User:
    user = User(
        id=_id(n),
        user_principal_name=upn,
        display_name=display_name,
        user_type="Member",
        account_enabled=True,
        department=department,
        usage_location="US",
        country="United States",
        mail=upn,
    )
    return replace(user, **changes)


def _hostile_users() -> list[User]:
    """One user per hostile display name, each with a hostile department and an odd phone or address."""
    users = []
    for n, name in enumerate(DISPLAY_NAMES, start=1):
        department = DEPARTMENTS[n % len(DEPARTMENTS)]
        mobile = MOBILES[n % len(MOBILES)]
        address = EMAILS[n % len(EMAILS)]
        methods: tuple[AuthMethod, ...] = (PASSWORD, _phone(MOBILES[(n + 5) % len(MOBILES)]))
        if n % 3 == 0:
            methods += (_email(address),)
        if n % 4 == 0:
            methods += (_app(n, name),)
        if n % 5 == 0:
            methods += (_phone(MOBILES[(n + 7) % len(MOBILES)], "office"),)
        registered = ("mobilePhone", "email") if n % 2 else None
        users.append(
            _base(
                n,
                f"user{n:02d}@contoso.com",
                name,
                department,
                job_title=DISPLAY_NAMES[(n + 3) % len(DISPLAY_NAMES)],
                mobile_phone=mobile or None,
                business_phones=(MOBILES[(n + 2) % len(MOBILES)],) if n % 2 else (),
                other_mails=(address, EMAILS[(n + 1) % len(EMAILS)]) if n % 3 == 1 else (),
                methods=methods,
                registration=RegistrationDetails(
                    methods_registered=registered, is_sspr_registered=True, is_sspr_enabled=True, last_updated=UPDATED
                )
                if registered
                else None,
            )
        )
    return users


def _odd_users(managers: list[User]) -> list[User]:
    """Missing values, unknown method types, case-twin UPNs, admins, a failure and a disabled account."""
    boss = managers[0]  # display name is markup: it becomes others' manager name
    return [
        # Every optional property missing; no methods at all.
        _base(
            100,
            "nobody@contoso.com",
            None,
            None,
            user_type=None,
            usage_location=None,
            country=None,
            mail=None,
            methods=(PASSWORD,),
        ),
        # Missing contact data but a manager whose name is markup, and one who is not in the snapshot.
        _base(
            101,
            "managed@contoso.com",
            "Managed <u>person</u>",
            None,
            mobile_phone=None,
            manager_id=boss.id,
            methods=(PASSWORD, _app(101, None)),
        ),
        _base(
            102,
            "orphan@contoso.com",
            "Orphan",
            "-",
            manager_id=_id(999),
            manager_name=XSS_IMG,
            methods=(PASSWORD,),
            usage_location=None,
        ),
        # Methods this version does not know: kept as unrecognised, never dropped.
        _base(
            103,
            "quantum@contoso.com",
            "Quantum " + EMOJI,
            NEWLINES,
            id=UNRECOGNISED_USER_ID,
            methods=(
                PASSWORD,
                AuthMethod("f00dfeed-0000-4000-8000-000000000001", "unrecognised", FUTURE_TYPE, display_name=XSS_IMG),
                AuthMethod("f00dfeed-0000-4000-8000-000000000002", "unrecognised", TELEPATHY_TYPE),
                _phone("+1 4255550123"),
            ),
            registration=RegistrationDetails(
                methods_registered=("mobilePhone", "futureQuantum"), is_sspr_enabled=True, last_updated=UPDATED
            ),
        ),
        # Two people whose UPNs differ only in case: two users, kept apart by id.
        _base(
            104,
            "Alex@contoso.com",
            "Alex Upper",
            "Sales",
            id=ALEX_UPPER_ID,
            mobile_phone="+1 4255550104",
            methods=(PASSWORD,),
        ),
        _base(
            105,
            "alex@contoso.com",
            "alex lower",
            "Sales",
            id=ALEX_LOWER_ID,
            mobile_phone=None,
            other_mails=("alex@contoso.com",),
            methods=(PASSWORD, _email("ALEX@contoso.com")),
        ),
        # Administrators, one through a role-assignable group with a hostile name, one with a hostile custom role.
        _base(
            106,
            "admin@contoso.com",
            RLO,
            HYPERLINK,
            roles=(_role(GLOBAL_ADMIN),),
            methods=(PASSWORD, _phone("+1 425XXXXX06"), _app(106, JINJA_RAW)),
        ),
        _base(
            107,
            "helpdesk@contoso.com",
            ARABIC + " " + HEBREW,
            ARABIC,
            roles=(_role(HELPDESK_ADMIN, via_group=ROLE_GROUP), _role(CUSTOM_ROLE, "eligible")),
            methods=(PASSWORD, _email(EMAILS[2])),
        ),
        # Registration report only: security questions and an app, no per-user call.
        _base(
            108,
            "sq@contoso.com",
            AT_SUM,
            PLUS_SUM,
            methods=None,
            registration=RegistrationDetails(
                methods_registered=("securityQuestion", "microsoftAuthenticatorPush"),
                is_sspr_registered=True,
                is_sspr_enabled=True,
                is_sspr_capable=True,
                last_updated=UPDATED,
            ),
        ),
        # Graph keeps failing for this one: unknown, never "no methods".
        _base(
            109,
            "broken@contoso.com",
            XSS_SCRIPT,
            JINJA_EXPR,
            id=FAILED_USER_ID,
            methods=None,
            collection=CollectionStatus(CollectionState.FAILED, "503"),
        ),
        # Disabled: never listed by Graph's filter, so in no report.
        _base(
            110,
            "disabled@contoso.com",
            HYPERLINK,
            XSS_IMG,
            id=DISABLED_USER_ID,
            account_enabled=False,
            methods=(PASSWORD,),
        ),
        # Guest with a mobile of full-width digits and many business phones.
        _base(
            111,
            "guest_example.org#EXT#@contoso.onmicrosoft.com",
            EMOJI,
            EMOJI,
            user_type="Guest",
            mobile_phone=MOBILES[6],
            business_phones=("", MOBILES[3], MOBILES[9]),
            usage_location="GB",
            methods=(PASSWORD,),
        ),
        # Scope group member with everything long.
        _base(
            112,
            "long@contoso.com",
            LONG_NAME + "!",
            LONG_DEPARTMENT,
            job_title=LONG_TITLE,
            groups=(HOSTILE_GROUP.id,),
            mobile_phone="+44 7700900123",
            usage_location="GB",
            methods=(PASSWORD, _phone("+44 7700900123")),
        ),
    ]


def nasty_tenant() -> Snapshot:
    """The hostile tenant as ground truth (38 users, one of them disabled)."""
    hostile = _hostile_users()
    hostile[1] = replace(hostile[1], groups=(HOSTILE_GROUP.id,))
    users = hostile + _odd_users(hostile)
    settings = TenantSettings(
        method_configurations=(
            MethodConfiguration("MicrosoftAuthenticator", "enabled"),
            MethodConfiguration("Sms", "enabled"),
            MethodConfiguration("Voice", "enabled", office_phone_allowed=True),
            MethodConfiguration("Email", "enabled"),
            MethodConfiguration("SoftwareOath", "enabled"),
            MethodConfiguration("Fido2", "disabled"),
        ),
        policy_migration_state="migrationComplete",
        admins_allowed_sspr=True,
    )
    tenant = Tenant(
        id=TENANT_ID,
        display_name="Contoso " + XSS_SCRIPT + " & " + JINJA_EXPR,
        verified_domains=("contoso.com", "contoso.onmicrosoft.com"),
        on_premises_sync_enabled=False,
        collected_at="2025-02-03T04:05:06Z",
        graph_endpoint="https://graph.microsoft.com",
        sources=(SourceStatus("users", SourceState.READ),),
        settings=settings,
        groups=(HOSTILE_GROUP,),
    )
    return Snapshot(tenant=tenant, users=tuple(users))
