"""The plain-language "What to do" for each finding, written for the user."""

from __future__ import annotations

import openpyxl
import pytest

from sspr_audit.audit import engine
from sspr_audit.audit.rules.registry import MY_SECURITY_INFO as SECURITY_INFO
from sspr_audit.audit.rules.registry import all_rules
from sspr_audit.render import xlsx
from tests.builders import snapshots as b


def _audit(*users, **tenant):
    snap = b.snapshot(*users, **tenant)
    result = engine.run(snap, engine.load_policy(None, snap), generated_at="2026-11-20T10:00:00Z")
    by_id = {u.user.id: u for u in result.users}
    return result, [(f, by_id.get(f.user_id)) for f in result.findings]


def _advice(rule, field, *users, **tenant):
    _, pairs = _audit(*users, **tenant)
    matches = [f.advice for f, _ in pairs if f.rule == rule and f.field == field]
    assert len(matches) == 1, [(f.rule, f.field) for f, _ in pairs]
    return matches[0]


def test_every_rule_carries_one_sentence_of_advice():
    for rule in all_rules():
        assert rule.advice.endswith(".") and len(rule.advice.split(". ")) <= 2, rule.id


def test_no_method_tells_the_user_where_to_register():
    text = _advice("SSPR001", "methods", b.user("nomethods", methods=()))
    assert text == (f"Register the Microsoft Authenticator app or a personal email address at {SECURITY_INFO}.")


def test_synced_user_contact_field_is_for_it_in_the_on_premises_directory():
    synced = b.user(
        "synced",
        methods=(b.app(),),
        business_phones=("020 7946 0000",),
        usage_location="GB",
        on_premises_sync_enabled=True,
    )
    text = _advice("PHN001", "businessPhones[0]", synced, on_premises_sync_enabled=True)
    assert text == "Ask IT to correct your office number (it is managed in the on-premises directory)."


def test_cloud_user_contact_field_gets_the_corrected_number():
    cloud = b.user("cloud", methods=(b.app(),), mobile_phone="(425) 555-0100", on_premises_sync_enabled=False)
    assert _advice("PHN001", "mobilePhone", cloud) == "Ask IT to correct your mobile number to +1 4255550100."


def test_authentication_phone_is_updated_by_the_user():
    user = b.user("authphone", methods=(b.phone("+1 425 555 0199"),), on_premises_sync_enabled=True)
    text = _advice("PHN001", "authentication phone (mobile)", user)
    assert text == f"Update your phone number at {SECURITY_INFO} (the right form is +1 4255550199)."


def test_invalid_number_gets_no_suggested_correction():
    user = b.user("invalid", methods=(b.app(),), mobile_phone="+1 4251234567")
    assert _advice("PHN003", "mobilePhone", user) == "Ask IT to correct your mobile number."


def test_organisation_email_asks_for_a_personal_address():
    user = b.user("orgmail", methods=(b.app(), b.email("orgmail@contoso.com")))
    assert _advice("EML001", "authentication email", user) == (
        f"Add a personal email address (not your work address) at {SECURITY_INFO}."
    )


def test_unreadable_methods_need_nothing_from_the_user():
    text = _advice("SSPR007", "collection", b.failed(b.user("unread", methods=None)))
    assert text == "Nothing to do: IT could not read your sign-in methods and will check again."


def test_administrators_are_told_they_need_two_methods():
    admin = b.user("admin", methods=(b.app(),), roles=(b.role(),))
    text = _advice("SSPR004", "methods", admin)
    assert text.startswith("As an administrator you need two methods") and "security questions do not count" in text


def test_tenant_finding_is_for_it():
    _, pairs = _audit(b.user("someone", methods=(b.app(),)), on_premises_sync_enabled=True)
    tenant = [f.advice for f, _ in pairs if f.rule == "TEN001"]
    assert tenant == [
        "Nothing for users to do: IT must turn on password writeback so that resets reach the on-premises directory."
    ]


@pytest.mark.parametrize(("rule", "number"), [("PHN002", "+1 4255550100 x12"), ("PHN004", "+44 20 7946 0000")])
def test_phone_rules_word_directory_fields_by_sync(rule, number):
    field = "mobilePhone"
    cloud = b.user("x", methods=(b.app(),), mobile_phone=number)
    synced = b.user("y", methods=(b.app(),), mobile_phone=number, on_premises_sync_enabled=True)
    text_cloud = _advice(rule, field, cloud)
    assert text_cloud.startswith("Ask IT to") and "on-premises" not in text_cloud
    text_synced = _advice(rule, field, synced, on_premises_sync_enabled=True)
    assert text_synced.startswith("Ask IT to") and text_synced.endswith("(it is managed in the on-premises directory).")
    registered = _advice(rule, "authentication phone (mobile)", b.user("z", methods=(b.app(), b.phone(number))))
    assert SECURITY_INFO in registered and not registered.startswith("Ask IT")


def test_findings_sheet_has_what_to_do_for_every_row(tmp_path):
    result, pairs = _audit(
        b.user("cloud", methods=(b.app(),), mobile_phone="(425) 555-0100"),
        b.user("nomethods", methods=()),
        b.user("orgmail", methods=(b.app(), b.email("orgmail@contoso.com"))),
        on_premises_sync_enabled=True,
    )
    path = xlsx.render(result, tmp_path / "full.xlsx")
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = list(wb["Findings"].iter_rows(values_only=True))
    wb.close()
    column = list(rows[0]).index("What to do")
    assert sorted(r[column] for r in rows[1:]) == sorted(f.advice for f, _ in pairs)
    assert len(rows) - 1 == len(result.findings) >= 4
