"""The first page of the findings table, written into the page itself.

At a million users the embedded data takes the browser seconds to read and
parse, and the script draws nothing until then. These rows are in the HTML
above that data, so they show as soon as the browser reaches the table; the
script then draws the same rows from the data (the browser tests compare the
two) and takes over paging, search, filters and sort.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sspr_audit.audit.results import Finding, UserResult
from sspr_audit.render.html_users import ListedUsers
from sspr_audit.render.summary import STATUS_LABELS
from sspr_audit.text import capped

PAGE = 100  # rows a page, as report.js's PAGE

# Where report.js's unbroken() lets a value wrap: after ", ", before "@" or "#EXT#", or between a field and its value.
_WRAP = re.compile(r"(?<=, )|(?=@)|(?=#EXT#)|(?<=\] )|(?<=[A-Za-z] )(?=[+\d])")


@dataclass(frozen=True)
class FirstRow:
    """One findings row as the script draws it; ``user`` is the embedded user's position, None when not embedded."""

    severity: tuple[str, str]  # badge class and label
    rule: str
    rule_title: str
    user: int | None
    upn: tuple[str, ...]  # the UPN's unbreakable parts, as the user button shows them
    upn_text: str  # what the user cell shows for a user not embedded: the UPN, or "(tenant)"
    sub: str  # display name and department, shown below the UPN on narrow pages
    display_name: str
    department: str
    status: tuple[str, str] | None  # badge class and label; None for a user not embedded
    field: str
    value: tuple[str, ...]  # the value's unbreakable parts
    message: str
    suggestion: str


@dataclass(frozen=True)
class FirstPage:
    """The rows of the findings table's first page, and the count and pager text the script writes."""

    rows: tuple[FirstRow, ...]
    count: str
    pager: str
    more: bool  # more than one page


def first_page(
    findings: tuple[Finding, ...], listed: ListedUsers, rule_titles: dict[str, str], page: int = PAGE
) -> FirstPage:
    """The first ``page`` findings in report order, as the script's findings table shows them unfiltered."""
    shown = findings[:page]
    wanted = {f.user_id for f in shown if f.user_id}
    where = {u.user.id: i for i, u in enumerate(listed.users) if u.user.id in wanted}
    rows = tuple(_row(f, where.get(f.user_id) if f.user_id else None, listed.users, rule_titles) for f in shown)
    total = len(findings)
    pages = max(1, -(-total // page))
    pager = f"rows 1\u2013{min(total, page):,}, page 1 of {pages:,}" if total else "no rows"
    return FirstPage(rows, f"{total:,} findings", pager, pages > 1)


def unbroken(text: str) -> tuple[str, ...]:
    """``text`` in the parts report.js's unbroken() keeps on one line each (JavaScript's split drops empty ends)."""
    return tuple(p for p in _WRAP.split(text) if p) or ("",)


def _row(f: Finding, at: int | None, users: tuple[UserResult, ...], rule_titles: dict[str, str]) -> FirstRow:
    user = users[at] if at is not None else None
    upn = _text(user.user.user_principal_name if user else f.upn)
    name = _text(user.user.display_name if user else f.display_name)
    department = _text(user.user.department) if user else ""
    return FirstRow(
        severity=(f.severity.value, f.severity.value.capitalize()),
        rule=f.rule,
        rule_title=rule_titles.get(f.rule, f.rule),
        user=at,
        upn=unbroken(upn),
        upn_text=upn or "(tenant)",
        sub=" · ".join(t for t in (name, department) if t),
        display_name=name,
        department=department,
        status=(user.status.value, STATUS_LABELS[user.status]) if user else None,
        field=_text(f.field),
        value=unbroken(_text(f.value)),
        message=_text(f.message),
        suggestion=_text(f.suggestion),
    )


def _text(value: str | None) -> str:
    """What the script's ``str()`` shows: the embedded string, capped as the data caps it, or "" for none."""
    return "" if value is None else str(capped(value))
