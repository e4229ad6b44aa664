"""The HTML report of a 3,000-user demo, driven in a real headless Chromium.

The parser-level tests (test_render_html.py) prove what the file holds; these
prove the report works where it is read: its script runs under its own
Content-Security-Policy, it asks the network for nothing, and its search,
filters, sorting, paging and user detail show what the audit found.
Skipped when Playwright or a Chromium executable is missing.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install -e '.[test]')")

from playwright.sync_api import Browser, Page, expect, sync_playwright

from sspr_audit.audit.results import AuditResult, Finding, Readiness, Severity, UserResult
from sspr_audit.audit.sspr_methods import METHOD_LABELS
from sspr_audit.render.csv_report import neutralise
from sspr_audit.render.summary import SEVERITY_LABELS, STATUS_LABELS, ordered_findings, ordered_users

USERS = 3_000  # enough for several pages of findings and users; the 100,000-user report is in bench/browser.py
SEED = 7
PAGE_ROWS = 100  # report.js shows this many rows a page
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Records CSP violations from before the report's own script runs (init scripts are not subject to the page's CSP).
WATCH_CSP = (
    "window.__csp = [];"
    "document.addEventListener('securitypolicyviolation',"
    " (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
)
# A user cell's text is its UPN button's: the display name below it shows only on narrow pages.
ROW_TEXT = "rows => rows.map((r) => Array.from(r.cells, (c) => (c.querySelector('button.link') || c).textContent))"
SEV, RULE, UPN, FIELD, VALUE, MESSAGE = 0, 1, 2, 6, 7, 8  # columns of the findings table


def find_chromium() -> str | None:
    """``$CHROMIUM`` when set, else the first Chromium or Chrome on the PATH."""
    if os.environ.get("CHROMIUM"):
        return os.environ["CHROMIUM"]
    return next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)


CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium executable found (install the Debian 'chromium' package or set CHROMIUM to its path)",
)


class Report:
    """One opened report page and what it said: console and page errors, requests asked and failed."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.failed: dict[str, str | None] = {}
        page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("requestfailed", lambda r: self.failed.update({r.url: r.failure}))

    def csp_violations(self) -> list[str]:
        return self.page.evaluate("window.__csp")

    def rows(self, table: str = "ft") -> list[list[str]]:
        return self.page.eval_on_selector_all(f"#{table} tbody tr", ROW_TEXT)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[AuditResult, Path]:
    """The audit of the 3,000-user demo tenant and its HTML report (built once: it takes seconds)."""
    from sspr_audit.audit import engine
    from sspr_audit.demo import demo_policy_path
    from sspr_audit.demo.tenant import generate_tenant
    from sspr_audit.render import write_reports

    truth = generate_tenant(USERS, SEED)
    result = engine.run(truth, engine.load_policy(demo_policy_path(), truth))
    [path] = write_reports(result, tmp_path_factory.mktemp("browser-report"), ["html"])
    return result, path


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium for these tests; Playwright gives it a fresh, temporary profile."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def report(browser: Browser, demo: tuple[AuditResult, Path]) -> Iterator[Report]:
    """The report freshly opened from its file:// URL, its first page of findings drawn."""
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.add_init_script(WATCH_CSP)
    opened = Report(page)
    page.goto(demo[1].as_uri())
    page.wait_for_selector("#ft tbody tr")
    yield opened
    context.close()


def upn_of(result: AuditResult) -> dict[str | None, str]:
    return {u.user.id: u.user.user_principal_name for u in result.users}


def finding_upn(f: Finding, upns: dict[str | None, str]) -> str:
    return upns.get(f.user_id) or f.upn or ""


def row_key(f: Finding, upns: dict[str | None, str]) -> tuple[str, str, str, str, str, str]:
    """A finding as the findings table shows it: severity, rule, user, field, value, message."""
    return (
        SEVERITY_LABELS[f.severity],
        f.rule,
        finding_upn(f, upns) or "(tenant)",
        f.field or "",
        f.value or "",
        f.message,
    )


