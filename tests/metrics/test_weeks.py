"""ISO weeks: the UTC range that surely covers a local week in any zone."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.metrics.weeks import parse_week, utc_window


def test_utc_window_covers_the_weeks_before_with_a_day_either_side():
    start, end = utc_window(parse_week("2026-W47"), 2)  # Monday 2026-11-16
    assert (start, end) == (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 24, tzinfo=UTC))
    # Plain datetimes, as storage queries expect.
    assert type(start) is datetime and type(end) is datetime


def test_utc_window_of_the_week_alone():
    assert utc_window(datetime(2026, 11, 16), 0) == (
        datetime(2026, 11, 15, tzinfo=UTC),
        datetime(2026, 11, 24, tzinfo=UTC),
    )
