"""The HTML report: one self-contained file a browser opens without any network.

The template displays what :mod:`sspr_audit.render.summary` computed; the
findings and users tables are drawn by the inline script from data embedded
once as JSON, a page at a time, so a tenant of 100,000 users stays usable.
The findings table's first page is also written into the page
(:mod:`html_first`), so it shows before that data is read. The
Content-Security-Policy allows nothing but that one script and style, named
by their SHA-256 hashes.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from markupsafe import Markup, escape

from sspr_audit import __version__
from sspr_audit.audit import microsoft_view
from sspr_audit.audit.reality import Agreement
from sspr_audit.audit.results import AuditResult, Readiness, Severity
from sspr_audit.files import atomic_writer
from sspr_audit.history.compare import RunChanges
from sspr_audit.render import templates
from sspr_audit.render.html_data import rule_rows, write_payload
from sspr_audit.render.html_first import first_page
from sspr_audit.render.html_users import USER_LIMIT, first_rows, listed_admins, listed_users
from sspr_audit.render.reality import reality_line, reality_rows
from sspr_audit.render.summary import StatusCount, Summary, ordered_findings, ordered_users, summarize
from sspr_audit.render.timeline import timeline_view
from sspr_audit.render.trend import history_view
from sspr_audit.text import capped

FAILURES_SHOWN = 50  # the Users table filters the rest
MIN_BAR = 20.0  # the shortest bar drawn for a non-zero count, in the 0..1000 viewBox (2% of its width)


@dataclass(frozen=True)
class Segment:
    """One coloured piece of a bar: ``x`` and ``width`` in a 0..1000 viewBox."""

    key: str
    label: str
    count: int
    x: float
    width: float


def render(result: AuditResult, path: Path, changes: RunChanges | None = None, *, user_limit: int = USER_LIMIT) -> Path:
    """Write the HTML report to ``path`` atomically (owner-only); past ``user_limit`` users, see :mod:`html_users`."""
    path = Path(path)
    summary = summarize(result)
    css = templates.text("report.css")
    js = templates.text("report.js")
    template = templates.template("report.html.j2", finalize=capped)  # no value shown whole past 20,000 characters
    users = ordered_users(result)
    listed = listed_users(users, user_limit)
    findings = ordered_findings(result)
    rule_options = rule_rows(result)
    context = {
        "version": __version__,
        "result": result,
        "tenant": result.tenant,
        "s": summary,
        "endpoint": _host(result.tenant.graph_endpoint),
        "policy_name": policy_name(result.policy_source),
        "csp": content_security_policy(css, js),
        "css": Markup(css),
        "js": Markup(js),
        "data": Markup(_DATA_MARK),
        "listed": listed,
        "admins": listed_admins(summary.admins, listed),
        "full_reports": [path.with_suffix(f".{ext}").name for ext in ("xlsx", "json", "csv")],
        "status_bar": status_bar(summary),
        "status_rows": status_rows(summary),
        "not_counted": not_counted_text(summary),
        "severity_bars": severity_bars(summary),
        "department_bars": [
            bar(((c, n) for c, n in zip(summary.status_counts, d.counts, strict=True) if c.status.in_scope), d.in_scope)
            for d in summary.departments
        ],
        "statuses": list(Readiness),
        "severities": list(Severity),
        "rule_options": rule_options,
        "first": first_page(findings, listed, {rule: title for rule, title, _ in rule_options}),
        "rules": sorted(result.rules, key=lambda r: r.id),
        "rule_texts": {r.id: (inline_code(r.why), inline_code(r.fix)) for r in result.rules},
        "doc_links": {r.id: r.doc_url for r in result.rules if _is_web_link(r.doc_url)},
        "failures_shown": summary.failures[:FAILURES_SHOWN],
        "partial_shown": summary.partial[:FAILURES_SHOWN],
        "history": history_view(changes),
        "timeline": timeline_view(result, summary, users),
        "reality": {
            "line": reality_line(result.reality),
            "contradictions": reality_rows(result, users),
            "predicted": first_rows(reality_rows(result, users, Agreement.PREDICTED), listed),
        },
        "doc_urls": {p.source for p in result.timeline if _is_web_link(p.source)},
        "microsoft_basis": microsoft_view.BASIS,
    }
    with atomic_writer(path, "w") as out:
        for chunk in template.generate(context):
            before, mark, after = chunk.partition(_DATA_MARK)
            out.write(before)
            if mark:
                write_payload(out, result, listed.users, findings)
                out.write(after)
    return path


# Where the template places the embedded data, written straight to the file rather than built as one string.
# Autoescaping turns any "<" in a value into "&lt;", so only the template itself can hold this mark.
_DATA_MARK = "<sspr-audit-data/>"


_CODE_SPAN = re.compile(r"`([^`\n]+)`")


def inline_code(text: str) -> Markup:
    """``text`` escaped, its `backtick` spans shown as ``<code>``; a lone backtick stays a backtick."""
    text = str(capped(text))
    parts: list[str] = []
    at = 0
    for m in _CODE_SPAN.finditer(text):
        parts += [escape(text[at : m.start()]), Markup("<code>{}</code>").format(m.group(1))]
        at = m.end()
    parts.append(escape(text[at:]))
    return Markup("").join(parts)


def content_security_policy(css: str, js: str) -> str:
    """A policy that loads nothing and runs only the report's own script and style."""
    return (
        f"default-src 'none'; script-src '{csp_hash(js)}'; style-src '{csp_hash(css)}';"
        " base-uri 'none'; form-action 'none'"
    )


