"""The readiness trend chart: its y axis spans the change, its date labels are distinct."""

from __future__ import annotations

import pytest

from sspr_audit.history.compare import TrendPoint
from sspr_audit.render.trend import trend_chart


def chart(*runs: tuple[str, float | None]):
    points = [TrendPoint(i, at, value) for i, (at, value) in enumerate(runs)]
    made = trend_chart(points)
    assert made is not None
    return made


def test_a_change_of_one_point_fills_the_chart_rather_than_a_sliver_of_0_to_100():
    c = chart(("2026-11-12T09:00:00Z", 87.5), ("2026-11-19T09:00:00Z", 88.0), ("2026-11-26T09:00:00Z", 88.6))
    assert [label for _, label in c.grid] == ["87.0%", "87.5%", "88.0%", "88.5%", "89.0%"]
    ys = [p.y for p in c.points]
    assert ys[0] - ys[-1] > 172 / 2  # over half the plot's height (0-100% gave it 2 units)
    top, bottom = min(y for y, _ in c.grid), max(y for y, _ in c.grid)
    assert all(top <= y <= bottom for y in ys)


@pytest.mark.parametrize(
    ("values", "grid"),
    [
        ((0.0, 100.0), ["0%", "25%", "50%", "75%", "100%"]),
        ((99.6, 100.0), ["99.0%", "99.5%", "100.0%"]),
        ((50.0, 50.0), ["49.5%", "50.0%", "50.5%"]),
    ],
)
def test_the_axis_stays_within_0_and_100_and_never_collapses(values, grid):
    c = chart(*((f"2026-11-{10 + i}T09:00:00Z", v) for i, v in enumerate(values)))
    assert [label for _, label in c.grid] == grid


def test_runs_on_one_day_are_told_apart_by_their_time():
    c = chart(("2026-11-25T09:00:00Z", 80.0), ("2026-11-26T09:00:00Z", 81.0), ("2026-11-26T15:30:00Z", 82.0))
    assert [p.label for p in c.points] == ["2026-11-25", "2026-11-26 09:00", "2026-11-26 15:30"]


def test_many_runs_get_a_few_distinct_date_labels_first_and_last_included():
    c = chart(*((f"2026-10-{i + 1:02d}T09:00:00Z", 70.0 + i) for i in range(20)))
    labels = [p.label for p in c.points if p.label]
    assert labels[0] == "2026-10-01" and labels[-1] == "2026-10-20"
    assert len(labels) == len(set(labels)) <= 6


def test_each_run_lists_its_sspr_attempts_or_says_they_were_not_read():
    points = [
        TrendPoint(1, "2026-11-12T09:00:00Z", 80.0),
        TrendPoint(2, "2026-11-19T09:00:00Z", 82.5, attempts=12, successes=9),
        TrendPoint(3, "2026-11-26T09:00:00Z", 85.0, attempts=1_204, successes=0),
    ]
    made = trend_chart(points)
    assert made is not None
    assert [(p.ready, p.attempts) for p in made.points] == [
        ("80.0%", "not read"),
        ("82.5%", "12 (9 successful)"),
        ("85.0%", "1,204 (0 successful)"),
    ]
