"""Redaction: no phone number or email address from the snapshot survives in any output."""

from __future__ import annotations

import html
import json
import zipfile
from dataclasses import replace

import pytest

from sspr_audit.audit import engine, phones
from sspr_audit.history import compare as changes
from sspr_audit.render import FORMATS, write_reports
from sspr_audit.render.redact import mask_email, mask_phone, redact, redact_result
from sspr_audit.render.split import write_split_workbooks
from tests.builders import snapshots as b

GENERATED_AT = "2026-11-20T10:00:00Z"


def _users():
    """Many numbers and addresses, in every slot and many spellings, with defects that make rules quote them."""
    return (
        b.user(
            "ann",
            mobile_phone="+44 20 7946 0123",
            business_phones=("020 7946 0000", "+44 20 7946 0999"),
            other_mails=("ann.private@gmail.com",),
            mail="ann.smith@contoso.com",
            usage_location="GB",
            department="Sales",
            methods=(b.phone("07700 900123"),),
        ),
        b.user(
            "bob",
            methods=(b.phone("+1 4255550100"), b.email("bob.home@outlook.com")),
            mobile_phone="(425) 555-0100",
            department="R&D",
            manager_id="m1",
            manager_name="Ann",
        ),
        b.user(
            "cat",
            methods=(b.phone("+1 425 555 0199x12", "alternateMobile"), b.phone("+1 4255550142", "office")),
            mobile_phone="+14255550100",
            other_mails=("cat@contoso.com", " weird@ex ample.org", "c.t@exa mple"),
            on_premises_sync_enabled=True,
        ),
        b.user(
            "dan",
            mobile_phone="+1 4251239876",
            business_phones=("+49 30 901820",),
            usage_location="DE",
            methods=(b.email("dan.d@contoso.com"), b.app()),
        ),
        b.user(
            "eve",
            mobile_phone="0049 89 1234567",
            usage_location="DE",
            other_mails=("eve.x@web.de",),
            registered=("mobilePhone",),
            methods=None,
        ),
        b.failed(b.user("fay", mobile_phone="+33 1 23 45 67 89", other_mails=("fay@free.fr",))),
        b.user("gus", mobile_phone="+61 412 345 678", usage_location="AU", methods=(b.phone("+61 412345678"),)),
    )


def _audit(users, **tenant):
    snap = b.snapshot(*users, **tenant)
    return engine.run(snap, engine.load_policy(None, snap), generated_at=GENERATED_AT)


def _phone_spellings(raw: str, region: str | None) -> set[str]:
    spellings = {raw.strip(), "".join(c for c in raw if c.isdigit())}
    for a in (phones.analyze(raw), phones.analyze(raw, region)):
        spellings.update(s for s in (a.e164, a.suggestion, a.e164 and a.e164[1:]) if s)
    return spellings


def _secrets(users) -> set[str]:
    """Every spelling of every number, and every address that is not a UPN."""
    upns = {u.user_principal_name.casefold() for u in users}
    found: set[str] = set()
    for u in users:
        for raw in (u.mobile_phone, *u.business_phones, *(m.phone_number for m in u.methods or ())):
            if raw:
                found |= _phone_spellings(raw, u.usage_location)
        for address in (u.mail, *u.other_mails, *(m.email_address for m in u.methods or ())):
            if address and address.strip().casefold() not in upns:
                found.add(address.strip())
    return found


def _output_text(path) -> str:
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as z:
            return "\n".join(html.unescape(z.read(n).decode("utf-8")) for n in z.namelist())
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix == ".json":
        text += json.dumps(json.loads(text), ensure_ascii=False)
    return html.unescape(text)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    users = _users()
    result = _audit(users)
    out = tmp_path_factory.mktemp("redacted")
    redacted = redact_result(result)
    paths = write_reports(redacted, out, FORMATS)
    paths += write_split_workbooks(redacted, out, "department", "by-dept")
    paths += write_split_workbooks(redacted, out, "manager", "by-manager")
    return users, result, {p.name: _output_text(p) for p in paths}