def shown(rows: list[list[str]]) -> list[tuple[str, ...]]:
    return [(r[SEV], r[RULE], r[UPN], r[FIELD], r[VALUE], r[MESSAGE]) for r in rows]


def user_keys(rows: list[list[str]]) -> list[str]:
    """The sort key of each row's user cell ("(tenant)" stands for a finding about no user)."""
    return ["" if r[UPN] == "(tenant)" else r[UPN].lower() for r in rows]


def searchable_user(result: AuditResult) -> UserResult:
    """A user with several findings, a usable method and something that does not count, whose UPN appears in no
    other finding's text."""
    upns = upn_of(result)
    texts = [
        (
            f.user_id,
            " ".join(
                filter(None, (finding_upn(f, upns), f.display_name, f.field, f.value, f.message, f.suggestion))
            ).lower(),
        )
        for f in result.findings
    ]
    mine = Counter(f.user_id for f in result.findings)
    for u in sorted(result.users, key=lambda u: (-mine[u.user.id], u.user.id)):
        needle = u.user.user_principal_name.lower()
        if (
            u.usable
            and u.uncounted
            and mine[u.user.id] >= 2
            and all(uid == u.user.id for uid, t in texts if needle in t)
        ):
            return u
    raise AssertionError("the demo tenant has no user fit for the search test")


def expected_count(shown_rows: int, total: int) -> str:
    return f"{shown_rows:,} of {total:,} findings match"


def test_report_loads_offline_without_errors_under_its_csp(report: Report, demo: tuple[AuditResult, Path]) -> None:
    result, path = demo
    page = report.page
    expect(page.locator("#ft-count")).to_have_text(f"{len(result.findings):,} findings")
    expect(page.locator("#ut-count")).to_have_text(f"{len(result.users):,} users")
    assert len(report.rows("ft")) == PAGE_ROWS and len(report.rows("ut")) == PAGE_ROWS
    assert report.errors == []
    assert report.csp_violations() == []
    assert report.requests == [path.as_uri()]

    # The policy is enforced: markup that slipped into the page could neither load nor run anything.
    page.evaluate("""() => {
        const img = document.createElement("img"); img.src = "https://example.invalid/pixel.png";
        const s = document.createElement("script"); s.textContent = "window.__ran = true;";
        document.body.append(img, s);
    }""")
    page.wait_for_function("() => window.__csp.length >= 2")
    blocked = report.csp_violations()
    assert any(v.startswith(("img-src", "default-src")) and "example.invalid" in v for v in blocked), blocked
    assert any(v.startswith("script-src") for v in blocked), blocked
    assert page.evaluate("window.__ran === undefined")
    assert report.requests == [path.as_uri(), "https://example.invalid/pixel.png"]
    assert report.failed == {"https://example.invalid/pixel.png": "csp"}  # stopped in the browser, never sent


