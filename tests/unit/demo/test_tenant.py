"""The demo tenant: deterministic, consistent with what Graph returns, and every scenario present."""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from pathlib import Path

import phonenumbers
import pytest

from sspr_audit import snapshot
from sspr_audit.audit.sspr_methods import PHONE_METHOD_IDS, REGISTRATION_METHODS, method_type_from_odata
from sspr_audit.demo.data import COUNTRIES, ROLES
from sspr_audit.demo.methods import EMAIL_METHOD_ID, PASSWORD_METHOD_ID, REPORT_NAMES
from sspr_audit.demo.phones import Number, Pool, render
from sspr_audit.demo.scenarios import SCENARIOS
from sspr_audit.demo.tenant import generate_tenant
from sspr_audit.errors import InputError
from sspr_audit.snapshot.models import CollectionState, Snapshot, Source, SourceState, User
from tests.builders import GLOBAL_ADMIN

SSPR_FORMAT = re.compile(r"^\+\d{1,3} \d+$")
SCHEMA_PATH = Path(snapshot.__file__).parent / "snapshot.schema.json"
SWITCHBOARD = "+1 4255550100"
GA = GLOBAL_ADMIN[0]


@pytest.fixture(scope="module")
def demo() -> Snapshot:
    return generate_tenant()


@pytest.fixture(scope="module")
def big() -> Snapshot:
    return generate_tenant(5000, seed=11)


def by_scenario(demo: Snapshot) -> dict[str, User]:
    """Scenarios go, in order, to the users right after the CEO."""
    return {scenario.name: demo.users[i + 1] for i, scenario in enumerate(SCENARIOS)}


def kinds(user: User) -> list[str]:
    return sorted(m.type for m in user.methods or ())


def registered(user: User) -> tuple[str, ...]:
    return user.registration.methods_registered


def no_contact_data(user: User) -> bool:
    return not user.mobile_phone and not user.business_phones and not user.other_mails


def all_scope(demo: Snapshot) -> str:
    return next(g.id for g in demo.tenant.groups if g.display_name == "All Staff SSPR")


# --- determinism, sizes, files ---------------------------------------------------------------------------------


def test_same_seed_gives_the_same_tenant_and_another_seed_another():
    first = snapshot.dumps(generate_tenant(250, 7))
    assert snapshot.dumps(generate_tenant(250, 7)) == first
    other = generate_tenant(250, 8)
    assert snapshot.dumps(other) != first
    assert other.generator == "sspr-audit demo tenant (seed 8)"


@pytest.mark.parametrize("size", [10, 250, 5000, 20000])
def test_size_is_exact_and_ids_and_upns_unique(size):
    tenant = generate_tenant(size, seed=3)
    assert len(tenant.users) == size
    assert len({u.id for u in tenant.users}) == size
    assert len({u.user_principal_name.casefold() for u in tenant.users}) == size
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", tenant.users[-1].id)


@pytest.mark.parametrize("bad", [9, 1_000_001, "250", True, None])
def test_sizes_outside_the_range_are_refused(bad):
    with pytest.raises(InputError, match="between 10 and 1,000,000 users"):
        generate_tenant(bad)


@pytest.mark.parametrize("when", ["yesterday", "2026-11-23T08:00:00"])
def test_collected_at_must_be_an_aware_iso_time(when):
    with pytest.raises(InputError, match="collected_at"):
        generate_tenant(10, collected_at=when)


def test_collection_time_is_the_one_given_and_registrations_precede_it():
    tenant = generate_tenant(300, collected_at="2025-01-31T12:00:00+00:00")
    assert tenant.tenant.collected_at == "2025-01-31T12:00:00+00:00"
    stamps = [u.registration.last_updated for u in tenant.users]
    assert max(stamps) < "2025-01-31T12:00:00Z" and min(stamps) > "2023"
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", s) for s in stamps)


@pytest.mark.parametrize("name", ["demo.json", "demo.json.gz"])
def test_round_trips_through_snapshot_files(tmp_path, demo, name):
    path = snapshot.write(demo, tmp_path / name)
    assert snapshot.read(path) == demo


def test_written_snapshot_matches_the_json_schema(demo):
    if not SCHEMA_PATH.exists():
        pytest.skip("sspr_audit/snapshot/snapshot.schema.json is not written yet")
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(json.loads(snapshot.dumps(demo)), json.loads(SCHEMA_PATH.read_text()))


# --- consistency with Graph ------------------------------------------------------------------------------------


