"""Set-aside users and the loud exclusion warning, as the HTML report and the workbook show them."""

from __future__ import annotations

from dataclasses import replace

import openpyxl

from sspr_audit.audit import engine, policy
from sspr_audit.render import html, xlsx
from sspr_audit.snapshot.models import SourceState, SourceStatus
from tests.builders import snapshots as b
from tests.unit.render.test_html import Page, readiness_rows

SOURCES = tuple(SourceStatus(s, SourceState.READ) for s in ("users", "sign_in_activity", "mailbox_settings"))


def result(**declared):
    users = (
        replace(b.user("ana", methods=(b.app(),)), assigned_licenses=("sku",)),
        b.user("bo"),
        replace(b.user("sales"), mailbox_purpose="shared"),
        replace(b.user("gone", methods=(b.app(),)), last_sign_in="2025-01-01T00:00:00Z"),
    )
    snap = b.snapshot(*users, sources=SOURCES)
    return engine.run(snap, policy.resolve(declared, snap.tenant), generated_at="2026-11-23T00:00:00Z")


def test_the_status_table_lists_set_aside_apart_and_the_share_leaves_them_out(tmp_path):
    raw = html.render(result(), tmp_path / "r.html").read_text(encoding="utf-8")
    rows = {r[0]: r[1:] for r in readiness_rows(raw)[1:]}
    assert rows["Set aside: no one resets there"] == ["2", "not counted"]
    assert rows["Out of SSPR scope"] == ["0", "not counted"]
    text = " ".join(" ".join(Page(raw).text).split())
    assert "1 of 2 users in SSPR scope" in text
    assert "shared mailboxes: 1; room and equipment mailboxes: 0" in text
    assert "Not counted: a shared mailbox (mailboxSettings userPurpose is shared)." in raw
    assert 'id="warnings"' not in raw  # 2 of 4 removed is not more than half


def test_the_warning_leads_the_html_report_and_the_workbook_summary(tmp_path):
    loud = result(exclude=(policy.Exclusion("*", "everyone"),))
    raw = html.render(loud, tmp_path / "r.html").read_text(encoding="utf-8")
    page = Page(raw)
    assert "warnings" in page.ids
    assert raw.index('id="warnings"') < raw.index('id="readiness"')
    assert "WARNING: exclusions removed 4 of 4 users ([[exclude]] patterns 4" in " ".join(" ".join(page.text).split())
    book = openpyxl.load_workbook(xlsx.render(loud, tmp_path / "r.xlsx"))
    summary = [[c.value for c in row] for row in book["Summary"].iter_rows()]
    warning = next(row for row in summary if row[0] == "WARNING")
    assert warning[2].startswith("WARNING: exclusions removed 4 of 4 users")
    setting = next(row for row in summary if row[0] == "Policy: Not counted (no one resets there)")
    assert setting[1].startswith("[[exclude]] patterns: 4; shared mailboxes: 0")