@pytest.mark.parametrize("capped", [False, True], ids=["every user", "past the user limit"])
def test_the_first_page_of_findings_shows_before_the_script_runs_as_the_script_draws_it(
    browser: Browser, demo: tuple[AuditResult, Path], tmp_path: Path, capped: bool
) -> None:
    """The rows written into the page (shown while a large report's data is still being read) are the script's."""
    from sspr_audit.render import html

    result, path = demo
    if capped:  # only the findings of users the report leaves out: each names its user without a link
        ready = {u.user.id for u in result.users if u.status == Readiness.READY}
        result = replace(result, findings=tuple(f for f in result.findings if f.user_id in ready))
        path = html.render(result, tmp_path / "capped.html", user_limit=len(result.users) // 2)
    drawn = {}
    for scripts in (False, True):
        context = browser.new_context(java_script_enabled=scripts)
        page = context.new_page()
        page.goto(path.as_uri())
        drawn[scripts] = page.evaluate(
            "() => ['#ft tbody', '#ft-count', '#ft-pager'].map((s) => document.querySelector(s).innerHTML)"
        )
        if not scripts:
            before = Report(page).rows()
            links = page.locator("#ft tbody button[data-user]").count()
        context.close()
    assert drawn[False] == drawn[True]
    upns = upn_of(result)
    assert shown(before) == [row_key(f, upns) for f in ordered_findings(result)[:PAGE_ROWS]]
    assert drawn[False][1] == f"{len(result.findings):,} findings"
    assert links == (0 if capped else PAGE_ROWS)


def test_search_for_a_upn_shows_exactly_that_users_findings(report: Report, demo: tuple[AuditResult, Path]) -> None:
    result, _ = demo
    upns = upn_of(result)
    target = searchable_user(result)
    theirs = [f for f in result.findings if f.user_id == target.user.id]

    report.page.fill("#ft-q", target.user.user_principal_name.upper())  # search ignores case
    expect(report.page.locator("#ft-count")).to_have_text(expected_count(len(theirs), len(result.findings)))
    assert sorted(shown(report.rows())) == sorted(row_key(f, upns) for f in theirs)
    assert report.errors == []


def test_search_finds_words_across_the_clauses_a_message_is_stored_in(
    report: Report, demo: tuple[AuditResult, Path]
) -> None:
    """A message no other finding shares is embedded as its clauses; a search spanning two of them still finds it."""
    result, _ = demo
    upns = upn_of(result)
    counts = Counter(f.message for f in result.findings)
    target = next(f for f in result.findings if counts[f.message] == 1 and "counting: " in f.message)
    at = target.message.index("counting: ")
    query = target.message[at : at + 30]  # "counting: " ends a clause; the words after it begin the next
    expected = [f for f in result.findings if query.casefold() in f.message.casefold()]

    report.page.fill("#ft-q", query)
    expect(report.page.locator("#ft-count")).to_have_text(expected_count(len(expected), len(result.findings)))
    assert row_key(target, upns) in shown(report.rows())
    assert report.errors == []


def test_severity_filter_shows_only_critical_findings(report: Report, demo: tuple[AuditResult, Path]) -> None:
    result, _ = demo
    upns = upn_of(result)
    critical = [f for f in ordered_findings(result) if f.severity is Severity.CRITICAL]
    assert critical, "the demo tenant should hold critical findings"

    report.page.select_option("#ft-sev", label=Severity.CRITICAL.value)
    expect(report.page.locator("#ft-count")).to_have_text(expected_count(len(critical), len(result.findings)))
    rows = shown(report.rows())
    assert {r[0] for r in rows} == {SEVERITY_LABELS[Severity.CRITICAL]}
    assert rows == [row_key(f, upns) for f in critical[:PAGE_ROWS]]


def test_clicking_a_header_sorts_and_sets_aria_sort(report: Report, demo: tuple[AuditResult, Path]) -> None:
    result, _ = demo
    upns = upn_of(result)
    keys = sorted(finding_upn(f, upns).lower() for f in result.findings)
    page = report.page
    user_header = page.locator("#ft thead th").nth(UPN)

    user_header.get_by_role("button").click()
    expect(user_header).to_have_attribute("aria-sort", "ascending")
    assert user_keys(report.rows()) == keys[:PAGE_ROWS]
    expect(page.locator("#ft thead th[aria-sort]")).to_have_count(1)

    user_header.get_by_role("button").click()
    expect(user_header).to_have_attribute("aria-sort", "descending")
    assert user_keys(report.rows()) == keys[::-1][:PAGE_ROWS]

    severity_header = page.locator("#ft thead th").nth(SEV)
    severity_header.get_by_role("button").click()
    expect(severity_header).to_have_attribute("aria-sort", "ascending")
    expect(user_header).not_to_have_attribute("aria-sort", "descending")
    expect(page.locator("#ft thead th[aria-sort]")).to_have_count(1)


def test_next_page_shows_the_next_hundred_findings(report: Report, demo: tuple[AuditResult, Path]) -> None:
    result, _ = demo
    upns = upn_of(result)
    ordered = [row_key(f, upns) for f in ordered_findings(result)]
    pages = -(-len(ordered) // PAGE_ROWS)
    page = report.page
    first = shown(report.rows())
    assert first == ordered[:PAGE_ROWS]
    expect(page.locator("#ft-pager .prev")).to_be_disabled()

    page.click("#ft-pager .next")
    expect(page.locator("#ft-pager .info")).to_have_text(f"rows 101\u2013200, page 2 of {pages}")
    second = shown(report.rows())
    assert second == ordered[PAGE_ROWS : 2 * PAGE_ROWS]
    assert second != first
    expect(page.locator("#ft-pager .prev")).to_be_enabled()


def test_user_detail_shows_status_and_methods(report: Report, demo: tuple[AuditResult, Path]) -> None:
    result, _ = demo
    target = searchable_user(result)
    upn = target.user.user_principal_name
    page = report.page

    page.fill("#ut-q", upn)
    expect(page.locator("#ut-count")).to_have_text(f"1 of {len(result.users):,} users match")
    page.locator("#ut tbody button[data-user]").click()
    dialog = page.locator("#detail")
    expect(dialog).to_be_visible()
    expect(page.locator("#detail-h")).to_contain_text(f"({upn})")
    status = page.locator("#detail-body dl dd").first
    expect(status).to_have_text(f"{STATUS_LABELS[target.status]} {target.reason}")
    methods = page.eval_on_selector_all("#detail-body table.methods tbody tr", ROW_TEXT)
    assert [(m[0], m[2], m[3]) for m in methods] == [
        (METHOD_LABELS.get(m.method, m.method), m.field, m.value or "") for m in target.usable
    ]
    uncounted = page.eval_on_selector_all("#detail-body table.uncounted tbody tr", ROW_TEXT)
    assert [tuple(row) for row in uncounted] == [(m.label, m.why) for m in target.uncounted]
    findings = page.locator("#detail-body .finding")
    expect(findings).to_have_count(sum(f.user_id == target.user.id for f in result.findings))

    page.click("#detail-close")
    expect(dialog).to_be_hidden()

    admin = page.locator("#admins tbody button[data-user]").first
    upn = admin.text_content()
    admin.click()
    expect(page.locator("#detail-h")).to_contain_text(f"({upn})")
    expect(page.locator("#detail-body dt:text-is('User principal name') + dd")).to_have_text(upn)
    assert report.errors == []


def yes_no(value: bool | None) -> str:
    return "not reported" if value is None else "yes" if value else "no"


def test_user_detail_shows_microsofts_own_sspr_flags_beside_the_verdict(
    report: Report, demo: tuple[AuditResult, Path]
) -> None:
    result, _ = demo
    page = report.page
    users = ordered_users(result)
    ready = next(u for u in users if u.status == Readiness.READY and u.user.registration)
    unknown = next(u for u in users if u.status == Readiness.UNKNOWN and u.user.registration)
    for u in (ready, unknown):
        reg = u.user.registration
        assert reg is not None
        page.fill("#ut-q", u.user.user_principal_name)
        page.locator(f"#ut tbody button[data-user='{users.index(u)}']").click()
        expect(page.locator("#detail-body dl dt").nth(1)).to_have_text("Microsoft's SSPR flags")  # beside the status
        flags = page.locator('#detail-body dt:text-is("Microsoft\'s SSPR flags") + dd')
        expect(flags).to_contain_text(
            f"registered: {yes_no(reg.is_sspr_registered)}, enabled: {yes_no(reg.is_sspr_enabled)},"
            f" capable: {yes_no(reg.is_sspr_capable)}. Microsoft's registration report (it lags by up to 36 hours),"
            " not this audit's verdict."
        )
        if u is unknown:
            expect(flags).to_contain_text("Not checked: this user's methods could not be read.")
        else:
            expect(flags).not_to_contain_text("Not checked")
        page.click("#detail-close")
    assert report.errors == []


def test_header_row_stays_in_view_while_the_page_scrolls(report: Report) -> None:
    page = report.page
    table = page.locator("#ft")
    table.evaluate("(e) => window.scrollTo(0, e.getBoundingClientRect().top + window.scrollY + 1500)")
    assert table.evaluate("(e) => e.getBoundingClientRect().top") < -1000, "the page should scroll into the table"
    header_top = page.locator("#ft thead th").first.evaluate("(e) => e.getBoundingClientRect().top")
    assert abs(header_top) < 1
    scroll_boxes = table.evaluate(
        "(e) => { const boxes = []; for (let a = e.parentElement; a; a = a.parentElement)"
        " if (getComputedStyle(a).overflowY !== 'visible') boxes.push(a.tagName); return boxes; }"
    )
    assert scroll_boxes == [], "the table scrolls with the page, not inside a box of its own"


@pytest.mark.parametrize("width", [1280, 1920])
def test_findings_and_users_fit_the_page_and_values_stay_whole(report: Report, width: int) -> None:
    page = report.page
    page.set_viewport_size({"width": width, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for table in ("#ft", "#ut"):
        assert page.locator(table).evaluate("(e) => e.getBoundingClientRect().right") <= width
        # Every UPN, value and phone number is drawn unbroken: one box per piece, never two lines.
        broken = page.eval_on_selector_all(
            f"{table} tbody span.nw",
            "spans => spans.filter((s) => s.getClientRects().length > 1).map((s) => s.textContent)",
        )
        assert broken == []
    message = page.locator("#ft thead th").nth(MESSAGE)
    suggestion = page.locator("#ft thead th").nth(MESSAGE + 1)
    assert message.evaluate("(e) => e.getBoundingClientRect().width") >= 250
    assert suggestion.evaluate("(e) => e.getBoundingClientRect().right") <= width
    names_shown = page.locator("#ft thead th").nth(3).is_visible()
    assert names_shown == (width >= 1600)
    assert page.locator("#ft tbody tr").first.locator(".sub").is_visible() == (not names_shown)


def fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).lower()


def test_user_search_ignores_accents_and_finds_phone_numbers(report: Report, demo: tuple[AuditResult, Path]) -> None:
    result, _ = demo
    page = report.page
    accented = next(u for u in result.users if fold(u.user.display_name or "") != (u.user.display_name or "").lower())
    page.fill("#ut-q", fold(accented.user.display_name or ""))
    expect(page.locator("#ut tbody button.link").first).to_be_visible()
    expect(page.locator("#ut tbody")).to_contain_text(accented.user.user_principal_name)

    phoned = next(u for u in result.users if any(m.value and m.value.startswith("+") for m in u.usable))
    number = next(m.value for m in phoned.usable if m.value and m.value.startswith("+"))
    page.fill("#ut-q", re.sub(r"\D", "", number))  # typed without "+" or spaces
    expect(page.locator("#ut-count")).to_have_text(re.compile(r"^\d{1,2} of .* users match$"))
    expect(page.locator("#ut tbody")).to_contain_text(phoned.user.user_principal_name)


def test_csv_button_downloads_the_filtered_findings_neutralised(
    report: Report, demo: tuple[AuditResult, Path], tmp_path: Path
) -> None:
    result, _ = demo
    upns = upn_of(result)
    page = report.page
    target = next(
        u
        for u in result.users
        if any(f.user_id == u.user.id and (f.value or "").startswith("+") for f in result.findings)
    )
    theirs = [f for f in result.findings if f.user_id == target.user.id]
    page.fill("#ft-q", target.user.user_principal_name)
    expect(page.locator("#ft-count")).to_have_text(expected_count(len(theirs), len(result.findings)))
    with page.expect_download() as job:
        page.click("#ft-csv")
    saved = tmp_path / "findings.csv"
    job.value.save_as(saved)
    assert report.requests == [report.requests[0]], "the download is built in the page, nothing is fetched"
    header, *rows = list(csv.reader(saved.read_text(encoding="utf-8-sig").splitlines()))
    assert header[:3] == ["Severity", "Rule", "User"] and header[MESSAGE] == "Message"
    assert sorted((r[SEV], r[RULE], r[UPN], r[FIELD], r[VALUE], r[MESSAGE]) for r in rows) == sorted(
        (*row_key(f, upns)[:4], neutralise(f.value), f.message) for f in theirs
    )
    assert any(r[VALUE].startswith("'+") for r in rows)


SUMMARY_SECTIONS = ("readiness", "timeline", "changes", "summary-findings", "admins", "departments")


def test_print_keeps_summaries_whole_and_says_what_the_tables_leave_out(
    report: Report, demo: tuple[AuditResult, Path]
) -> None:
    result, _ = demo
    page = report.page
    expect(page.locator(".print-only")).to_have_count(2)
    for note in page.locator(".print-only").all():
        expect(note).to_be_hidden()  # on screen the pager says it all

    page.set_viewport_size({"width": 720, "height": 1000})  # A4 portrait less its margins, at 96 dpi
    page.emulate_media(media="print")
    notes = page.locator(".print-only")
    expect(notes.nth(0)).to_be_visible()
    expect(notes.nth(0)).to_contain_text(f"All {len(result.findings):,} findings are in the Excel workbook")
    expect(notes.nth(1)).to_contain_text(f"All {len(result.users):,} users are in the Excel workbook")
    for control in ("#ft-pager", "#ft-csv", ".controls", "nav"):
        expect(page.locator(control).first).to_be_hidden()
    assert page.eval_on_selector_all("thead", "els => [...new Set(els.map(e => getComputedStyle(e).display))]") == [
        "table-header-group"
    ]
    clipped = page.evaluate(
        """ids => ids.map(id => document.getElementById(id)).filter(Boolean)
            .flatMap(s => [s, ...s.querySelectorAll('table, svg, .scroll')])
            .filter(e => e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > 721)
            .map(e => e.closest('section').id + ' ' + e.tagName + '.' + (e.className.baseVal ?? e.className))""",
        list(SUMMARY_SECTIONS),
    )
    assert clipped == []


def test_department_table_has_distinct_headings_on_one_line_and_fits(report: Report) -> None:
    page = report.page
    heads = page.eval_on_selector_all("#departments thead th", "els => els.map(e => e.textContent.trim())")
    assert len(heads) == len(set(heads))  # no two columns called "Ready"
    lines = page.eval_on_selector_all(
        "#departments th, #departments td",
        """els => els.filter(e => e.textContent.trim()).map(e => {
            const st = getComputedStyle(e);
            const inner = e.clientHeight - parseFloat(st.paddingTop) - parseFloat(st.paddingBottom);
            return [e.textContent.trim(), inner / parseFloat(st.lineHeight)];
        }).filter(([, lines]) => lines > 1.5)""",
    )
    assert lines == []  # no heading, share or department name breaks over two lines
    fits = page.evaluate(
        "(() => { const s = document.querySelector('#departments .scroll'); return s.scrollWidth <= s.clientWidth; })()"
    )
    assert fits


PDFTOTEXT = shutil.which("pdftotext")


@pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext is missing (install the Debian 'poppler-utils' package)")
def test_the_printed_pdf_holds_every_cell_of_the_rows_on_screen(report: Report, tmp_path: Path) -> None:
    """Saved as PDF, as a reader would: landscape pages, repeated headers, no sort arrows, no cell cut short."""
    import subprocess

    page = report.page
    shown = {table: page.eval_on_selector_all(f"#{table} tbody tr", ROW_TEXT) for table in ("ft", "ut")}
    pdf = tmp_path / "report.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())  # type: ignore[union-attr]
    assert width > height  # landscape
    text = subprocess.run([PDFTOTEXT, "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    squeezed = "".join(text.split())  # a cell wrapped over lines is still whole
    for table, rows in shown.items():
        assert len(rows) == PAGE_ROWS, table
        missing = [cell for row in rows for cell in row if "".join(cell.split()) not in squeezed]
        assert missing == [], table
    assert "\u2195" not in text  # the sort arrows stay on screen
    assert text.count("Suggestion") >= 3  # the findings header repeats on each printed page of the table
    assert "findings are in the Excel workbook" in " ".join(text.split())