def test_tenant_is_hybrid_with_writeback_unknown_and_every_other_source_read(demo):
    tenant = demo.tenant
    assert tenant.display_name == "Contoso Demo" and tenant.on_premises_sync_enabled is True
    assert {"contoso-demo.com", "contoso-demo.onmicrosoft.com", "fabrikam-demo.com"} == set(tenant.verified_domains)
    assert tenant.settings.password_writeback_enabled is None
    assert tenant.source("on_premises_sync").state is SourceState.NOT_PERMITTED
    assert tenant.source("on_premises_sync").message
    assert {s.state for s in tenant.sources if s.source != "on_premises_sync"} == {SourceState.READ}
    assert len(tenant.sources) == len(Source)
    configs = {c.id: c for c in tenant.settings.method_configurations}
    assert configs["Voice"].office_phone_allowed is True
    assert all(configs[c].state == "enabled" for c in ("MicrosoftAuthenticator", "Sms", "Voice", "Email", "Fido2"))
    assert tenant.settings.admins_allowed_sspr is True
    assert tenant.settings.policy_migration_state == "migrationComplete"


def test_methods_have_graph_types_and_fixed_ids(demo):
    for user in demo.users:
        if user.methods is None:
            continue
        assert user.methods[0].id == PASSWORD_METHOD_ID and user.methods[0].type == "password"
        for m in user.methods:
            assert m.odata_type.startswith("#microsoft.graph.") and m.type == method_type_from_odata(m.odata_type)
            if m.type == "unrecognised":  # only the scenario of a method type newer than this version
                assert m.odata_type == "#microsoft.graph.passkeyDeviceBoundAuthenticationMethod"
            if m.type == "phone":
                assert m.id == PHONE_METHOD_IDS[m.phone_type]
            if m.type == "email":
                assert m.id == EMAIL_METHOD_ID and "@" in m.email_address


def test_registration_rows_agree_with_methods(big):
    phone_names = {"mobile": "mobilePhone", "alternateMobile": "alternateMobilePhone", "office": "officePhone"}
    type_names = {
        "microsoftAuthenticator": "microsoftAuthenticatorPush",
        "softwareOath": "softwareOneTimePasscode",
        "email": "email",
        "fido2": "fido2",
        "windowsHelloForBusiness": "windowsHelloForBusiness",
        "temporaryAccessPass": "temporaryAccessPass",
    }
    for user in big.users:
        row = user.registration
        assert row is not None
        if user.methods is not None:
            expected = {
                phone_names[m.phone_type] if m.type == "phone" else type_names[m.type]
                for m in user.methods
                if m.type not in ("password", "unrecognised")
            }
            assert set(row.methods_registered) - {"securityQuestion"} == expected, user.user_principal_name
        assert set(row.methods_registered) <= set(REPORT_NAMES.values()) | {"securityQuestion"}
        admin = any(r.assignment == "active" and ROLES[r.role_name][1] for r in user.roles)
        assert row.is_admin is admin
        sspr = {REGISTRATION_METHODS[n] for n in row.methods_registered if n in REGISTRATION_METHODS}
        if admin:
            sspr.discard("security_questions")
        assert row.is_sspr_registered is (len(sspr) >= 2)
        assert row.is_sspr_capable is (row.is_sspr_registered and row.is_sspr_enabled)
        assert row.is_sspr_enabled is (admin or all_scope(big) in user.groups)


def test_authentication_phones_are_mostly_in_graph_format(big):
    numbers = [m.phone_number for u in big.users for m in u.methods or () if m.type == "phone"]
    assert len(numbers) > 2000
    assert sum(bool(SSPR_FORMAT.match(n)) for n in numbers) >= 0.99 * len(numbers)


def test_well_formed_bulk_numbers_are_valid_for_their_plan_and_country(big):
    bulk = big.users[len(SCENARIOS) + 1 :][:1500]
    checked = 0
    for user in bulk:
        for slot, number in [("mobile", user.mobile_phone), *(("office", n) for n in user.business_phones)]:
            if not number or not SSPR_FORMAT.match(number) or number == SWITCHBOARD:
                continue
            parsed = phonenumbers.parse(number)
            assert phonenumbers.is_valid_number(parsed), number
            assert phonenumbers.region_code_for_number(parsed) == user.usage_location, (number, user.usage_location)
            if slot == "mobile":
                assert phonenumbers.number_type(parsed) in (
                    phonenumbers.PhoneNumberType.MOBILE,
                    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
                )
            checked += 1
    assert checked > 1500


