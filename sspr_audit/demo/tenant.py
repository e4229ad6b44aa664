"""A fictional tenant's full ground truth, generated from a seed.

``sspr-audit demo`` reports on it, and the loopback Graph emulator serves it
to the real collector, whose snapshot is then compared with this one. So it
holds everything Graph would return: every user (disabled ones and guests
too), every user's methods and registration-report row, roles, groups,
managers and tenant settings, all marked as read.

The first users after the CEO are the named special cases of
:mod:`sspr_audit.demo.scenarios`; the rest are drawn from weighted
distributions that keep most users healthy. The same ``(users, seed)`` always
gives the same tenant: all randomness comes from one ``random.Random(seed)``.
"""

from __future__ import annotations

import gc
import hashlib
import random
import unicodedata
from bisect import bisect
from datetime import UTC, datetime, timedelta
from functools import cache
from itertools import accumulate
from typing import Any

from sspr_audit.demo.activity import with_activity
from sspr_audit.demo.data import (
    COUNTRIES,
    COUNTRY_BY_CODE,
    DEPARTMENTS,
    PERSONAL_EMAIL_DOMAINS,
    ROLES,
    Country,
)
from sspr_audit.demo.groups import MethodGroups, join_method_groups, method_configurations
from sspr_audit.demo.methods import MethodMaker, guid, pick, registration_flags
from sspr_audit.demo.phones import Number, Pool, render
from sspr_audit.demo.scenarios import (
    ALT_MOBILE,
    APP,
    EMAIL,
    FIDO2,
    MOBILE,
    OATH,
    OFFICE,
    SCENARIOS,
    TAP,
    WHFB,
    Phone,
    Spec,
)
from sspr_audit.errors import InputError
from sspr_audit.snapshot.models import (
    CollectionState,
    CollectionStatus,
    Group,
    Licence,
    RegistrationDetails,
    RoleAssignment,
    Snapshot,
    Source,
    SourceState,
    SourceStatus,
    Tenant,
    TenantSettings,
    User,
)

DEFAULT_COLLECTED_AT = "2026-11-23T08:00:00Z"
MIN_USERS, MAX_USERS = 10, 1_000_000
_HEAD_SPAN = 12  # direct reports of a head beyond the first staff: later ones report to an earlier manager
ORG_DOMAIN, SUBSIDIARY_DOMAIN, INITIAL_DOMAIN = "contoso-demo.com", "fabrikam-demo.com", "contoso-demo.onmicrosoft.com"
SCOPE_GROUP, PILOT_GROUP = "All Staff SSPR", "SSPR Pilot"
SWITCHBOARD = Number(COUNTRY_BY_CODE["US"], "4255550100", (3, 3, 4))
ROLE_GROUPS = {
    "Global Administrator": "Tier0 Admins",
    "Privileged Role Administrator": "Tier0 Admins",
    "Security Administrator": "Tier0 Admins",
}
OTHER_ROLE_GROUP = "Helpdesk Operators"

# Bulk members: (weight, methods, security questions, contact data). Contact data "full" is the usual
# mixture, "prepopulated" a mobile number (and maybe more) with nothing registered, "none" nothing at all.
# A 2026 tenant: most users on the Authenticator app or Email OTP, a share on SMS that the 1 February 2027
# retirement strands (SSPR010), security-question users March 2027 strands, directory data only (SSPR009).
_PROFILES = (
    (400, (APP, EMAIL), False, "full"),
    (200, (APP, MOBILE, EMAIL), False, "full"),
    (130, (APP, MOBILE), False, "full"),  # SSPR010: SMS and voice end on 1 February 2027
    (50, (MOBILE, EMAIL), False, "full"),  # SSPR010
    (30, (OATH, EMAIL), False, "full"),
    (20, (OATH, MOBILE), False, "full"),  # SSPR010
    (20, (APP, MOBILE, ALT_MOBILE), False, "full"),  # SSPR010: the alternate mobile is MFA only
    (10, (MOBILE, OFFICE), False, "full"),  # SSPR010
    (15, (MOBILE,), True, "full"),  # SSPR010: questions alone are one method of two
    (20, (APP,), True, "full"),  # SSPR010: security questions end in March 2027
    (30, (), False, "prepopulated"),  # SSPR009 (SSPR002 before 5 October 2026)
    (22, (APP,), False, "none"),  # SSPR003
    (10, (), False, "none"),  # SSPR001
    (6, (), True, "none"),  # SSPR006
)
# How a contact number is written when it is not in SSPR's format (PHN001/PHN002).
_MESSY_STYLES = (
    ("e164", 30),
    ("spaced", 25),
    ("national", 15),
    ("dashed", 5),
    ("intl_00", 5),
    ("trunk_paren", 6),
    ("trunk_kept", 4),
    ("ext_x", 4),
    ("ext_word", 3),
    ("ext_rfc", 3),
)
_ROLE_WEIGHTS = (
    ("Helpdesk Administrator", 30),
    ("User Administrator", 18),
    ("Authentication Administrator", 10),
    ("Exchange Administrator", 10),
    ("Security Administrator", 8),
    ("Password Administrator", 8),
    ("Reports Reader", 10),
    ("Global Administrator", 3),
    ("Privileged Role Administrator", 3),
)
_OK = CollectionStatus()
# A paid tenant: Microsoft 365 E3 (Entra ID P1) and Entra ID P2, neither a trial.
LICENCES = (
    Licence(
        "05e9a617-0261-4cee-bb44-138d3ef5d965", "SPE_E3", "Enabled", ("AAD_PREMIUM", "EXCHANGE_S_ENTERPRISE"), False
    ),
    Licence(
        "84a661c4-e949-4bd2-a560-ed7766fcaf2b", "AAD_PREMIUM_P2", "Enabled", ("AAD_PREMIUM", "AAD_PREMIUM_P2"), False
    ),
)
# The bulk draws from few distinct specs and phones: share them rather than build a million.
_spec = cache(Spec)
_phone = cache(Phone)


