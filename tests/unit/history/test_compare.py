"""Comparing two audits of one tenant: a week of directory changes, audited by the real engine."""

from __future__ import annotations

import json
from dataclasses import replace
from html.parser import HTMLParser

import jsonschema
import pytest

from sspr_audit.audit import engine
from sspr_audit.audit.results import AuditResult, PolicySetting, Readiness, Severity
from sspr_audit.history.compare import (
    ChangesError,
    StoredFinding,
    StoredUser,
    compare,
    policy_hash,
    run_from_result,
    side_by_side,
)
from sspr_audit.render.changes import FIRST_RUN, render_html, render_text, to_json
from tests.builders.weeks import POLICY, WEEK1_AT, WEEK2_AT, audit, week

# dave, a Global Administrator left with the app and a phone, loses SSPR when SMS and voice end for
# Global Administrators on 1 July 2027 (concept-sms-voice-retirement-faq): a new SSPR010.
NEW_FINDINGS = [
    ("SSPR001", "bob@contoso.com", "methods"),
    ("SSPR007", "judy@contoso.com", "collection"),
    ("SSPR010", "dave@contoso.com", "loses_sspr_on"),
]


def finding_keys(findings: tuple[StoredFinding, ...]) -> list[tuple[str, str | None, str | None]]:
    return [(f.rule, f.upn, f.field) for f in findings]


def test_compare_reports_exactly_the_expected_changes(tmp_path):
    changes = compare(audit(1, tmp_path), audit(2, tmp_path))

    assert finding_keys(changes.new_findings) == NEW_FINDINGS
    assert finding_keys(changes.resolved_findings) == [("SSPR001", "carol@contoso.com", "methods")]
    assert [(c.upn, c.before, c.after) for c in changes.became_not_ready] == [
        ("bob@contoso.com", "ready", "not_ready"),
        ("judy@contoso.com", "ready", "unknown"),
    ]
    assert [(c.upn, c.before, c.after) for c in changes.admins_lost_method] == [("dave@contoso.com", "3", "2")]
    assert "email no longer usable" in changes.admins_lost_method[0].detail
    assert [(c.upn, c.before, c.after) for c in changes.joined] == [
        ("frank@contoso.com", None, "ready"),
        ("gina@contoso.com", "out_of_scope", "ready"),
    ]
    assert [(c.upn, c.before, c.after) for c in changes.left] == [
        ("erin@contoso.com", "ready", None),
        ("hank@contoso.com", "ready", "out_of_scope"),
    ]
    assert changes.users_compared and not changes.policy_changed
    assert (changes.old.generated_at, changes.new.generated_at) == (WEEK1_AT, WEEK2_AT)


def test_a_finding_whose_value_changed_is_neither_new_nor_resolved(tmp_path):
    old, new = audit(1, tmp_path), audit(2, tmp_path)
    ivan = [(f.field, f.value) for f in (*old.findings, *new.findings) if f.upn == "ivan@contoso.com"]
    assert ivan == [("mobilePhone", "425 555 0199"), ("mobilePhone", "425 555 0198")]
    changes = compare(old, new)
    assert "ivan@contoso.com" not in {f.upn for f in (*changes.new_findings, *changes.resolved_findings)}


def test_nothing_changes_between_two_audits_of_one_snapshot(tmp_path):
    changes = compare(audit(1, tmp_path), audit(1, tmp_path))
    assert [items for _, _, items in changes.sections()] == [()] * 7


def test_first_run_has_nothing_to_compare(tmp_path):
    changes = compare(None, audit(1, tmp_path))
    assert changes.first_run and changes.old is None
    assert [items for _, _, items in changes.sections()] == [()] * 7
    assert [(p.run_id, p.generated_at) for p in changes.trend] == [(None, WEEK1_AT)]
    assert FIRST_RUN in render_text(changes)


def test_two_tenants_are_never_compared(tmp_path):
    other = audit(2, tmp_path, id="99999999-0000-0000-0000-000000000000")
    with pytest.raises(ChangesError, match="only audits of one tenant"):
        compare(audit(1, tmp_path), other)


def test_without_user_history_only_findings_are_compared(tmp_path):
    old = replace(run_from_result(audit(1, tmp_path)), users=None)
    changes = compare(old, audit(2, tmp_path))
    assert not changes.users_compared
    assert finding_keys(changes.new_findings) == NEW_FINDINGS
    assert changes.became_not_ready == changes.admins_lost_method == changes.joined == changes.left == ()
    assert "User statuses were not recorded" in render_text(changes)


def test_a_policy_change_is_pointed_out(tmp_path):
    stricter = POLICY.replace('scope = "selected"', 'scope = "selected"\nmethods_required = 2')
    changes = compare(audit(1, tmp_path), audit(2, tmp_path, stricter))
    assert changes.policy_changed
    assert "The policy changed between these runs" in render_text(changes)


def test_policy_hash_is_about_values_not_origins_or_order():
    a = (PolicySetting("methods_required", "1", "default"), PolicySetting("scope", "all", "policy file"))
    moved = (PolicySetting("scope", "all", "tenant"), PolicySetting("methods_required", "1", "policy file"))
    changed = (PolicySetting("methods_required", "2", "default"), PolicySetting("scope", "all", "policy file"))
    assert policy_hash(a) == policy_hash(moved) != policy_hash(changed)
    assert len(policy_hash(a)) == 64