def test_every_phone_range_gives_valid_numbers_of_its_kind():
    mobile_ok = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
    fixed_ok = {phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
    for country in COUNTRIES:
        for blocks, allowed in (
            (country.mobile + country.more_mobile, mobile_ok),
            (country.fixed + country.more_fixed, fixed_ok),
        ):
            for block in blocks:
                assert sum(block.groups) == len(block.prefix) + block.free
                for tail in (0, 10**block.free // 2 + 7, 10**block.free - 1):
                    text = render(Number(country, f"{block.prefix}{tail:0{block.free}d}", block.groups), "sspr")
                    parsed = phonenumbers.parse(text)
                    assert phonenumbers.is_valid_number(parsed), text
                    assert phonenumbers.number_type(parsed) in allowed, text


def test_contact_numbers_are_unique_apart_from_the_deliberate_shares(big):
    counts = Counter(n for u in big.users for n in (u.mobile_phone, *u.business_phones) if n and SSPR_FORMAT.match(n))
    shared = {n for n, c in counts.items() if c > 1}
    assert SWITCHBOARD in shared and counts[SWITCHBOARD] > 50
    assert len(shared - {SWITCHBOARD}) == 1  # the one mobile two users share


def test_org_chart_is_consistent(big):
    index = {u.id: i for i, u in enumerate(big.users)}
    ceo = big.users[0]
    assert ceo.job_title == "Chief Executive Officer" and ceo.manager_id is None
    managed = [u for u in big.users if u.manager_id]
    assert len(managed) > 0.9 * len([u for u in big.users if u.user_type == "Member"])
    for i, user in enumerate(big.users):
        if user.manager_id:
            boss = big.users[index[user.manager_id]]
            assert index[user.manager_id] < i and user.manager_name == boss.display_name
        else:
            assert user.manager_name is None
    departments = Counter(u.department for u in big.users)
    expected = {"Sales", "Finance", "Engineering", "HR", "IT", "Operations", "Legal", "Marketing", "Support"}
    assert expected < set(departments)
    assert departments[None] > 0


def test_population_mix(big):
    users = big.users
    members = [u for u in users if u.user_type == "Member"]
    assert {u.usage_location for u in members} >= {"US", "CA", "GB", "DE", "FR", "NL", "IN", "AU", "JP", "BR", "ZA"}
    assert all(
        u.mail and u.mail.split("@")[1] in ("contoso-demo.com", "fabrikam-demo.com")
        for u in members
        if not u.user_principal_name.startswith("breakglass")
    )
    guests = [u for u in users if u.user_type == "Guest"]
    assert 0.01 * len(users) < len(guests) < 0.06 * len(users)
    assert all(u.user_principal_name.endswith("#EXT#@contoso-demo.onmicrosoft.com") for u in guests)
    assert 0.01 * len(users) < sum(not u.account_enabled for u in users) < 0.06 * len(users)
    synced = sum(u.on_premises_sync_enabled is True for u in members)
    assert 0.75 * len(members) < synced < 0.95 * len(members)
    with_roles = [u for u in users if u.roles]
    assert 0.015 * len(users) < len(with_roles) < 0.04 * len(users)
    assignments = Counter((r.assignment, r.via_group is not None) for u in with_roles for r in u.roles)
    assert {("active", False), ("active", True), ("eligible", False)} <= set(assignments)
    groups = {g.display_name: g.id for g in big.tenant.groups}
    pilot = sum(groups["SSPR Pilot"] in u.groups for u in users) / len(users)
    everyone = sum(groups["All Staff SSPR"] in u.groups for u in users) / len(users)
    assert 0.07 < pilot < 0.13 and 0.9 < everyone < 0.98
    assert all(set(u.groups) <= set(groups.values()) for u in users)


def test_most_users_are_healthy(demo):
    """Ready on registered methods alone, every contact field well formed: far more than 70%."""

    def healthy(user: User) -> bool:
        if user.methods is None or user.user_type != "Member" or not user.account_enabled:
            return False
        sspr = {REGISTRATION_METHODS[n] for n in registered(user) if n in REGISTRATION_METHODS}
        numbers = [user.mobile_phone, *user.business_phones, *(m.phone_number for m in user.methods if m.phone_number)]
        return len(sspr) >= 2 and all(n is None or SSPR_FORMAT.match(n) for n in numbers)

    assert sum(map(healthy, demo.users)) > 0.7 * len(demo.users)


# --- the scenarios -------------------------------------------------------------------------------------------

SCENARIO_CHECKS = {
    "no_usable_method": lambda u: kinds(u) == ["fido2", "password"] and no_contact_data(u) and not u.roles,
    "prepopulated_only": lambda u: kinds(u) == ["password"] and not registered(u) and u.mobile_phone and u.other_mails,
    "authenticator_only": lambda u: (
        kinds(u) == ["microsoftAuthenticator", "password"] and no_contact_data(u) and not u.roles
    ),
    "global_admin_app_only": lambda u: (
        u.roles[0].role_name == GA
        and u.roles[0].assignment == "active"
        and registered(u) == ("microsoftAuthenticatorPush",)
        and no_contact_data(u)
        and u.registration.is_admin
    ),
    "eligible_admin_phone_questions": lambda u: (
        u.roles[0].assignment == "eligible"
        and registered(u) == ("mobilePhone", "securityQuestion")
        and not u.business_phones
    ),
    "questions_only": lambda u: (
        kinds(u) == ["password"] and registered(u) == ("securityQuestion",) and no_contact_data(u)
    ),
    "methods_unreadable": lambda u: (
        u.methods is None
        and u.collection.state is CollectionState.FAILED
        and "503" in u.collection.reason
        and registered(u)
    ),
    "mobile_without_space": lambda u: re.fullmatch(r"\+1\d{10}", u.mobile_phone),
    "breakglass01": lambda u: (
        u.user_principal_name == "breakglass01@contoso-demo.onmicrosoft.com"
        and kinds(u) == ["fido2", "password"]
        and u.roles[0].role_name == GA
    ),
    "office_extension": lambda u: re.fullmatch(r"\+1 \d{10} x\d+", u.business_phones[0]),
    "microsoft_example_number": lambda u: u.mobile_phone == "+1 4251234567",
    "unknown_country_code": lambda u: u.business_phones == ("+999 1234567",),
    "landline_in_mobile_slot": lambda u: u.mobile_phone.startswith("+44 20794"),
    "shared_mobile_first": lambda u: re.fullmatch(r"\+44 7\d{9}", u.mobile_phone) and not u.business_phones,
    "shared_mobile_second": lambda u: re.fullmatch(r"\+44 7\d{9}", u.mobile_phone) and not u.business_phones,
    "reception_switchboard": lambda u: u.business_phones == (SWITCHBOARD,),
    "alternate_email_own_domain": lambda u: u.other_mails == (u.mail,),
    "email_method_own_domain": lambda u: (
        u.user_type == "Member" and [m.email_address for m in u.methods if m.type == "email"] == [u.mail]
    ),
    "email_double_dot": lambda u: u.other_mails == ("john..doe@example.com",),
    "email_double_at": lambda u: u.other_mails == ("jane.doe@@example.org",),
    "email_in_words": lambda u: u.other_mails == ("name at example.com",),
    "breakglass02": lambda u: (
        u.user_principal_name == "breakglass02@contoso-demo.onmicrosoft.com" and kinds(u) == ["fido2", "password"]
    ),
    "admin_with_questions": lambda u: (
        u.roles[0].role_name == "Helpdesk Administrator"
        and u.registration.is_admin
        and registered(u) == ("mobilePhone", "microsoftAuthenticatorPush", "securityQuestion")
    ),
    "admin_via_group": lambda u: u.roles[0].via_group == "Tier0 Admins" and u.registration.is_sspr_registered,
    "reports_reader": lambda u: u.roles[0].role_name == "Reports Reader" and u.registration.is_admin is False,
    "national_format": lambda u: re.fullmatch(r"\(\d{3}\) 555-\d{4}", u.business_phones[0]),
    "double_zero_prefix": lambda u: u.business_phones[0].startswith("0044 "),
    "trunk_zero": lambda u: u.business_phones[0].startswith("+44 (0)"),
    "spaced_international": lambda u: re.fullmatch(r"\+49 \d{4} \d{7}", u.mobile_phone),
    "extension_in_words": lambda u: re.fullmatch(r"\+1 \d{3} \d{3} \d{4} ext\. \d+", u.business_phones[0]),
    "extension_rfc3966": lambda u: re.fullmatch(r"\+44 .*;ext=\d+", u.business_phones[0]),
    "authentication_phone_extension": lambda u: re.fullmatch(
        r"\+1 \d{10}x\d+", next(m.phone_number for m in u.methods if m.type == "phone")
    ),
    "vanity_number": lambda u: u.business_phones == ("+1 425-555-CALL",),
    "drama_mobile": lambda u: re.fullmatch(r"\+44 7700900\d{3}", u.mobile_phone),
    "empty_contact_strings": lambda u: u.mobile_phone == "" and u.business_phones == ("",),
    "new_joiner_tap": lambda u: kinds(u) == ["password", "temporaryAccessPass"] and no_contact_data(u),
    "out_of_scope": lambda u: (
        u.user_type == "Member" and u.groups == () and kinds(u) == ["password"] and u.account_enabled
    ),
    "disabled_account": lambda u: not u.account_enabled,
    "guest_email": lambda u: u.user_type == "Guest" and kinds(u) == ["email", "password"],
    "guest_nothing": lambda u: u.user_type == "Guest" and kinds(u) == ["password"],
    "methods_timeout": lambda u: u.methods is None and "504" in u.collection.reason,
    "unrecognised_method_type": lambda u: any(m.type == "unrecognised" for m in u.methods),
    "masked_authentication_phone": lambda u: re.fullmatch(
        r"\+1 \d\dX{6}\d\d", next(m.phone_number for m in u.methods if m.type == "phone")
    ),
    "global_admin_on_sms": lambda u: (
        u.roles[0].role_name == GA and set(registered(u)) == {"microsoftAuthenticatorPush", "mobilePhone"}
    ),
    "helpdesk_admin_on_sms": lambda u: (
        u.roles[0].role_name == "Helpdesk Administrator"
        and set(registered(u)) == {"microsoftAuthenticatorPush", "mobilePhone"}
    ),
    "app_and_questions": lambda u: registered(u) == ("microsoftAuthenticatorPush", "securityQuestion"),
    "shared_mailbox": lambda u: u.mailbox_purpose == "shared" and u.assigned_licenses == (),
    "room_mailbox": lambda u: u.mailbox_purpose == "room" and u.assigned_licenses == (),
    "equipment_mailbox": lambda u: u.mailbox_purpose == "equipment" and u.assigned_licenses == (),
    "unlicensed_member": lambda u: u.mailbox_purpose == "none" and u.assigned_licenses == (),
    "stale_account": lambda u: u.last_sign_in is not None and u.last_sign_in < "2026-05-10",
    "never_signed_in": lambda u: u.last_sign_in is None and u.created_at is not None and u.assigned_licenses,
}


def test_every_scenario_has_a_check():
    assert [s.name for s in SCENARIOS] == list(SCENARIO_CHECKS)
    assert all(s.summary for s in SCENARIOS)


@pytest.mark.parametrize("name", list(SCENARIO_CHECKS))
def test_scenario_is_in_the_default_demo(demo, name):
    user = by_scenario(demo)[name]
    assert SCENARIO_CHECKS[name](user), user


def test_shared_mobile_is_the_same_number_on_both(demo):
    users = by_scenario(demo)
    assert users["shared_mobile_first"].mobile_phone == users["shared_mobile_second"].mobile_phone


def test_scenario_users_otherwise_look_like_everyone_else(demo):
    users = by_scenario(demo)
    ordinary = users["authenticator_only"]
    assert ordinary.user_type == "Member" and ordinary.department and ordinary.manager_id
    assert all_scope(demo) in ordinary.groups
    assert users["landline_in_mobile_slot"].usage_location == "GB"
    assert [u.user_principal_name for u in demo.users].count(ordinary.user_principal_name) == 1


def test_a_ten_user_tenant_still_has_the_first_scenarios():
    tenant = generate_tenant(10)
    firsts = [s.name for s in SCENARIOS[:9]]
    for name, user in zip(firsts, tenant.users[1:], strict=True):
        assert SCENARIO_CHECKS[name](user), (name, user)


def test_a_large_department_has_managers_of_managers_and_no_head_manages_thousands():
    tenant = generate_tenant(20_000, seed=3)
    reports = Counter(u.manager_id for u in tenant.users if u.manager_id)
    by_id = {u.id: u for u in tenant.users}
    heads = [u for u in tenant.users if u.manager_id == tenant.users[0].id and u.department]
    assert {u.department for u in heads} >= {"Sales", "Engineering"}
    assert max(reports[u.id] for u in heads) < 40  # 12 team managers and the few staff hired before them
    assert reports[tenant.users[0].id] < 40  # the CEO: department heads and a few people of no department
    engineering_leads = [u for u in tenant.users if u.job_title == "Engineering Manager"]
    assert any(by_id[u.manager_id].job_title == "Engineering Manager" for u in engineering_leads if u.manager_id)


def test_a_pool_deals_distinct_numbers_past_its_first_ranges():
    us = next(c for c in COUNTRIES if c.code == "US")
    pool = Pool(us, us.mobile, random.Random(1), frozenset(), us.more_mobile)
    first = sum(10**b.free for b in us.mobile)
    numbers = [pool.take().nsn for _ in range(first + 20_000)]
    assert len(set(numbers)) == len(numbers)
    assert {n[:3] for n in numbers[first:]} <= {b.prefix[:3] for b in us.more_mobile}