def csp_hash(text: str) -> str:
    """The CSP source expression (``sha256-...``) for an inline element's exact text."""
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def bar(parts: Iterable[tuple[StatusCount, int]], total: int) -> list[Segment]:
    """Stacked-bar segments for ``(status, count)`` pairs; empty parts are left out."""
    segments = []
    x = 0.0
    for item, count in parts:
        if not count or not total:
            continue
        width = round(1000.0 * count / total, 2)
        segments.append(Segment(item.status.value, item.label, count, round(x, 2), width))
        x += width
    return segments


def share_text(count: int, total: int) -> str:
    """``count`` as a share of ``total``; a count too small for one decimal is "<0.1%", never "0.0%"."""
    if not total:
        return "n/a"
    value = 100.0 * count / total
    return "<0.1%" if count and value < 0.05 else f"{value:.1f}%"


@dataclass(frozen=True)
class StatusRow:
    """One line of the status table: its share is of the users in SSPR scope, or None when not counted."""

    key: str
    label: str
    count: int
    share: str | None


def status_rows(summary: Summary) -> tuple[list[StatusRow], list[StatusRow]]:
    """The statuses counted in the headline (with their share of users in scope), then those not counted."""
    counted = [
        StatusRow(c.status.value, c.label, c.count, share_text(c.count, summary.users_in_scope))
        for c in summary.status_counts
        if c.status.in_scope
    ]
    apart = [StatusRow(c.status.value, c.label, c.count, None) for c in summary.status_counts if not c.status.in_scope]
    return counted, apart


def not_counted_text(summary: Summary) -> str:
    """What the bar and the shares leave out, as counts: "Not counted: 3 excluded by policy, 12 out of SSPR scope"."""
    parts = [
        f"{c.count:,} {c.label[0].lower()}{c.label[1:]}"
        for c in summary.status_counts
        if not c.status.in_scope and (c.count or c.status != Readiness.SET_ASIDE)
    ]
    return "Not counted: " + ", ".join(parts) + "."


def status_bar(summary: Summary) -> list[Segment]:
    """The readiness bar over the users in SSPR scope: the headline's population."""
    return bar(((c, c.count) for c in summary.status_counts if c.status.in_scope), summary.users_in_scope)


def severity_bars(summary: Summary) -> list[Segment]:
    """One bar per severity, as long as its share of the largest count; a count of one stays visible."""
    top = max((c.count for c in summary.severity_counts), default=0)
    return [
        Segment(
            c.severity.value, c.label, c.count, 0.0, max(round(1000.0 * c.count / top, 2), MIN_BAR) if c.count else 0.0
        )
        for c in summary.severity_counts
    ]


def policy_name(source: str | None) -> str:
    """The policy file's name, never its local path (the report travels); the demo's policy said as such."""
    from sspr_audit.demo import demo_policy_path

    if source is None:
        return "no policy file: defaults and tenant settings"
    if Path(source) == demo_policy_path():
        return "built-in demo policy"
    return Path(source).name


def _host(endpoint: str) -> str:
    """The endpoint without its scheme: the report names no URL it could load."""
    return urlsplit(endpoint).netloc or endpoint


def _is_web_link(url: str) -> bool:
    return urlsplit(url).scheme in ("https", "http")
