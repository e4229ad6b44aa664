"""Hostile directory data from the emulator, through the collector, into every report.

The tenant in :mod:`tests.nasty_tenant` is served over a real loopback
socket, collected, audited and written in every format; each report is then
read back (an HTML parser, openpyxl and the raw sheet XML, the csv module, the
JSON Schema) to prove that nothing was lost, mangled, cut or made live.
"""

from __future__ import annotations

import asyncio
import csv
import json
import re
import unicodedata
import urllib.request
import zipfile
from collections import Counter
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import openpyxl
import pytest

from sspr_audit.audit.engine import load_policy, run
from sspr_audit.audit.results import AuditResult
from sspr_audit.collect.collector import collect
from sspr_audit.collect.options import CollectOptions
from sspr_audit.emulator.config import EmulatorConfig
from sspr_audit.emulator.expected import expected_collection
from sspr_audit.emulator.server import emulator_in_thread
from sspr_audit.render import templates, write_reports
from sspr_audit.snapshot import to_dict
from sspr_audit.snapshot.models import CollectionState, Snapshot, User
from tests.builders import nasty

NOW = "2025-02-03T04:05:06Z"
CONFIG = EmulatorConfig(throttle="off")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Reports:
    result: AuditResult
    html: Path
    xlsx: Path
    json: Path
    csv: Path


@cache
def truth() -> Snapshot:
    return nasty.nasty_tenant()


@pytest.fixture(scope="module")
def served() -> tuple[Snapshot, dict]:
    """The collected snapshot, and the raw methods JSON Graph served for the user with unknown types."""
    with emulator_in_thread(truth(), CONFIG) as emulator:
        request = urllib.request.Request(
            f"{emulator.url}/v1.0/users/{nasty.UNRECOGNISED_USER_ID}/authentication/methods",
            headers={"Authorization": f"Bearer {CONFIG.token}"},
        )
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never through a proxy
        with direct.open(request, timeout=10) as response:
            raw_methods = json.load(response)
        options = CollectOptions(
            graph_url=emulator.url,
            access_token=CONFIG.token,
            backoff_base=0.001,
            scope_groups=(nasty.HOSTILE_GROUP.display_name,),
        )
        snapshot, _ = asyncio.run(collect(options, now=NOW))
    return snapshot, raw_methods


@pytest.fixture(scope="module")
def collected(served) -> Snapshot:
    return served[0]


@pytest.fixture(scope="module")
def reports(collected, tmp_path_factory) -> Reports:
    result = run(collected, load_policy(None, collected), generated_at="2025-02-03T05:00:00Z")
    paths = write_reports(result, tmp_path_factory.mktemp("nasty"), ["html", "xlsx", "json", "csv"], stem="nasty")
    return Reports(result, *paths)


def enabled_users() -> list[User]:
    return [u for u in truth().users if u.account_enabled]


# -- 1. the emulator and the collector carry every value as it is -------------------------------------------------


def test_the_fixture_holds_what_it_promises():
    users = truth().users
    texts = {t for u in users for t in (u.display_name, u.department, u.job_title)}
    assert set(nasty.HOSTILE) <= texts
    assert any(u.display_name is None for u in users) and any(u.department is None for u in users)
    assert any(u.mobile_phone is None for u in users) and any(u.usage_location is None for u in users)
    assert any(not u.business_phones for u in users) and any(not u.other_mails for u in users)
    upns = Counter(u.user_principal_name.casefold() for u in users)
    assert upns["alex@contoso.com"] == 2 and 35 <= len(users) <= 45
    assert all(len(text) == 10_000 for text in nasty.LONG_FIELDS)


def test_the_emulator_serves_an_unknown_method_type_as_it_is(served):
    _, raw = served
    types = [m["@odata.type"] for m in raw["value"]]
    assert nasty.FUTURE_TYPE in types and nasty.TELEPATHY_TYPE in types
    future = next(m for m in raw["value"] if m["@odata.type"] == nasty.FUTURE_TYPE)
    assert future["id"] == "f00dfeed-0000-4000-8000-000000000001" and future["displayName"] == nasty.XSS_IMG


