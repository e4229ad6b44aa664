"""The HTML report, parsed back with the standard library's HTML parser."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections import Counter
from dataclasses import replace
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sspr_audit.audit.results import Readiness, Severity
from sspr_audit.render import html
from sspr_audit.render.summary import SOURCE_LOSSES, STATUS_LABELS, summarize
from tests.builders.results import (
    FORMULAS,
    RULES,
    XSS_IMG,
    XSS_SCRIPT,
    audit_result,
    bulk_result,
    rule,
    sample_result,
    sample_users,
    tenant,
    user,
    user_result,
)

URL = re.compile(r"https?://", re.IGNORECASE)


def message(data: dict, finding: list) -> str:
    """A finding's message from the embedded data: one string, or its clauses joined."""
    m = finding[5]
    return "".join(data["s"][i] for i in m) if isinstance(m, list) else data["s"][m]


class Page(HTMLParser):
    """Every element with its attributes, the text of each script and style, and the visible text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.styles: list[str] = []
        self.text: list[str] = []
        self.ids: set[str] = set()
        self._raw: tuple[str, dict[str, str | None]] | None = None
        self._buffer: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        if attributes.get("id"):
            self.ids.add(attributes["id"] or "")
        if tag in ("script", "style"):
            self._raw = (tag, attributes)
            self._buffer = []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if self._raw and tag == self._raw[0]:
            content = "".join(self._buffer)
            if tag == "script":
                self.scripts.append((self._raw[1], content))
            else:
                self.styles.append(content)
            self._raw = None

    def handle_data(self, data: str) -> None:
        (self._buffer if self._raw else self.text).append(data)

    def tags(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.elements if tag == name]

    def data(self) -> dict:
        (content,) = [text for attrs, text in self.scripts if attrs.get("id") == "data"]
        return json.loads(content)


def render(result, tmp_path: Path, name: str = "report.html") -> tuple[Page, str]:
    path = html.render(result, tmp_path / name)
    raw = path.read_text(encoding="utf-8")
    return Page(raw), raw


def csp_hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


def test_hostile_names_stay_text(tmp_path):
    page, raw = render(sample_result(), tmp_path)
    assert page.tags("img") == []
    assert [attrs for attrs, _ in page.scripts] == [{"type": "application/json", "id": "data"}, {}]
    assert "onerror" not in {k for _, attrs in page.elements for k in attrs}
    names = {u[1] for u in page.data()["u"]}
    strings = page.data()["s"]
    assert {XSS_IMG, XSS_SCRIPT, *FORMULAS[:1]} <= {strings[i] for i in names if i is not None}
    data_raw = raw.split('<script type="application/json" id="data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in data_raw and ">" not in data_raw and "&" not in data_raw


def test_line_and_paragraph_separators_are_escaped(tmp_path):
    ur = user_result(user("sep@contoso.example", display_name="a\u2028b\u2029c"))
    page, raw = render(audit_result((ur,)), tmp_path)
    assert "\u2028" not in raw and "\u2029" not in raw
    data = page.data()
    assert data["s"][data["u"][0][1]] == "a\u2028b\u2029c"


def test_csp_allows_only_the_inline_script_and_style_by_hash(tmp_path):
    page, _ = render(sample_result(), tmp_path)
    (meta,) = [m for m in page.tags("meta") if m.get("http-equiv") == "Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in (meta["content"] or "").split(";"))
    assert directives["default-src"] == "'none'"
    (script,) = [text for attrs, text in page.scripts if not attrs]
    (style,) = page.styles
    assert directives["script-src"] == f"'{csp_hash(script)}'"
    assert directives["style-src"] == f"'{csp_hash(style)}'"
    assert "unsafe" not in (meta["content"] or "")


def test_nothing_is_loaded_and_only_doc_links_are_urls(tmp_path):
    result = sample_result()
    page, _ = render(result, tmp_path)
    assert not any("src" in attrs for _, attrs in page.elements)
    assert page.tags("link") == [] and page.tags("iframe") == [] and page.tags("object") == []
    doc_urls = {r.doc_url for r in RULES} | {p.source for p in result.timeline}
    links = [a["href"] for a in page.tags("a")]
    assert doc_urls <= set(links)
    for tag, attrs in page.elements:
        for name, value in attrs.items():
            if value and URL.search(value):
                assert (tag, name, value in doc_urls) == ("a", "href", True)
    # Directory text may hold a URL (shown as text, never loaded); the report's own text holds none.
    without_urls = tuple(
        replace(u, user=replace(u.user, display_name="Plain")) if URL.search(u.user.display_name or "") else u
        for u in result.users
    )
    plain, _ = render(replace(result, users=without_urls), tmp_path, "plain.html")
    assert not any(URL.search(t) for t in plain.text)
    for attrs, text in page.scripts:
        if not attrs:
            assert not URL.search(text)
    assert not any(URL.search(s) or "url(" in s for s in page.styles)


def test_doc_link_only_for_web_urls(tmp_path):
    rules = (rule("SSPR001", "No SSPR method", Severity.CRITICAL, doc_url="javascript:alert(1)"),)
    page, _ = render(audit_result(sample_users(), rules=rules), tmp_path)
    assert not any("javascript:" in (a["href"] or "") for a in page.tags("a"))
    assert "rule-SSPR001" in page.ids


def test_data_holds_every_user_once_and_findings_point_at_them(tmp_path):
    result = sample_result()
    page, _ = render(result, tmp_path)
    data = page.data()
    s = data["s"]
    upns = [s[u[0]] for u in data["u"]]
    assert sorted(upns) == sorted(u.user.user_principal_name for u in result.users)
    assert len(set(upns)) == len(upns) == 10
    assert upns == sorted(upns)
    assert len(data["f"]) == len(result.findings)
    rendered = sorted(
        (data["r"][f[0]][0], data["sv"][f[1]][0], s[data["u"][f[2]][0]] if f[2] >= 0 else None, message(data, f))
        for f in data["f"]
    )
    assert rendered == sorted((f.rule, f.severity.value, f.upn, f.message) for f in result.findings)
    statuses = [st for st, _ in data["st"]]
    alex = data["u"][upns.index("alex.wilber@contoso.example")]
    assert statuses[alex[5]] == "ready_unverified"
    method = alex[10][0]
    assert (s[method[0]], method[1], s[method[2]], s[method[3]]) == ("mobile_phone", 1, "mobilePhone", "+1 4251234567")


def test_summary_sections_show_counts_admins_notices_policy_and_rules(tmp_path):
    result = sample_result()
    page, _ = render(result, tmp_path)
    text = " ".join(" ".join(page.text).split())
    assert "50.0%" in text  # 4 of 8 users in scope: ready, ready_unverified, at_risk
    assert "4 of 8 users in SSPR scope" in text
    assert SOURCE_LOSSES["registration_details"] in text
    assert SOURCE_LOSSES["on_premises_sync"] in text
    upns = [s["s"][u[0]] for s in [page.data()] for u in s["u"]]
    admin_buttons = {b["data-user"] for b in page.tags("button") if b.get("data-user")}
    assert str(upns.index("megan.bowen@contoso.example")) in admin_buttons
    assert str(upns.index("nestor.wilke@contoso.example")) in admin_buttons
    assert "Helpdesk Administrator (eligible, via group Helpdesk admins)" in text
    for setting in result.policy:
        assert f"{setting.name} {setting.value} {setting.origin}" in text
    assert Path(result.policy_source).name in text and result.policy_source not in text  # no local path
    for r in RULES:
        assert f"rule-{r.id}" in page.ids
        assert r.why in text and r.fix in text
    assert f"johanna.lorenz@contoso.example {FORMULAS[0]} (failed): HTTP 503 after 3 retries" in text
    assert "(no department)" in text


def test_tables_are_filled_client_side_with_sortable_headers(tmp_path):
    page, _ = render(sample_result(), tmp_path)
    assert {"ft", "ut", "ft-q", "ft-sev", "ft-rule", "ft-st", "ft-pager", "ut-pager", "detail"} <= page.ids
    sort_buttons = [b for b in page.tags("button") if b.get("class") == "sort"]
    assert len(sort_buttons) == 10 + 10
    severity_options = [o["value"] for o in page.tags("option")][:6]
    assert severity_options == ["", "0", "1", "2", "3", "4"]


def test_a_message_no_other_finding_shares_is_embedded_as_its_clauses_and_joins_back_exactly(tmp_path):
    base = sample_result()
    own = "Can reset today but not from 1 March 2027: security questions retire. No longer counting: +1 4255550100."
    shared = "Shared by two findings: both users. The same words."
    findings = (
        replace(base.findings[0], message=own),
        replace(base.findings[1], message=shared),
        replace(base.findings[2], message=shared),
    )
    page, _ = render(replace(base, findings=findings), tmp_path)
    data = page.data()
    stored = {message(data, f): f[5] for f in data["f"]}
    assert set(stored) == {own, shared}
    assert [data["s"][i] for i in stored[own]] == [
        "Can reset today but not from 1 March 2027: ",
        "security questions retire. ",
        "No longer counting: ",
        "+1 4255550100.",
    ]
    assert isinstance(stored[shared], int)  # stored once, whole


def test_large_tenant_is_embedded_not_drawn(tmp_path):
    page, raw = render(bulk_result(2000), tmp_path)
    small, small_raw = render(bulk_result(1000), tmp_path, "small.html")
    assert len(page.data()["u"]) == 2000
    assert len(page.data()["f"]) == 200
    # The DOM does not grow with the tenant: the findings table's first page is drawn in the page, the rest is data.
    assert len(page.tags("tr")) == len(small.tags("tr")) < 60 + 100
    assert len(raw) - len(small_raw) < 1000 * 200  # under 200 characters for each user more


def test_output_is_deterministic(tmp_path):
    first = html.render(sample_result(), tmp_path / "a.html").read_bytes()
    second = html.render(sample_result(), tmp_path / "b.html").read_bytes()
    assert first == second
    reordered = sample_result()
    reordered = replace(reordered, users=reordered.users[::-1], findings=reordered.findings[::-1])
    assert html.render(reordered, tmp_path / "c.html").read_bytes() == first


@pytest.mark.parametrize("generated_at", ["2025-03-04T05:06:07Z", "2026-01-01T00:00:00Z"])
def test_generated_at_comes_from_the_result(tmp_path, generated_at):
    page, _ = render(sample_result(generated_at=generated_at), tmp_path)
    assert any(t.get("datetime") == generated_at for t in page.tags("time"))


def test_file_is_owner_only(tmp_path):
    path = html.render(sample_result(), tmp_path / "r.html")
    assert path.stat().st_mode & 0o777 == 0o600


def test_writeback_unreadable_by_design_is_a_note_not_a_warning(tmp_path):
    _, raw = render(sample_result(), tmp_path)
    warning, rest = raw.split('<section id="readiness"', 1)
    coverage = rest.split('<section id="coverage"', 1)[1].split("</section>", 1)[0]
    assert "Registration report (userRegistrationDetails)" in warning  # a source that matters still warns
    assert "password writeback" not in warning.split("<main", 1)[1]
    assert "<strong>On-premises synchronization (password writeback)</strong> cannot be read by design" in coverage
    (row,) = [r for r in coverage.split("<tr")[1:] if "(password writeback)</th>" in r]
    assert not row.startswith(' class="unread"')


def test_header_names_the_demo_policy_without_its_path(tmp_path):
    from sspr_audit.demo import demo_policy_path

    page, raw = render(replace(sample_result(), policy_source=str(demo_policy_path())), tmp_path)
    assert "built-in demo policy" in " ".join(page.text)
    assert str(demo_policy_path().parent) not in raw


def test_small_counts_show_as_small_not_zero():
    assert html.share_text(1, 10_000) == "<0.1%"
    assert html.share_text(0, 10_000) == "0.0%"
    assert html.share_text(5, 10_000) == "0.1%"
    summary = html.summarize(sample_result())
    counts = tuple(replace(c, count=[5_000, 1, 0, 0, 0][i]) for i, c in enumerate(summary.severity_counts))
    bars = html.severity_bars(replace(summary, severity_counts=counts))
    assert [b.width for b in bars] == [1000.0, html.MIN_BAR, 0.0, 0.0, 0.0]


def readiness_rows(raw: str) -> list[list[str]]:
    """The cells of each row of the "Users per readiness status" table, as text."""
    table = raw[raw.index("<caption>Users per readiness status</caption>") :]
    table = table[: table.index("</table>")]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
    cells = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S) for r in rows]
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in row] for row in cells]


def test_headline_table_and_bar_share_one_denominator(tmp_path):
    page, raw = render(sample_result(), tmp_path)  # 10 users: 8 in SSPR scope, 1 excluded, 1 out of scope
    text = " ".join(" ".join(page.text).split())
    assert "4 of 8 users in SSPR scope" in text
    header, *rows = readiness_rows(raw)
    assert header == ["Status", "Users", "Share of users in SSPR scope"]
    shares = {r[0]: r[2] for r in rows}
    assert shares["Ready"] == "25.0%" and shares["Not ready"] == "37.5%"  # 2 and 3 of 8, not of 10
    assert shares["In SSPR scope"] == "100%" and rows[[r[0] for r in rows].index("In SSPR scope")][1] == "8"
    assert shares["Excluded by policy"] == shares["Out of SSPR scope"] == "not counted"
    assert ["All users read", "10", ""] in rows
    assert "The bar and the shares below are of the 8 users in SSPR scope" in text
    assert "Not counted: 1 excluded by policy, 1 out of SSPR scope." in text
    bar = raw[raw.index('<svg class="bar"') : raw.index("</svg>", raw.index('<svg class="bar"'))]
    assert "st-excluded" not in bar and "st-out_of_scope" not in bar
    widths = [float(w) for w in re.findall(r'<rect class="st-[a-z_]+" x="[\d.]+" y="0" width="([\d.]+)"', bar)]
    assert abs(sum(widths) - 1000) < 0.1  # the in-scope statuses fill the bar


def test_backticks_in_rule_texts_show_as_code_and_stay_escaped(tmp_path):
    why = f"Set `mobile` or `telephoneNumber`, not `{XSS_SCRIPT}`; a lone ` stays."
    fix = "Run `Update-MgUser -MobilePhone '+1 425'` & check."
    result = replace(sample_result(), rules=(rule("PHN001", "Phone", Severity.MEDIUM, why=why, fix=fix),))
    page, raw = render(result, tmp_path)
    text = "".join(page.text)
    assert "<code>mobile</code> or <code>telephoneNumber</code>" in raw
    assert "<code>Update-MgUser -MobilePhone &#39;+1 425&#39;</code> &amp; check." in raw
    assert f"Set mobile or telephoneNumber, not {XSS_SCRIPT}; a lone ` stays." in text  # the script is text
    assert XSS_SCRIPT not in raw
    assert "`mobile`" not in text


def test_microsofts_flags_are_embedded_only_for_users_with_a_registration_report_row(tmp_path):
    from sspr_audit.snapshot.models import RegistrationDetails

    base = sample_result()
    reg = RegistrationDetails(("email",), is_sspr_registered=True, is_sspr_enabled=False, is_sspr_capable=None)
    first = replace(base.users[0], user=replace(base.users[0].user, registration=reg))
    page, _ = render(replace(base, users=(first, *base.users[1:])), tmp_path)
    data = page.data()
    flags = {data["s"][u[0]]: data["s"][u[18]] if len(u) > 18 and u[18] is not None else None for u in data["u"]}
    assert flags.pop(first.user.user_principal_name) == (
        "registered: yes, enabled: no, capable: not reported. Microsoft's registration report (it lags by up to"
        " 36 hours), not this audit's verdict. Not compared: the report gives no isSsprCapable for this user."
    )
    assert set(flags.values()) == {None}


def admin_rows(raw: str) -> dict[str, str]:
    """Each administrator's UPN and the text of their "Usable / required" cell."""
    section = raw[raw.index('<section id="admins"') : raw.index("</section>", raw.index('<section id="admins"'))]
    rows = re.findall(r'data-user="\d+">([^<]+)</button>.*?<td class="n">([^<]*)</td></tr>', section, re.S)
    return dict(rows)


