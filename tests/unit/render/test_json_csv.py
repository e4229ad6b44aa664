"""The JSON and CSV reports, the shared summary, and how reports are named and written."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from dataclasses import replace

import jsonschema
import pytest

from sspr_audit.audit.results import Readiness, Severity
from sspr_audit.errors import InputError
from sspr_audit.render import FORMATS, csv_report, default_stem, html, json_report, write_reports, xlsx
from sspr_audit.render.summary import NO_DEPARTMENT, summarize
from tests.builders.results import audit_result, finding, sample_result, tenant, user, user_result


@pytest.fixture(scope="module")
def schema(report_schema):
    jsonschema.Draft202012Validator.check_schema(report_schema)
    return report_schema


def read_json(tmp_path, result):
    return json.loads(json_report.render(result, tmp_path / "r.json").read_text(encoding="utf-8"))


def read_csv(tmp_path, result):
    path = csv_report.render(result, tmp_path / "r.csv")
    raw = path.read_bytes()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return raw, list(csv.DictReader(handle))


# -- JSON -----------------------------------------------------------------------------------------------------------


def test_json_report_matches_its_schema(tmp_path, schema):
    report = read_json(tmp_path, sample_result())
    jsonschema.validate(report, schema, cls=jsonschema.Draft202012Validator)
    assert report["schema_version"] == 1
    assert report["generated_at"] == "2025-03-04T05:06:07Z"
    assert [u["upn"] for u in report["users"]] == sorted(u.user.user_principal_name for u in sample_result().users)
    assert len(report["findings"]) == 7
    tenant_finding = report["findings"][-1]
    assert (tenant_finding["rule"], tenant_finding["upn"], tenant_finding["user_id"], tenant_finding["suggestion"]) == (
        "TEN001",
        None,
        None,
        None,
    )
    nestor = next(u for u in report["users"] if u["upn"] == "nestor.wilke@contoso.example")
    assert (nestor["admin"], nestor["admin_eligible_only"], nestor["required"], nestor["usable_count"]) == (
        True,
        True,
        2,
        2,
    )
    assert nestor["roles"] == [
        {"role": "Helpdesk Administrator", "assignment": "eligible", "via_group": "Helpdesk admins"}
    ]
    assert report["policy"]["source"] == "/etc/sspr-audit/policy.toml"
    assert {s["origin"] for s in report["policy"]["settings"]} == {"policy file", "tenant", "default"}


def test_json_schema_rejects_what_the_report_must_not_contain(tmp_path, schema):
    report = read_json(tmp_path, sample_result())
    report["users"][0]["password"] = "x"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(report, schema, cls=jsonschema.Draft202012Validator)
    del report["users"][0]["password"]
    report["findings"][0]["severity"] = "urgent"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(report, schema, cls=jsonschema.Draft202012Validator)


def test_json_summary_counts(tmp_path, schema):
    summary = read_json(tmp_path, sample_result())["summary"]
    assert summary["status_counts"] == {
        "ready": 2,
        "ready_unverified": 1,
        "at_risk": 1,
        "not_ready": 3,
        "unknown": 1,
        "excluded": 1,
        "out_of_scope": 1,
        "set_aside": 0,
    }
    assert (summary["users_total"], summary["users_in_scope"], summary["users_ready"]) == (10, 8, 4)
    assert summary["ready_percent"] == 50.0
    assert summary["severity_counts"] == {"critical": 2, "high": 1, "medium": 2, "low": 1, "info": 1}
    assert [r["rule"] for r in summary["rule_counts"]] == ["SSPR001", "SSPR002", "PHN001", "EML001", "TEN001"]
    assert (summary["admins_total"], summary["admins_ready"], summary["collection_failures"]) == (2, 1, 1)
    assert [s["source"] for s in summary["sources_not_read"]] == ["registration_details", "on_premises_sync"]


def test_empty_tenant_is_valid_and_has_no_percentage(tmp_path, schema):
    report = read_json(tmp_path, audit_result())
    jsonschema.validate(report, schema, cls=jsonschema.Draft202012Validator)
    assert report["summary"]["ready_percent"] is None
    assert report["users"] == [] and report["findings"] == []


# -- Summary --------------------------------------------------------------------------------------------------------


def test_summary_departments_and_all_statuses():
    s = summarize(sample_result())
    assert [c.status for c in s.status_counts] == list(Readiness)
    assert [d.name for d in s.departments] == ["=1+1", "IT", "Legal", "Sales", NO_DEPARTMENT]
    it = next(d for d in s.departments if d.name == "IT")
    assert it.total == 4
    assert dict(zip([c.status for c in s.status_counts], it.counts, strict=True))[Readiness.NOT_READY] == 2
    assert "excluded" in s.ready_label and "out-of-scope" in s.ready_label
    assert [(f.upn, f.state) for f in s.failures] == [("johanna.lorenz@contoso.example", "failed")]
    (registration,) = [n for n in s.notices if n.source == "registration_details"]
    assert "security questions" in registration.notice and "AuditLog.Read.All" in registration.notice
    assert registration.detail.startswith("HTTP 403; Authentication_RequestFromNonPremiumTenantOrB2CTenant")


# -- CSV ------------------------------------------------------------------------------------------------------------


def test_csv_one_row_per_finding_with_bom(tmp_path):
    raw, rows = read_csv(tmp_path, sample_result())
    assert raw.startswith(b"\xef\xbb\xbf")
    assert list(rows[0]) == list(csv_report.COLUMNS)
    assert len(rows) == 7
    diego = next(r for r in rows if r["upn"] == "diego.siciliani@contoso.example")
    assert diego["message"] == "Number lacks +country code.\nLine two."
    assert (diego["status"], diego["department"], diego["value"]) == ("at_risk", "IT", "4251234567")
    assert diego["suggestion"] == "'+1 4251234567"
    tenant_row = rows[-1]
    assert (tenant_row["rule"], tenant_row["upn"], tenant_row["status"]) == ("TEN001", "", "")


@pytest.mark.parametrize("text", ["=1+1", "+1 4251234567", "-2+3", "@SUM(A1)", "\tx", "\r=1"])
def test_csv_neutralises_formula_starts(tmp_path, text):
    ur = user_result(user("f@contoso.example", display_name=text, department=text))
    result = audit_result(
        (ur,), (finding("PHN001", Severity.MEDIUM, ur, message=text, value=text, suggestion=text, field=text),)
    )
    _, (row,) = read_csv(tmp_path, result)
    for column in ("display_name", "department", "field", "value", "message", "suggestion"):
        assert row[column] == "'" + text


def test_csv_leaves_ordinary_text_alone(tmp_path):
    ur = user_result(user("plain@contoso.example", display_name="José O'Neil, Jr.", department="R&D"))
    result = audit_result((ur,), (finding("PHN001", Severity.MEDIUM, ur, value="4251234567 = main line"),))
    _, (row,) = read_csv(tmp_path, result)
    assert (row["display_name"], row["department"], row["value"]) == (
        "José O'Neil, Jr.",
        "R&D",
        "4251234567 = main line",
    )


# -- Naming and writing ---------------------------------------------------------------------------------------------


def test_default_stem_is_a_safe_file_name():
    result = sample_result(tenant=tenant(display_name="Contoso Ünïted / R&D: <Ltd>."))
    assert default_stem(result) == "sspr-audit_contoso-united-r-d-ltd_20250304-050607"
    nameless = sample_result(tenant=tenant(display_name=""), generated_at="2025-03-04T07:06:07+02:00")
    assert default_stem(nameless) == "sspr-audit_contoso-example_20250304-050607"
    odd = sample_result(tenant=tenant(display_name="日本"), generated_at="not a date")
    assert default_stem(odd) == "sspr-audit_tenant_00000000-000000"


def test_write_reports_writes_every_format_owner_only(tmp_path):
    out = tmp_path / "reports"
    paths = write_reports(sample_result(), out, FORMATS, stem="audit")
    assert [p.name for p in paths] == ["audit.html", "audit.xlsx", "audit.json", "audit.csv"]
    for p in paths:
        assert p.stat().st_mode & 0o777 == 0o600
    assert out.stat().st_mode & 0o777 == 0o700
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in paths)


@pytest.mark.parametrize(
    ("formats", "stem"),
    [
        (["pdf"], None),
        (["json"], "../x"),
        (["json"], "a/b"),
        (["json"], " "),
        (["json"], "name."),
        (["json"], "CON"),
        (["json"], "nul.report"),
    ],
)
def test_write_reports_rejects_bad_input(tmp_path, formats, stem):
    with pytest.raises(InputError):
        write_reports(sample_result(), tmp_path, formats, stem=stem)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("module", "broken"),
    [(json_report, "_user"), (csv_report, "neutralise"), (xlsx, "_users_sheet"), (html, "write_payload")],
)
def test_failed_write_leaves_previous_file_intact(tmp_path, monkeypatch, module, broken):
    path = tmp_path / "report.out"
    module.render(sample_result(), path)
    before = path.read_bytes()

    def fail(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(module, broken, fail)
    smaller = replace(sample_result(), users=sample_result().users[:1])
    with pytest.raises(RuntimeError):
        module.render(smaller, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["report.out"]


def test_heavy_libraries_load_only_when_their_format_is_written():
    code = (
        "import sys, sspr_audit.render, sspr_audit.render.json_report, sspr_audit.render.csv_report;"
        "print(sorted(m for m in ('openpyxl', 'jinja2') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_summary_lists_admins_needing_action_first():
    ready = user_result(user("a.admin@contoso.example"), Readiness.READY, is_admin=True)
    not_ready = user_result(user("z.admin@contoso.example"), Readiness.NOT_READY, is_admin=True, usable=())
    plain = user_result(user("m.user@contoso.example"))
    admins = summarize(audit_result((ready, plain, not_ready))).admins
    assert [(a.upn, a.index, a.usable_count, a.required) for a in admins] == [
        ("z.admin@contoso.example", 2, 0, 2),
        ("a.admin@contoso.example", 0, 1, 2),
    ]