def test_the_unredacted_reports_do_carry_the_values(tmp_path):
    """Guards the test below: the values it looks for are there when nothing is redacted."""
    users = _users()
    secrets = _secrets(users)
    for path in write_reports(_audit(users), tmp_path, FORMATS):
        text = _output_text(path)
        assert {"+44 20 7946 0123", "+14255550100", "020 7946 0000", "dan.d@contoso.com"} <= {
            s for s in secrets if s in text
        }, path.suffix


def test_no_phone_number_or_address_survives_in_any_output(outputs):
    users, _, texts = outputs
    secrets = _secrets(users)
    assert len(secrets) > 40
    assert len(texts) == 4 + 4 + 3  # every format, and the split workbooks with their indexes
    leaks = {(name, s) for name, text in texts.items() for s in secrets if s in text}
    assert not leaks


def test_masks_and_identifiers_are_shown(outputs):
    users, _, texts = outputs
    json_text = next(t for n, t in texts.items() if n.endswith(".json"))
    for shown in ("+44 *******123", "+1 *******100", "a***@gmail.com", "b***@outlook.com"):
        assert shown in json_text
    for u in users:
        assert u.user_principal_name in json_text
        assert u.display_name in json_text


def test_upn_shaped_addresses_and_non_contact_values_are_kept(outputs):
    users, result, _ = outputs
    secrets = _secrets(users)
    redacted = redact_result(result)
    cat = next(u for u in redacted.users if u.user.user_principal_name == "cat@contoso.com")
    # the user's own UPN in otherMails: shown in the UPN column anyway
    assert "cat@contoso.com" in {m.value for m in (*cat.usable, *cat.uncounted) if m.field == "otherMails[0]"}
    before = {(f.rule, f.upn, f.field): f for f in result.findings}
    for f in redacted.findings:
        original = before[(f.rule, f.upn, f.field)]
        assert (f.upn, f.display_name, f.severity) == (original.upn, original.display_name, original.severity)
        if f.rule.startswith("SSPR") and not any(s in original.message for s in secrets):
            assert (f.value, f.message) == (original.value, original.message)
    shared = [f.message for f in redacted.findings if f.rule == "PHN005"]
    assert shared and all("other user(s)" in m and "+1 *******100" in m for m in shared)


def test_redaction_is_deterministic_and_leaves_the_input_alone(outputs):
    _, result, _ = outputs
    assert redact_result(result) == redact_result(result)
    assert "+44 20 7946 0123" in {m.value for u in result.users for m in (*u.usable, *u.uncounted)}


def test_resolved_findings_from_the_last_run_are_masked():
    old = _audit((b.user("hal", mobile_phone="(206) 555-0172", other_mails=("hal@contoso.com",)),))
    new = _audit((b.user("hal", mobile_phone="+1 2065550173", other_mails=("hal.home@example.org",)),))
    new = replace(
        new,
        users=tuple(replace(u, user=replace(u.user, id=old.users[0].user.id)) for u in new.users),
        findings=tuple(replace(f, user_id=old.users[0].user.id) for f in new.findings),
    )
    diff = changes.compare(old, new)
    assert any(f.value == "(206) 555-0172" for f in diff.resolved_findings)
    _, redacted = redact(new, diff)
    assert redacted is not None
    stored = [*redacted.new_findings, *redacted.resolved_findings]
    assert stored
    text = " ".join(f"{f.value} {f.message}" for f in stored)
    assert "555-0172" not in text and "2065550172" not in text and "+1 *******172" in text


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("+44 20 7946 0123", "+44 *******123"),
        ("+1 4251234567x12", "+1 *******567"),
        ("+49 30 901820", "+49 *****820"),
        ("12", "***"),
        ("", ""),
    ],
)
def test_mask_phone(raw, masked):
    assert mask_phone(raw) == masked


def test_mask_phone_reads_national_numbers_in_the_users_region():
    assert mask_phone("020 7946 0123", "GB") == "+44 *******123"
    assert mask_phone("020 7946 0123") == "********123"


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("john.smith@example.org", "j***@example.org"),
        (" a@b.example ", "a***@b.example"),
        ("no-at-sign", "n***"),
    ],
)
def test_mask_email(address, masked):
    assert mask_email(address) == masked