def test_administrator_whose_methods_were_not_read_shows_not_read(tmp_path):
    base = sample_result()
    users = tuple(replace(u, is_admin=True, required=2) if u.status.value == "unknown" else u for u in base.users)
    _, raw = render(replace(base, users=users), tmp_path)
    assert admin_rows(raw) == {
        "megan.bowen@contoso.example": "1 / 2",
        "johanna.lorenz@contoso.example": "not read",
        "nestor.wilke@contoso.example": "2 / 2",
    }


def test_past_the_user_limit_the_report_keeps_findings_and_users_who_need_action(tmp_path):
    result = sample_result()
    path = html.render(result, tmp_path / "capped.html", user_limit=2)
    page = Page(path.read_text(encoding="utf-8"))
    data = page.data()
    need_action = {Readiness.NOT_READY, Readiness.UNKNOWN, Readiness.AT_RISK}
    listed = [u for u in result.users if u.status in need_action]
    assert 0 < len(listed) < len(result.users)
    assert sorted(data["s"][u[0]] for u in data["u"]) == sorted(u.user.user_principal_name for u in listed)
    assert len(data["f"]) == len(result.findings)

    def finding_upn(f: list) -> str | None:
        if f[2] >= 0:
            return data["s"][data["u"][f[2]][0]]
        return data["s"][f[7]] if f[7] is not None else None

    assert {f.upn for f in result.findings} == {finding_upn(f) for f in data["f"]}
    text = " ".join(" ".join(page.text).split())
    assert "Users who need action" in text
    left_out = Counter(STATUS_LABELS[u.status].lower() for u in result.users if u.status not in need_action)
    assert f"This report lists {len(listed)} of the {len(result.users)} users" in text
    for label, count in left_out.items():
        assert f"{count} {label}" in text
    assert "Excel workbook (capped.xlsx)" in text and "capped.json" in text
    raw = path.read_text(encoding="utf-8")
    links = re.findall(r'data-user="(\d+)">([^<]*)</button>', raw)
    assert links, "the administrators, coming changes and unread users link to their details"
    for at, upn in links:
        assert data["s"][data["u"][int(at)][0]] == unescape(upn)
    for a in summarize(result).admins:
        if a.status not in need_action:
            assert f'">{a.upn}</button>' not in raw  # a user not embedded has no details to open


