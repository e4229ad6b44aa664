"""Microsoft's isSspr* flags beside the verdict in the workbook and the JSON report."""

from __future__ import annotations

import json

import openpyxl
import pytest

from sspr_audit.audit import engine, policy
from sspr_audit.render import json_report, xlsx
from sspr_audit.snapshot.models import RegistrationDetails
from tests.builders import snapshots as b


def flags(capable, methods=("microsoftAuthenticatorPush",)):
    return RegistrationDetails(methods, False, True, True, capable, True, last_updated="2026-11-01T00:00:00Z")


@pytest.fixture(scope="module")
def result():
    snap = b.snapshot(
        b.user("agrees", methods=(b.app(),), registration=flags(True)),
        b.user("sms", methods=(b.phone("+14255550100"),), registration=flags(True, ("mobilePhone",))),
        b.user("unreported", methods=(b.app(),)),
    )
    return engine.run(snap, policy.resolve({}, snap.tenant), as_of="2027-02-02")


def test_the_users_sheet_shows_microsofts_flags_and_why_they_differ(result, tmp_path):
    wb = openpyxl.load_workbook(xlsx.render(result, tmp_path / "r.xlsx"))
    ws = wb["Users"]
    names = [c.value for c in ws[1]]
    got = {
        row[0]: row[names.index("Microsoft: SSPR registered") : names.index("Microsoft's flags, explained") + 1]
        for row in ws.iter_rows(min_row=2, values_only=True)
    }
    assert got["agrees@contoso.com"] == (
        "yes",
        "yes",
        "yes",
        "yes",
        "Microsoft's isSsprCapable matches this audit's verdict.",
    )
    assert got["sms@contoso.com"][:4] == ("yes", "yes", "yes", "no")
    assert "SMS and voice end for SSPR on 1 February 2027" in got["sms@contoso.com"][4]
    assert got["unreported@contoso.com"] == (
        "not read",
        "not read",
        "not read",
        "not read",
        "No registration report row was read for this user.",
    )
    summary = {r[0]: r[1:] for r in wb["Summary"].iter_rows(values_only=True)}
    count, note = summary["Differ from Microsoft's isSsprCapable"]
    assert count == 1 and note.startswith("of 2 users compared; each is explained in the Users sheet.")


def test_the_json_report_carries_the_flags_and_the_tally(result, tmp_path):
    data = json.loads(json_report.render(result, tmp_path / "r.json").read_text(encoding="utf-8"))
    assert data["summary"]["microsoft_flags"]["compared"] == 2
    assert data["summary"]["microsoft_flags"]["disagree"] == 1
    users = {u["upn"]: u["microsoft"] for u in data["users"]}
    assert users["unreported@contoso.com"] is None
    assert users["sms@contoso.com"]["is_sspr_capable"] is True
    assert users["sms@contoso.com"]["agrees"] is False
    assert users["agrees@contoso.com"] == {
        "is_sspr_registered": True,
        "is_sspr_enabled": True,
        "is_sspr_capable": True,
        "agrees": True,
        "explanation": "Microsoft's isSsprCapable matches this audit's verdict.",
    }
