"""The HTML report's history section: changes since the last run and the readiness trend.

Python decides every list cut and every coordinate; the template only draws
them, as plain inline SVG styled by class (no script, no style attribute), so
the chart passes the report's Content-Security-Policy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from sspr_audit.history.compare import RunChanges, StoredFinding, TrendPoint
from sspr_audit.render.changes import describe, headline, notes
from sspr_audit.render.summary import percent

LIST_CAP = 20  # items shown per list; the workbook and the JSON report hold them all

WIDTH, HEIGHT = 640, 220
_LEFT, _RIGHT, _TOP, _BOTTOM = 48, 16, 12, 36  # room for the axis labels
_STEPS = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 25.0)  # grid steps, in percentage points
_MAX_X_LABELS = 6  # date labels under the chart; the others stay in each point's tooltip


@dataclass(frozen=True)
class ChangeRow:
    """One line of a change list: a severity badge for findings, who, and what."""

    severity: str | None
    who: str
    what: str


@dataclass(frozen=True)
class ChangeList:
    """One kind of change, cut to :data:`LIST_CAP` rows; ``more`` counts the rest."""

    key: str
    title: str
    count: int
    rows: tuple[ChangeRow, ...]
    more: int


@dataclass(frozen=True)
class ChartPoint:
    """One run on the trend chart, in viewBox coordinates."""

    x: float
    y: float
    when: str
    value: str
    label: str  # the text under the x axis, or "" where labels would crowd
    ready: str  # the ready share alone, for the table under the chart
    attempts: str  # the run's SSPR attempts and successes, or why they are not known


@dataclass(frozen=True)
class TrendChart:
    """The readiness line over the last runs (the y axis spans the change, runs evenly spaced)."""

    width: int
    height: int
    points: tuple[ChartPoint, ...]
    line: str  # the polyline's ``points`` attribute
    grid: tuple[tuple[float, str], ...]  # (y, label) of each horizontal guide
    left: int
    right: int  # x of the plot's right edge
    label_y: float  # baseline of the date labels
    title: str  # the chart in words, for screen readers


@dataclass(frozen=True)
class HistoryView:
    """What the report shows about earlier runs."""

    first_run: bool
    since: str  # when the previous run was generated; empty on the first run
    headline: str
    notes: tuple[str, ...]
    ready_before: str
    ready_now: str
    lists: tuple[ChangeList, ...]
    chart: TrendChart | None  # None until two runs have a readiness figure


def history_view(changes: RunChanges | None, cap: int | None = LIST_CAP) -> HistoryView | None:
    """The section's content (every item when ``cap`` is None); None when no history is kept."""
    if changes is None:
        return None
    lists = []
    for key, title, items in changes.sections():
        shown = items if cap is None else items[:cap]
        rows = tuple(ChangeRow(i.severity.value if isinstance(i, StoredFinding) else None, *describe(i)) for i in shown)
        lists.append(ChangeList(key, title, len(items), rows, len(items) - len(shown)))
    old = changes.old
    return HistoryView(
        first_run=old is None,
        since=old.generated_at if old else "",
        headline=headline(changes),
        notes=notes(changes),
        ready_before=percent(old.ready_percent) if old else "",
        ready_now=percent(changes.new.ready_percent),
        lists=tuple(lists),
        chart=trend_chart(changes.trend),
    )


def trend_chart(points: Sequence[TrendPoint]) -> TrendChart | None:
    """Coordinates of the readiness line; runs with nobody in scope have no figure and are left out."""
    known = [p for p in points if p.ready_percent is not None]
    if len(known) < 2:
        return None
    right = WIDTH - _RIGHT
    plot_h = HEIGHT - _TOP - _BOTTOM
    low, high, step = y_range([p.ready_percent or 0.0 for p in known])
    spacing = (right - _LEFT) / (len(known) - 1)
    whens = _whens([p.generated_at for p in known])
    every = math.ceil((len(known) - 1) / (_MAX_X_LABELS - 1))
    labelled = {i for i in range(0, len(known), every)} | {len(known) - 1}
    if len(known) - 1 - max(labelled - {len(known) - 1}) < every / 2 and len(labelled) > 2:
        labelled.discard(max(labelled - {len(known) - 1}))  # the last label would touch the one before
    chart_points = tuple(
        ChartPoint(
            round(_LEFT + i * spacing, 1),
            _y(p.ready_percent or 0.0, low, high, plot_h),
            whens[i],
            percent(p.ready_percent) + _attempts(p),
            whens[i] if i in labelled else "",
            percent(p.ready_percent),
            "not read" if p.attempts is None else f"{p.attempts:,} ({p.successes or 0:,} successful)",
        )
        for i, p in enumerate(known)
    )
    decimals = 0 if step >= 1 else 1
    grid = []
    value = low
    while value <= high + step / 1000:
        grid.append((_y(value, low, high, plot_h), f"{value:.{decimals}f}%"))
        value += step
    return TrendChart(
        width=WIDTH,
        height=HEIGHT,
        points=chart_points,
        line=" ".join(f"{p.x},{p.y}" for p in chart_points),
        grid=tuple(grid),
        left=_LEFT,
        right=right,
        label_y=HEIGHT - _BOTTOM + 20,
        title=f"Ready share over the last {len(chart_points)} runs: "
        + "; ".join(f"{p.when} {p.value}" for p in chart_points),
    )


def _attempts(p: TrendPoint) -> str:
    """The run's SSPR attempts and successes, when its events were read."""
    if p.attempts is None:
        return ""
    return f", {p.attempts:,} SSPR attempts ({p.successes or 0:,} successful)"


def y_range(values: Sequence[float]) -> tuple[float, float, float]:
    """``(low, high, step)`` of the y axis: round steps around the values, so a change of a point shows.

    The span is at least one percentage point and stays within 0-100%; four or five grid lines.
    """
    top, bottom = max(values), min(values)
    span = max(top - bottom, 1.0)
    step = next((s for s in _STEPS if s * 4 >= span * 1.3), 25.0)
    low = max(0.0, math.floor((bottom - span * 0.15) / step) * step)
    high = min(100.0, math.ceil((top + span * 0.15) / step) * step)
    if high - low < step:  # every value on one round number
        low, high = max(0.0, low - step), min(100.0, high + step)
    return round(low, 1), round(high, 1), step


def _whens(stamps: Sequence[str]) -> list[str]:
    """Each run's date; with the time as well when two runs fall on one day, so no two labels are alike."""
    days = [s[:10] or "?" for s in stamps]
    return [f"{d} {s[11:16]}" if days.count(d) > 1 and s[11:16] else d for d, s in zip(days, stamps, strict=True)]


def _y(value: float, low: float, high: float, plot_h: int) -> float:
    return round(_TOP + plot_h * (1 - (value - low) / (high - low)), 1)