def test_past_the_user_limit_the_administrators_table_lists_those_who_need_action_and_counts_the_rest(tmp_path):
    result = sample_result()
    path = html.render(result, tmp_path / "capped.html", user_limit=2)
    raw = path.read_text(encoding="utf-8")
    admins = summarize(result).admins
    need_action = [a for a in admins if a.status in {Readiness.NOT_READY, Readiness.UNKNOWN, Readiness.AT_RISK}]
    rest = [a for a in admins if a not in need_action]
    assert need_action and rest
    assert set(admin_rows(raw)) == {a.upn for a in need_action}
    section = raw[raw.index('<section id="admins"') : raw.index("</section>", raw.index('<section id="admins"'))]
    assert all(a.upn not in section for a in rest)
    text = " ".join(" ".join(Page(section).text).split())
    assert f"Administrators ({len(admins)})" in text
    assert f"This report lists {len(need_action)} of the {len(admins)} administrators" in text
    assert f"Not listed here: {len(rest)} ready." in text
    assert "Admins sheet of the Excel workbook (capped.xlsx)" in text


def test_within_the_user_limit_every_administrator_is_listed_and_nothing_is_said(tmp_path):
    result = sample_result()
    raw = html.render(result, tmp_path / "full.html", user_limit=len(result.users)).read_text(encoding="utf-8")
    assert set(admin_rows(raw)) == {a.upn for a in summarize(result).admins}
    assert "admins-left-out" not in raw


