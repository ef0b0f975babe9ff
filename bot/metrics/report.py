"""One person's week as plain values (the `stats --format json` object), beside their baseline."""

from __future__ import annotations

from typing import Any

import pandas as pd

from bot.metrics.activity import activity_matrix
from bot.metrics.engine import Figures
from bot.metrics.weeks import week_label

REPORT_KEYS = [
    "posts",
    "originals",
    "replies",
    "retweets",
    "quotes",
    "active_days",
    "work_hours_posts",
    "work_hours_share",
    "median_gap_minutes_work_hours",
    "bursts",
    "engagement",
    "engagement_posts",
    "engagement_per_post_median",
    "on_topic_share",
    "follower_net_change",
]
ENGAGEMENT_DENOMINATOR = "own posts (originals, replies and quotes; reposts excluded)"


def person_week(figures: Figures, ambassador_id: int, week: pd.Timestamp) -> dict[str, Any]:
    """Figures of one person for one local week, with `baseline` (trailing 4-week mean, same keys)."""
    key = (ambassador_id, week)
    row = figures.weekly.loc[key] if key in figures.weekly.index else None
    base = figures.baseline.loc[key] if key in figures.baseline.index else None
    counts = figures.activity
    mine = counts[(counts["ambassador_id"] == ambassador_id) & (counts["week"] == week)]
    report: dict[str, Any] = {"week": week_label(week)}
    report.update({k: _value(row, k, default=0) for k in REPORT_KEYS})
    report["engagement_denominator"] = ENGAGEMENT_DENOMINATOR
    report["hour_weekday"] = activity_matrix(mine).tolist()
    report["baseline"] = {k: _value(base, k, default=None) for k in REPORT_KEYS if k != "engagement_posts"}
    report["baseline_weeks"] = _baseline_weeks(figures, ambassador_id, week)
    return report


def _baseline_weeks(figures: Figures, ambassador_id: int, week: pd.Timestamp) -> int:
    """How many earlier weeks (at most 4) the baseline averages over."""
    if ambassador_id not in figures.weekly.index.get_level_values(0):
        return 0
    weeks = figures.weekly.xs(ambassador_id, level=0).index
    earlier = weeks[(weeks < week) & (weeks >= week - pd.Timedelta(weeks=4))]
    return len(earlier)


_RATES = {"work_hours_share", "on_topic_share", "median_gap_minutes_work_hours", "engagement_per_post_median"}
_NULLABLE = {*_RATES, "follower_net_change"}


def _value(row: pd.Series | None, key: str, default: Any) -> Any:
    """A JSON-friendly value: counts as ints, rates rounded to 4 places, unknown as None."""
    if row is None or key not in row.index:
        return None if key in _NULLABLE else default
    value = row[key]
    if pd.isna(value):
        return None
    if key in _RATES or not float(value).is_integer():
        return round(float(value), 4)
    return int(value)