def test_text_lists_every_kind_of_change_with_its_count(tmp_path):
    text = render_text(compare(audit(1, tmp_path), audit(2, tmp_path)))
    assert (
        "Changes from audit (data collected 2026-11-20T08:00:00Z) to audit (data collected 2026-11-27T08:00:00Z)."
        in text
    )
    blocks = {block.splitlines()[0]: block.splitlines()[1:] for block in text.split("\n\n")[1:]}
    assert list(blocks) == [
        "New findings (3)",
        "Resolved findings (1)",
        "Users who became not ready (2)",
        "Administrators who lost a method (1)",
        "Joined SSPR scope (2)",
        "Left SSPR scope (2)",
        "Not ready, yet reset successfully since (0)",
    ]
    assert blocks["New findings (3)"][0].startswith("  bob@contoso.com: SSPR001 high [methods]: ")
    assert blocks["Left SSPR scope (2)"] == [
        "  erin@contoso.com: No longer in the snapshot (deleted from the directory, or no longer collected).",
        "  hank@contoso.com: Now out of scope.",
    ]


@pytest.fixture(scope="module")
def changes_schema(report_schema) -> dict:
    return {"$defs": report_schema["$defs"], "$ref": "#/$defs/changes"}


def test_json_matches_the_schema_and_round_trips(tmp_path, changes_schema):
    data = json.loads(json.dumps(to_json(compare(audit(1, tmp_path), audit(2, tmp_path)))))
    jsonschema.validate(data, changes_schema)
    assert [f["upn"] for f in data["resolved_findings"]] == ["carol@contoso.com"]
    assert data["admins_lost_method"][0]["before"] == "3"
    # ivan's mobilePhone is directory data, no longer an SSPR method: PHN001 is low for it
    assert data["old"]["severity_counts"] == {"critical": 0, "high": 1, "medium": 0, "low": 1, "info": 0}
    assert data["new"]["ready_percent"] == 75.0  # 6 of 8 in scope: bob not ready, judy unknown
    jsonschema.validate(to_json(compare(None, audit(1, tmp_path))), changes_schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**data, "left": [{"upn": "x"}]}, changes_schema)


class _Page(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _hostile_runs() -> tuple:
    """Two stored runs whose directory text is markup."""
    result = run_from_result(replace(audit_result_stub(), generated_at=WEEK1_AT))
    bad = "<img src=x onerror=alert(1)>@contoso.com"
    user = StoredUser("u-x", bad, "<script>alert(1)</script>", Readiness.NOT_READY, False, 0, ())
    finding = StoredFinding("SSPR001", Severity.HIGH, "u-x", bad, "methods", None, "</li><script>x</script>")
    new = replace(result, users=(user,), findings=(finding,), summary=replace(result.summary, generated_at=WEEK2_AT))
    return result, new


def audit_result_stub() -> AuditResult:
    snap = week(1)
    return engine.run(snap, engine.load_policy(None, snap), generated_at=WEEK1_AT)


def test_html_diff_page_is_self_contained_and_escaped():
    old, new = _hostile_runs()
    page = _Page(render_html(compare(old, new)))
    assert [t for t, _ in page.tags if t in ("img", "script", "link", "iframe")] == []
    (meta,) = [a for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert meta["content"].startswith("default-src 'none'; style-src 'sha256-")
    assert "script-src" not in meta["content"] and "unsafe" not in meta["content"]
    text = "".join(page.text)
    assert "<img src=x onerror=alert(1)>@contoso.com" in text and "</li><script>x</script>" in text
    assert {a.get("id") for t, a in page.tags if t == "h3"} == {
        "changes-new_findings",
        "changes-resolved_findings",
        "changes-joined",
        "changes-left",
    }


def test_changes_list_findings_in_the_order_the_reports_do(tmp_path):
    from sspr_audit.render.summary import ordered_findings

    old, new = audit(1, tmp_path), audit(2, tmp_path)
    changes = compare(old, new)
    assert len(changes.new_findings) >= 2
    reported = [(f.rule, f.upn, f.field) for f in ordered_findings(new)]
    listed = [(f.rule, f.upn, f.field) for f in changes.new_findings]
    assert listed == [k for k in reported if k in listed]


def test_html_diff_page_names_each_side_by_when_its_data_was_collected(tmp_path):
    page = _Page(render_html(compare(audit(1, tmp_path), audit(2, tmp_path))))
    text = " ".join(" ".join(page.text).split())
    assert "From audit (data collected 2026-11-20T08:00:00Z), ready" in text
    assert "To audit (data collected 2026-11-27T08:00:00Z), ready" in text


def test_two_runs_are_walked_side_by_side_by_key_the_first_of_a_repeated_key_standing_for_both():
    old = [("a", 1), ("b", 1), ("b", 2), ("d", 1)]
    new = [("b", 3), ("c", 1), ("d", 2)]
    assert list(side_by_side(old, new, key=lambda item: item[0])) == [
        (("a", 1), None),
        (("b", 1), ("b", 3)),
        (None, ("c", 1)),
        (("d", 1), ("d", 2)),
    ]
    with pytest.raises(ValueError, match="out of order"):  # a wrong order is a fault, never a wrong diff
        list(side_by_side([("b", 1), ("a", 1)], [], key=lambda item: item[0]))