def test_collection_equals_truth_byte_for_byte(collected):
    expected = expected_collection(truth())
    assert [to_dict(u) for u in collected.users] == [to_dict(u) for u in expected.users]
    stable = ("id", "display_name", "verified_domains", "on_premises_sync_enabled", "settings", "groups")
    assert {f: to_dict(getattr(collected.tenant, f)) for f in stable} == {
        f: to_dict(getattr(expected.tenant, f)) for f in stable
    }
    assert [{**to_dict(s), "message": None} for s in collected.tenant.sources] == [
        to_dict(s) for s in expected.tenant.sources
    ]


def test_unknown_method_types_are_kept_as_unrecognised(collected):
    quantum = next(u for u in collected.users if u.id == nasty.UNRECOGNISED_USER_ID)
    unknown = [(m.type, m.odata_type, m.display_name) for m in quantum.methods if m.type == "unrecognised"]
    assert unknown == [("unrecognised", nasty.FUTURE_TYPE, nasty.XSS_IMG), ("unrecognised", nasty.TELEPATHY_TYPE, None)]


def test_case_twins_stay_two_users(collected):
    twins = {
        u.id: u.user_principal_name for u in collected.users if u.user_principal_name.casefold() == "alex@contoso.com"
    }
    assert twins == {nasty.ALEX_UPPER_ID: "Alex@contoso.com", nasty.ALEX_LOWER_ID: "alex@contoso.com"}


# -- 2. no report runs anything from the data -----------------------------------------------------------------------


