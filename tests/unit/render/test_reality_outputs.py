"""What users did, in the workbook and the HTML report's user detail, for the crafted tenant of test_reality."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime

import openpyxl
import pytest

from sspr_audit.render import html, xlsx
from tests.unit.audit.test_reality import audit, crafted


@pytest.fixture(scope="module")
def result():
    return audit(crafted())


def sheet_rows(ws) -> list[dict]:
    names = [c.value for c in ws[1]]
    return [dict(zip(names, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)]


def test_the_workbook_lists_every_attempt_contradictions_first(result, tmp_path):
    wb = openpyxl.load_workbook(xlsx.render(result, tmp_path / "r.xlsx"))
    assert wb.sheetnames.index("What users did") < wb.sheetnames.index("Findings")
    rows = sheet_rows(wb["What users did"])
    assert [(r["UPN"].split("@")[0], r["Verdict vs attempt"]) for r in rows[:3]] == [
        ("stale", "Contradicts: reset while judged not ready (EVT001)"),
        ("mailbox", "Contradicts: failed at a method that counts (EVT002)"),
        ("stuck", "Agrees: a helpdesk call the audit predicted"),
    ]
    mailbox = rows[1]
    assert mailbox["Last attempt (UTC)"] == datetime(2026, 10, 18, 10, 0)
    assert (mailbox["Outcome"], mailbox["Method"]) == ("failed", "Email")
    assert mailbox["Step or reason"] == "User did not enter the verification code in time"
    users = {r["UPN"].split("@")[0]: r for r in sheet_rows(wb["Users"])}
    assert users["idle"]["Attempt outcome"] == "no attempt" and users["idle"]["Last reset attempt (UTC)"] is None
    assert users["stale"]["Verdict vs attempt"] == "Contradicts: reset while judged not ready (EVT001)"
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(values_only=True)}
    assert summary["Verdicts contradicted by what users did"] == 2


def test_without_events_the_workbook_says_not_read_never_no_attempt(result, tmp_path):
    unread = replace(result, reality=replace(result.reality, read=False, not_read_because="Graph refused them"))
    wb = openpyxl.load_workbook(xlsx.render(unread, tmp_path / "r.xlsx"))
    users = sheet_rows(wb["Users"])
    assert {(r["Last reset attempt (UTC)"], r["Attempt outcome"], r["Verdict vs attempt"]) for r in users} == {
        ("not read", "not read", "not read")
    }
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(values_only=True)}
    assert summary["Verdicts contradicted by what users did"] == "not read"


def test_the_user_detail_carries_the_last_attempt_or_says_why_none(result, tmp_path):
    path = html.render(result, tmp_path / "r.html")
    raw = path.read_text(encoding="utf-8")
    data = json.loads(re.search(r'<script type="application/json" id="data">(.*?)</script>', raw, re.S).group(1))
    strings = data["s"]
    detail = {strings[u[0]].split("@")[0]: strings[u[19]] if len(u) > 19 else strings[data["na"]] for u in data["u"]}
    assert detail["mailbox"] == (
        "2026-10-18T10:00:00Z: failed (method: Email, User did not enter the verification code in time)."
        " Contradicts: failed at a method that counts (EVT002)."
    )
    assert detail["idle"] == "None in the 30 days of SSPR audit events read."


def test_each_contradiction_links_to_its_own_users_detail(result, tmp_path):
    raw = html.render(result, tmp_path / "r.html").read_text(encoding="utf-8")
    data = json.loads(re.search(r'<script type="application/json" id="data">(.*?)</script>', raw, re.S).group(1))
    listed = [data["s"][u[0]] for u in data["u"]]
    for table in ("contradictions", "predicted"):
        body = raw[raw.index(f'id="{table}"') : raw.index("</table>", raw.index(f'id="{table}"'))]
        links = re.findall(r'data-user="(\d+)">([^<]+)</button>', body)
        assert links, table
        assert all(listed[int(at)] == upn for at, upn in links), table


def test_past_the_user_limit_the_predicted_calls_keep_the_latest_rows_and_name_the_workbook(
    result, tmp_path, monkeypatch
):
    from sspr_audit.audit.reality import Agreement
    from sspr_audit.render import html_users

    predicted = tuple(c for c in result.reality.comparisons if c.agreement == Agreement.PREDICTED)
    assert predicted
    more = replace(result, reality=replace(result.reality, comparisons=(*result.reality.comparisons, *predicted * 2)))
    total = 3 * len(predicted)
    monkeypatch.setattr(html_users, "ROWS_PAST_LIMIT", total - 1)

    def predicted_section(user_limit: int) -> tuple[str, int]:
        raw = html.render(more, tmp_path / "r.html", user_limit=user_limit).read_text(encoding="utf-8")
        section = raw[raw.index('<section id="predicted-calls"') : raw.index("</section>", raw.index('id="predicted"'))]
        return " ".join(re.sub(r"<[^>]+>", " ", section).split()), section.count("<tr><td>")

    text, rows = predicted_section(user_limit=1)
    assert rows == total - 1
    assert f"Helpdesk calls the audit predicted ({total})" in text
    assert f"The latest {total - 1} of the {total} are listed here" in text
    assert "What users did sheet of the Excel workbook (r.xlsx)" in text
    text, rows = predicted_section(user_limit=len(result.users))
    assert rows == total and "are listed here" not in text