def test_within_the_user_limit_every_user_is_embedded_and_nothing_is_said(tmp_path):
    result = sample_result()
    path = html.render(result, tmp_path / "full.html", user_limit=len(result.users))
    page = Page(path.read_text(encoding="utf-8"))
    assert len(page.data()["u"]) == len(result.users)
    assert "users-left-out" not in page.ids
    assert "All users" in page.text and "Users who need action" not in " ".join(page.text)


def test_a_user_judged_on_the_report_is_shown_as_such_not_among_users_whose_data_could_not_be_read(tmp_path):
    from sspr_audit.audit.results import Readiness
    from sspr_audit.render import json_report
    from sspr_audit.snapshot.models import CollectionState, CollectionStatus, SourceState, SourceStatus

    on_report = "methods detail not read within --max-minutes 5 (--resume reads it); judged on the registration report"
    judged = user("adele.vance@contoso.example", collection=CollectionStatus(CollectionState.PARTIAL, on_report))
    lost = user(
        "lee.gu@contoso.example", collection=CollectionStatus(CollectionState.FAILED, "HTTP 503 after 3 retries")
    )
    methods = SourceStatus("authentication_methods", SourceState.READ, message="methods detail not read for 1 users")
    result = audit_result(
        (user_result(judged, Readiness.NOT_READY), user_result(lost, Readiness.UNKNOWN)),
        tenant=tenant(sources=(methods,)),
    )
    page, _ = render(result, tmp_path)
    text = " ".join(" ".join(page.text).split())
    unknown = text[text.index("Users whose data could not be read (1)") : text.index("Users judged on part")]
    assert "lee.gu@contoso.example" in unknown and "adele.vance" not in unknown
    start = text.index("Users judged on part of their data (1)")
    partial = text[start : text.index("Data sources", start)]
    assert "Their verdict stands" in partial
    assert f"adele.vance@contoso.example Adele Vance: {on_report}" in partial
    coverage = text[text.index("Data sources", start) :]
    assert "read (methods detail not read for 1 users)" in coverage
    summary = json.loads(json_report.render(result, tmp_path / "report.json").read_text())["summary"]
    assert (summary["collection_failures"], summary["collection_partial"]) == (1, 1)
