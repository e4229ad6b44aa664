"""The HTML report's "Coming changes" view: readiness today and on each announced change, and who loses SSPR.

Python decides every number and position; the template only draws them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sspr_audit.audit.results import AuditResult, UserResult
from sspr_audit.render.summary import Summary, percent

LISTED_PER_DATE = 50  # users listed under each date; the users table and the workbook hold them all
_WIDTH, _HEIGHT, _TOP, _BOTTOM, _GAP = 720, 220, 24, 36, 24


@dataclass(frozen=True)
class TimelineBar:
    """One column of the chart: the share that can reset on one day."""

    label: str
    value: str
    x: float
    y: float
    width: float
    bar_height: float


@dataclass(frozen=True)
class LosingUser:
    index: int  # position in the report's users table
    upn: str
    because: str


@dataclass(frozen=True)
class LosingGroup:
    when: str
    count: int
    rows: tuple[LosingUser, ...]
    more: int


@dataclass(frozen=True)
class TimelineView:
    headline: str
    title: str
    bars: tuple[TimelineBar, ...]
    losing: tuple[LosingGroup, ...]
    width: int = _WIDTH
    height: int = _HEIGHT
    label_y: int = _HEIGHT - 12


def timeline_view(result: AuditResult, summary: Summary, users: tuple[UserResult, ...]) -> TimelineView | None:
    """The view, or None when no announced change lies after the audit's day."""
    if not result.timeline:
        return None
    days = [(f"as of {result.as_of}", summary.ready_percent)] + [(p.when, p.share) for p in result.timeline]
    headline = " → ".join(f"{label} {percent(value)}" for label, value in days)
    return TimelineView(
        headline=f"Share of users in scope who can reset: {headline}.",
        title="Share of users in scope who can reset, today and on each announced change: " + headline,
        bars=tuple(_bars(days)),
        losing=tuple(_losing(result, users)),
    )


def _bars(days: list[tuple[str, float | None]]) -> list[TimelineBar]:
    step = (_WIDTH - _GAP) / len(days)
    plot = _HEIGHT - _TOP - _BOTTOM
    bars = []
    for i, (label, value) in enumerate(days):
        height = round(plot * (value or 0.0) / 100.0, 1)
        bars.append(
            TimelineBar(
                label,
                percent(value),
                round(_GAP + i * step, 1),
                round(_TOP + plot - height, 1),
                round(step - _GAP, 1),
                height,
            )
        )
    return bars


def _losing(result: AuditResult, users: tuple[UserResult, ...]) -> list[LosingGroup]:
    by_day: dict[str, list[LosingUser]] = {p.date: [] for p in result.timeline}
    for i, u in enumerate(users):
        if u.loses_sspr_on in by_day:
            by_day[u.loses_sspr_on].append(LosingUser(i, u.user.user_principal_name, u.loses_sspr_because or ""))
    groups = []
    for p in result.timeline:
        found = by_day[p.date]
        if found:
            groups.append(
                LosingGroup(p.when, len(found), tuple(found[:LISTED_PER_DATE]), max(len(found) - LISTED_PER_DATE, 0))
            )
    return groups