def generate_tenant(users: int = 250, seed: int = 7, *, collected_at: str = DEFAULT_COLLECTED_AT) -> Snapshot:
    """The demo tenant of ``users`` users (10 to 1,000,000) for ``seed``, as collected at ``collected_at``."""
    if isinstance(users, bool) or not isinstance(users, int) or not MIN_USERS <= users <= MAX_USERS:
        raise InputError(f"the demo tenant needs between {MIN_USERS} and {MAX_USERS:,} users, not {users!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InputError(f"the demo seed must be a whole number, not {seed!r}")
    try:
        when = datetime.fromisoformat(collected_at)
    except (TypeError, ValueError):
        raise InputError(f"collected_at {collected_at!r} is not an ISO 8601 time like {DEFAULT_COLLECTED_AT}") from None
    if when.tzinfo is None:
        raise InputError(f"collected_at {collected_at!r} has no time zone; add Z for UTC")
    collecting = gc.isenabled()
    gc.disable()  # hundreds of thousands of long-lived objects: collections would only slow this down
    try:
        generator = _Generator(random.Random(seed), when)
        people = [generator.ceo()]
        people += (generator.user(scenario.spec) for scenario in SCENARIOS[: users - 1])
        people += (generator.user(generator.bulk_spec()) for _ in range(users - len(people)))
        people = join_method_groups(people, generator.method_groups, skip=1 + len(SCENARIOS))
    finally:
        if collecting:
            gc.enable()
    tenant = Snapshot(
        tenant=generator.tenant(collected_at), users=tuple(people), generator=f"sspr-audit demo tenant (seed {seed})"
    )
    return with_activity(tenant, seed)


class _Picker:
    """Weighted choice with one ``random()`` call (``random.choices`` rebuilds its table each time)."""

    def __init__(self, weighted):
        items = list(weighted)
        self.values = [value for value, _ in items]
        self.cumulative = list(accumulate(weight for _, weight in items))

    def __call__(self, rng: random.Random):
        return self.values[bisect(self.cumulative, rng.random() * self.cumulative[-1])]


_COUNTRY = _Picker((c, c.weight) for c in COUNTRIES)
_DEPARTMENT = _Picker([*((name, d[0]) for name, d in DEPARTMENTS.items()), (None, 2)])
_PROFILE = _Picker((p[1:], p[0]) for p in _PROFILES)
_MESSY = _Picker(_MESSY_STYLES)
_ROLE = _Picker(_ROLE_WEIGHTS)
_ASSIGNMENT = _Picker((("active", 50), ("eligible", 35), ("group", 15)))


class _Generator:
    """The state one tenant is generated with: the rng, number pools, names in use, the org chart."""

    def __init__(self, rng: random.Random, collected_at: datetime):
        self.rng = rng
        self.tenant_id = guid(rng)
        self.scope_group = Group(guid(rng), SCOPE_GROUP)
        self.pilot_group = Group(guid(rng), PILOT_GROUP)
        self.method_groups = MethodGroups.of_tenant(self.tenant_id)
        self.group_sets = {
            (False, False): (),
            (True, False): (self.scope_group.id,),
            (True, True): (self.pilot_group.id, self.scope_group.id),
        }
        utc = collected_at.astimezone(UTC)
        self.collected = utc
        self.times = [
            (utc - timedelta(seconds=rng.randrange(1, 700 * 86400))).strftime("%Y-%m-%dT%H:%M:%SZ") for _ in range(1024)
        ]
        self.methods = MethodMaker(rng)
        self.pools: dict[tuple[str, str], Pool] = {}
        self.upns: dict[str, int] = {}
        self.names: list[str] = []  # display name by user index, for managers
        self.ids: list[str] = []
        self.heads: dict[str, int] = {}
        self.unplaced = 0  # people without a department who report to the CEO
        self.team_leads: dict[str, list[int]] = {}
        self.shared_mobile: Number | None = None
        self.rows: dict[tuple, RegistrationDetails] = {}

    # --- people -----------------------------------------------------------------------------------------------

    def ceo(self) -> User:
        """The organisation's head: healthy, in the US, no manager."""
        spec = Spec(
            methods=(APP, MOBILE, EMAIL), mobile_phone=Phone("mobile"), business_phone=Phone("fixed"), country="US"
        )
        return self.user(spec, title="Chief Executive Officer")

    def user(self, spec: Spec, title: str | None = None) -> User:
        """The next user, made from ``spec``, with a name, place and manager."""
        rng, index = self.rng, len(self.ids)
        country = COUNTRY_BY_CODE[spec.country] if spec.country else _COUNTRY(rng)
        first, last = pick(rng, country.first_names), pick(rng, country.last_names)
        display = _display(first, last)
        department = manager = None
        synced = True if rng.random() < 0.85 else None
        if spec.break_glass:
            number = spec.break_glass[-2:]
            display, first, last = f"Emergency Access {number}", "breakglass", number
            upn, mail, synced, title = f"{spec.break_glass}@{INITIAL_DOMAIN}", None, None, "Emergency access account"
        elif spec.guest:
            domain = pick(rng, PERSONAL_EMAIL_DOMAINS)
            mail = f"{self._unique(f'{_slug(first)}.{_slug(last)}')}@{domain}"
            upn, synced = f"{mail.replace('@', '_')}#EXT#@{INITIAL_DOMAIN}", None
        else:
            domain = SUBSIDIARY_DOMAIN if rng.random() < 0.1 else ORG_DOMAIN
            upn = mail = f"{self._unique(f'{_slug(first)}.{_slug(last)}')}@{domain}"
            if index > 0:
                department, title, manager = self._place(index, spec.department or _DEPARTMENT(rng))
        self.names.append(display)
        user_id = guid(rng)
        self.ids.append(user_id)
        roles, is_admin = _roles(spec.roles)
        mobile_number, contact_mobile = self._contact_phone(spec.mobile_phone, country, "mobile")
        business_number, business = self._contact_phone(spec.business_phone, country, "fixed")
        email_address = None
        if EMAIL in spec.methods:
            email_address = mail if spec.email_method == "own" or spec.guest else self._personal_email(first, last)
        methods = self.methods.make(spec, country, mobile_number, business_number, email_address, self._take)
        in_scope = spec.in_scope and not spec.guest
        registration = self._registration(spec, is_admin, in_scope or is_admin)
        return User(
            id=user_id,
            user_principal_name=upn,
            display_name=display,
            user_type="Guest" if spec.guest else "Member",
            account_enabled=spec.enabled,
            on_premises_sync_enabled=synced,
            department=department,
            job_title=title,
            manager_id=self.ids[manager] if manager is not None else None,
            manager_name=self.names[manager] if manager is not None else None,
            usage_location=None if spec.guest or spec.break_glass else country.code,
            country=None if spec.guest or spec.break_glass else country.name,
            mail=mail,
            mobile_phone=contact_mobile,
            business_phones=(business,) if business is not None else (),
            other_mails=(self._other_mail(spec.other_mail, first, last, mail),) if spec.other_mail else (),
            methods=None if spec.failure else methods,
            registration=registration,
            roles=roles,
            groups=self.group_sets[in_scope, in_scope and rng.random() < 0.105],
            collection=CollectionStatus(CollectionState.FAILED, spec.failure) if spec.failure else _OK,
            **self._use(spec, user_id),
        )

    def _use(self, spec: Spec, user_id: str) -> dict[str, Any]:
        """Licence, creation, last sign-in and mailbox, fixed by the user's id (the rng is left alone)."""
        number = int.from_bytes(hashlib.blake2b(user_id.encode(), digest_size=8).digest())
        created = self.collected - timedelta(days=400 + number % 900)
        last = self.collected - timedelta(days=spec.idle_days or number % 10, seconds=number % 86_400)
        return {
            "assigned_licenses": (LICENCES[0].sku_id,) if spec.licensed else (),
            "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "last_sign_in": None if spec.never_signed_in else last.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "mailbox_purpose": None if spec.guest else spec.mailbox,
        }

    def _place(self, index: int, department: str | None) -> tuple[str | None, str | None, int | None]:
        """Department, job title and manager's index: the first of a department heads it."""
        rng = self.rng
        if department is None:
            title = pick(rng, ("Executive Assistant", "Consultant", "Intern"))
            if rng.random() >= 0.5:
                return None, title, None
            self.unplaced += 1
            if self.unplaced <= _HEAD_SPAN or not self.team_leads:
                return None, title, 0
            leads = pick(rng, tuple(self.team_leads.values()))
            return None, title, pick(rng, leads) if leads else 0
        _, head_title, lead_title, titles = DEPARTMENTS[department]
        if department not in self.heads:
            self.heads[department] = index
            return department, head_title, 0
        leads = self.team_leads.setdefault(department, [])
        if rng.random() < 0.12:
            leads.append(index)
            if len(leads) <= _HEAD_SPAN:
                return department, lead_title, self.heads[department]
            return department, lead_title, pick(rng, leads[:-1])  # large departments: managers of managers
        manager = pick(rng, leads) if leads else self.heads[department]
        return department, pick(rng, titles), manager if rng.random() < 0.99 else None

    def _unique(self, local: str) -> str:
        seen = self.upns.get(local, 0) + 1
        self.upns[local] = seen
        return local if seen == 1 else f"{local}{seen}"

    # --- contact data -----------------------------------------------------------------------------------------

    def _take(self, country: Country, kind: str) -> Number:
        pool = self.pools.get((country.code, kind))
        if pool is None:
            blocks, more = (
                (country.mobile, country.more_mobile) if kind == "mobile" else (country.fixed, country.more_fixed)
            )
            pool = self.pools[country.code, kind] = Pool(country, blocks, self.rng, frozenset({SWITCHBOARD.nsn}), more)
        return pool.take()

    def _contact_phone(
        self, phone: Phone | str | None, country: Country, kind: str
    ) -> tuple[Number | None, str | None]:
        """The number behind a contact field (None when literal or absent) and the text the field holds."""
        if phone is None or isinstance(phone, str):
            return None, phone
        if phone.source == "switchboard":
            number = SWITCHBOARD
        elif phone.source == "shared":
            if self.shared_mobile is None:
                self.shared_mobile = self._take(country, "mobile")
            number = self.shared_mobile
        elif phone.source == "drama":
            number = Number(COUNTRY_BY_CODE["GB"], f"7700900{self.rng.randrange(1000):03d}", (4, 6))
        else:
            number = self._take(country, phone.source)
        extension = str(self.rng.randint(10, 999)) if phone.style.startswith("ext") else ""
        text = render(number, phone.style, extension)
        return (number if phone.source in ("mobile", "shared") or kind == "fixed" else None), text

    def _personal_email(self, first: str, last: str) -> str:
        rng = self.rng
        suffix = str(rng.randint(1, 99)) if rng.random() < 0.6 else ""
        return f"{_slug(first)}.{_slug(last)}{suffix}@{pick(rng, PERSONAL_EMAIL_DOMAINS)}"

    def _other_mail(self, kind: str, first: str, last: str, mail: str | None) -> str:
        if kind == "personal":
            return self._personal_email(first, last)
        if kind == "own":
            return mail or f"{_slug(first)}.{_slug(last)}@{ORG_DOMAIN}"
        return kind

    # --- roles and the registration report --------------------------------------------------------------------

    def _registration(self, spec: Spec, is_admin: bool, sspr_enabled: bool) -> RegistrationDetails:
        """The report row; equal rows are shared (frozen), which keeps a 1,000,000-user tenant small."""
        key = (spec.methods, spec.questions, is_admin, sspr_enabled, self.rng.getrandbits(10))
        row = self.rows.get(key)
        if row is None:
            names, registered, mfa = registration_flags(spec.methods, spec.questions, is_admin)
            row = self.rows[key] = RegistrationDetails(
                methods_registered=names,
                is_admin=is_admin,
                is_sspr_registered=registered,
                is_sspr_enabled=sspr_enabled,
                is_sspr_capable=registered and sspr_enabled,
                is_mfa_registered=mfa,
                last_updated=self.times[key[-1]],
            )
        return row

    # --- the bulk ---------------------------------------------------------------------------------------------

    def bulk_spec(self) -> Spec:
        """An ordinary user: mostly healthy, some guests, disabled or out of scope, some administrators."""
        rng = self.rng
        draw = rng.random()
        if draw < 0.03:
            return _spec(methods=pick(rng, ((EMAIL,), (EMAIL,), (EMAIL,), (APP,), ())), guest=True, in_scope=False)
        methods, questions, contacts = _PROFILE(rng)
        roles: tuple[tuple[str, str, str | None], ...] = ()
        department: str | None = None
        if rng.random() < 0.022:  # administrators, mostly in IT, kept ready: two gates need two methods
            roles, department = (self._bulk_role(),), "IT" if rng.random() < 0.7 else None
            methods, questions, contacts = (APP, MOBILE), False, "full"
        extras = tuple(kind for kind, share in ((FIDO2, 0.07), (WHFB, 0.15), (TAP, 0.01)) if rng.random() < share)
        mobile = business = other = None
        if contacts == "prepopulated":
            mobile = _phone("mobile", self._style())
            other = "personal" if rng.random() < 0.5 else None
            business = _phone("fixed", self._style()) if rng.random() < 0.4 else None
        elif contacts == "full":
            if rng.random() < (0.88 if MOBILE in methods else 0.35):
                mobile = _phone("mobile", self._style())
            place = rng.random()
            if place < 0.62:
                business = _phone("fixed", self._style())
            elif place < 0.67:
                business = _phone("switchboard", self._style())
            other = "personal" if rng.random() < 0.15 else None
        return _spec(
            methods=methods + extras,
            questions=questions,
            mobile_phone=mobile,
            business_phone=business,
            other_mail=other,
            roles=roles,
            department=department,
            enabled=draw >= 0.06 or bool(roles),
            in_scope=rng.random() >= 0.02,
        )

    def _style(self) -> str:
        return "sspr" if self.rng.random() < 0.97 else _MESSY(self.rng)

    def _bulk_role(self) -> tuple[str, str, str | None]:
        name, assignment = _ROLE(self.rng), _ASSIGNMENT(self.rng)
        if assignment == "group":
            return name, "active", ROLE_GROUPS.get(name, OTHER_ROLE_GROUP)
        return name, assignment, None

    # --- the tenant -------------------------------------------------------------------------------------------

    def tenant(self, collected_at: str) -> Tenant:
        """The organisation: hybrid, every source read except what app-only auth cannot read."""
        sources = tuple(SourceStatus(s.value, SourceState.READ) for s in Source if s is not Source.ON_PREMISES_SYNC)
        writeback = SourceStatus(
            Source.ON_PREMISES_SYNC.value,
            SourceState.NOT_PERMITTED,
            403,
            "Authorization_RequestDenied",
            message="password writeback state can be read with delegated permission only; app-only auth cannot",
            permission="OnPremDirectorySynchronization.Read.All (delegated sign-in only)",
        )
        settings = TenantSettings(
            method_configurations=method_configurations(self.method_groups, self.pilot_group.id),
            policy_migration_state="migrationComplete",
            admins_allowed_sspr=True,
            password_writeback_enabled=None,
            licences=LICENCES,
        )
        return Tenant(
            id=self.tenant_id,
            display_name="Contoso Demo",
            verified_domains=(ORG_DOMAIN, INITIAL_DOMAIN, SUBSIDIARY_DOMAIN),
            on_premises_sync_enabled=True,
            collected_at=collected_at,
            graph_endpoint="https://graph.microsoft.com",
            sources=(*sources, writeback),
            settings=settings,
            groups=(self.pilot_group, self.scope_group, *self.method_groups.all),
        )


@cache
def _roles(roles: tuple[tuple[str, str, str | None], ...]) -> tuple[tuple[RoleAssignment, ...], bool]:
    """The assignments, and whether they make the user an administrator in the report (active two-gate roles)."""
    made = tuple(RoleAssignment(name, ROLES[name][0], assignment, group) for name, assignment, group in roles)
    return made, any(assignment == "active" and ROLES[name][1] for name, assignment, _ in roles)


@cache
def _display(first: str, last: str) -> str:
    return f"{first} {last}"


@cache
def _slug(name: str) -> str:
    """A name as it appears in an address: ASCII, lower case, no spaces or apostrophes."""
    lower = name.lower()
    for letter, spelled in (("ß", "ss"), ("ä", "ae"), ("ö", "oe"), ("ü", "ue")):
        lower = lower.replace(letter, spelled)
    flat = unicodedata.normalize("NFKD", lower)
    return "".join(ch for ch in flat if ch.isascii() and (ch.isalnum() or ch == "-"))