class Page(HTMLParser):
    """Elements with their attributes, script elements with their text, and the text outside scripts."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.text: list[str] = []
        self._script: dict[str, str | None] | None = None
        self._buffer: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        if tag == "script":
            self._script, self._buffer = dict(attrs), []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._buffer)))
            self._script = None

    def handle_data(self, data: str) -> None:
        (self._buffer if self._script is not None else self.text).append(data)


@cache
def template_tags() -> frozenset[str]:
    """Every element name the report's template writes: any other element came from data."""
    template = templates.text("report.html.j2")
    return frozenset(t.lower() for t in re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", template))


def html_page(reports: Reports) -> Page:
    return Page(reports.html.read_text(encoding="utf-8"))


def embedded(page: Page) -> dict:
    [data] = [text for attrs, text in page.scripts if attrs.get("type") == "application/json"]
    return json.loads(data)


def html_users(data: dict) -> list[tuple]:
    """(upn, display name, department, manager) of each user row in the embedded data."""
    s = data["s"]

    def text(i: int | None) -> str | None:
        return None if i is None else s[i]

    return [(text(row[0]), text(row[1]), text(row[2]), text(row[3])) for row in data["u"]]


def test_html_holds_no_live_markup_from_data(reports):
    page = html_page(reports)
    js = templates.text("report.js")
    assert [(attrs, text == js) for attrs, text in page.scripts if attrs.get("type") != "application/json"] == [
        ({}, True)
    ]
    assert len(page.scripts) == 2 and [a for a, _ in page.scripts if a.get("type") == "application/json"] == [
        {"type": "application/json", "id": "data"}
    ]
    tags = {tag for tag, _ in page.elements}
    assert tags <= template_tags() and "img" not in tags
    handlers = [(tag, name) for tag, attrs in page.elements for name in attrs if name.lower().startswith("on")]
    assert handlers == []
    links = [v for _, attrs in page.elements for k, v in attrs.items() if k in ("href", "src", "action")]
    documentation = {r.doc_url for r in reports.result.rules}
    assert not [v for v in links if v and not v.startswith("#") and v not in documentation]


def test_html_shows_hostile_text_as_text(reports, collected):
    page = html_page(reports)
    text = "".join(page.text)
    assert collected.tenant.display_name in text  # the title and heading
    failed = next(u for u in collected.users if u.collection.state == CollectionState.FAILED)
    assert failed.display_name == nasty.XSS_SCRIPT and nasty.XSS_SCRIPT in text  # the failures list
    assert nasty.RLO in text and f"{nasty.ARABIC} {nasty.HEBREW}" in text  # the administrators table
    assert nasty.JINJA_EXPR in text and nasty.JINJA_RAW in text  # template syntax from data is never evaluated


def test_html_embedded_data_holds_the_exact_strings(reports, collected):
    data = embedded(html_page(reports))
    assert set(nasty.HOSTILE) - {nasty.LONG_TITLE} <= set(data["s"])  # job titles are not in the HTML report
    names = {u.id: u for u in collected.users}
    expected = sorted(
        (
            u.user_principal_name,
            u.display_name,
            u.department,
            names[u.manager_id].display_name if u.manager_id in names else u.manager_name,
        )
        for u in collected.users
    )
    assert sorted(html_users(data), key=repr) == sorted(expected, key=repr)


def workbook_cells(path: Path) -> list:
    workbook = openpyxl.load_workbook(path)
    return [cell for ws in workbook.worksheets for row in ws.iter_rows() for cell in row]


def test_no_workbook_cell_is_a_formula_and_every_value_is_text(reports):
    cells = workbook_cells(reports.xlsx)
    assert [c.coordinate for c in cells if c.data_type in ("f", "e")] == []
    with zipfile.ZipFile(reports.xlsx) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        assert sheets and not [n for n in sheets if re.search(rb"<(\w+:)?f[ >/]", archive.read(n))]
    values = [c.value for c in cells if isinstance(c.value, str)]
    assert set(nasty.HOSTILE) - {nasty.LONG_TITLE} <= set(values)  # the workbook shows no job title
    strings = {c.value for c in cells if c.data_type == "s"}
    assert {nasty.HYPERLINK, nasty.ONE_PLUS_ONE, nasty.NOT_AVAILABLE, nasty.DIVIDE_BY_ZERO, nasty.DDE} <= strings


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def shown(value: str | None) -> str:
    """How a value must appear in the CSV: formula-like text (also behind blanks or in full-width forms)
    behind a quote, None as empty."""
    if value is None:
        return ""
    folded = unicodedata.normalize("NFKC", value).lstrip()
    return "'" + value if value.startswith(FORMULA_STARTS) or folded.startswith(FORMULA_STARTS) else value


def test_no_csv_field_can_run_as_a_formula(reports):
    rows = read_csv(reports.csv)
    assert rows
    starts = [(i, k, v[:20]) for i, row in enumerate(rows) for k, v in row.items() if v.startswith(FORMULA_STARTS)]
    assert starts == []
    names = {row["display_name"] for row in rows}
    assert {
        shown(nasty.HYPERLINK),
        shown(nasty.XSS_SCRIPT),
        shown(nasty.TAB_FIRST),
        shown(nasty.CR_FIRST),
        shown(nasty.NEWLINES),
        shown(nasty.RLO),
    } <= names


def test_json_report_validates_and_holds_the_exact_strings(reports, collected, report_schema):
    report = json.loads(reports.json.read_text(encoding="utf-8"))
    jsonschema.validate(report, report_schema)
    by_id = {u["id"]: u for u in report["users"]}
    for user in collected.users:
        got = by_id[user.id]
        assert (got["upn"], got["display_name"], got["department"], got["job_title"]) == (
            user.user_principal_name,
            user.display_name,
            user.department,
            user.job_title,
        )
    assert report["tenant"]["display_name"] == collected.tenant.display_name
    texts = {u[k] for u in report["users"] for k in ("display_name", "department", "job_title")}
    assert set(nasty.HOSTILE) <= texts


def test_findings_about_odd_numbers_and_addresses_are_carried_whole(reports):
    findings = Counter((f.rule, f.user_id, f.field, f.value, f.message) for f in reports.result.findings)
    values = {f.value for f in reports.result.findings}
    assert {
        nasty.MOBILES[6],
        "+1 4255550100X12345",
        "+1 425-CALL-NOW",
        "=1+1",
        "\uff41\uff42\uff43@example.com",
        "-4255550100",
    } <= values  # full-width digits, an extension, letters, formula-like, a leading minus
    report = json.loads(reports.json.read_text(encoding="utf-8"))
    assert (
        Counter((f["rule"], f["user_id"], f["field"], f["value"], f["message"]) for f in report["findings"]) == findings
    )
    workbook = openpyxl.load_workbook(reports.xlsx, read_only=True)
    rows = list(workbook["Findings"].iter_rows(values_only=True))
    at = {name: rows[0].index(name) for name in ("Rule", "User id", "Field", "Value", "Message")}
    padded = [r + (None,) * (len(rows[0]) - len(r)) for r in rows[1:]]  # read-only rows stop at the last value
    assert (
        Counter(tuple(r[at[k]] for k in ("Rule", "User id", "Field", "Value", "Message")) for r in padded) == findings
    )


def test_every_report_names_an_unrecognised_method(reports):
    report = json.loads(reports.json.read_text(encoding="utf-8"))
    wanted = {nasty.FUTURE_TYPE, nasty.TELEPATHY_TYPE}
    found = [f for f in report["findings"] if f["user_id"] == nasty.UNRECOGNISED_USER_ID and f["value"] in wanted]
    assert {f["value"] for f in found} == wanted and all("unrecognised" in f["message"] for f in found)
    assert wanted <= {r["value"] for r in read_csv(reports.csv) if r["user_id"] == nasty.UNRECOGNISED_USER_ID}
    cells = workbook_cells(reports.xlsx)
    assert wanted <= {c.value for c in cells}
    assert wanted <= set(embedded(html_page(reports))["s"])


# -- 3. every user appears in every report exactly once ------------------------------------------------------------


def test_every_user_is_in_every_report_exactly_once(reports, collected):
    ids = Counter(u.id for u in collected.users)
    assert len(ids) == len(enabled_users()) and set(ids.values()) == {1}
    assert nasty.DISABLED_USER_ID not in ids
    report = json.loads(reports.json.read_text(encoding="utf-8"))
    assert Counter(u["id"] for u in report["users"]) == ids
    data = embedded(html_page(reports))
    assert Counter(row[0] for row in html_users(data)) == Counter(u.user_principal_name for u in collected.users)
    assert len(data["u"]) == len(ids)
    workbook = openpyxl.load_workbook(reports.xlsx, read_only=True)
    rows = list(workbook["Users"].iter_rows(values_only=True))
    column = rows[0].index("User id")
    assert Counter(r[column] for r in rows[1:]) == ids
    upn = rows[0].index("UPN")
    twins = {r[column]: r[upn] for r in rows[1:] if r[upn].casefold() == "alex@contoso.com"}
    assert twins == {nasty.ALEX_UPPER_ID: "Alex@contoso.com", nasty.ALEX_LOWER_ID: "alex@contoso.com"}


def test_csv_holds_exactly_each_users_findings(reports):
    def key(rule: str, field: str | None, value: str | None, message: str) -> tuple:
        return rule, shown(field), shown(value), shown(message)

    expected: dict[str, Counter] = {}
    for f in reports.result.findings:
        expected.setdefault(f.user_id or "", Counter())[key(f.rule, f.field, f.value, f.message)] += 1
    got: dict[str, Counter] = {}
    for row in read_csv(reports.csv):
        got.setdefault(row["user_id"], Counter())[(row["rule"], row["field"], row["value"], row["message"])] += 1
    assert got == expected
    users = {u.user.id: u.user for u in reports.result.users}
    for row in read_csv(reports.csv):
        if row["user_id"]:
            assert (row["upn"], row["display_name"]) == (
                shown(users[row["user_id"]].user_principal_name),
                shown(users[row["user_id"]].display_name),
            )
    assert {nasty.ALEX_UPPER_ID, nasty.ALEX_LOWER_ID} <= got.keys()


# -- 4. ten thousand characters survive whole -----------------------------------------------------------------------


def test_long_fields_survive_whole_everywhere(reports):
    report = json.loads(reports.json.read_text(encoding="utf-8"))
    json_texts = {u[k] for u in report["users"] for k in ("display_name", "department", "job_title")}
    assert set(nasty.LONG_FIELDS) <= json_texts and nasty.LONG_NAME + "!" in json_texts
    html_texts = set(embedded(html_page(reports))["s"])
    assert {nasty.LONG_NAME, nasty.LONG_NAME + "!", nasty.LONG_DEPARTMENT} <= html_texts
    cells = workbook_cells(reports.xlsx)
    values = {c.value for c in cells if isinstance(c.value, str)}
    assert {nasty.LONG_NAME, nasty.LONG_NAME + "!", nasty.LONG_DEPARTMENT} <= values
    assert not [v for v in values if "truncated" in v]
