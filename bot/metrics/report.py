"""One person's week as plain values (the `stats --format json` object), beside their baseline."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from bot.metrics.activity import activity_matrices
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
BASELINE_KEYS = [k for k in REPORT_KEYS if k != "engagement_posts"]
ENGAGEMENT_DENOMINATOR = "own posts (originals, replies and quotes; reposts excluded)"


def person_week(figures: Figures, ambassador_id: int, week: pd.Timestamp) -> dict[str, Any]:
    """Figures of one person for one local week, with `baseline` (trailing 4-week mean, same keys)."""
    return person_weeks(figures, week, [ambassador_id])[ambassador_id]


def person_weeks(
    figures: Figures, week: pd.Timestamp, ambassador_ids: Sequence[int]
) -> dict[int, dict[str, Any]]:
    """`person_week` for many people at once: one lookup per frame, not one per person (a weekly run
    writes ten thousand recaps)."""
    rows = _week_rows(figures.weekly, week)
    bases = _week_rows(figures.baseline, week)
    matrices = _hour_weekday(figures.activity, week, ambassador_ids)
    baseline_weeks = _baseline_weeks(figures, week)
    reports = {}
    for n, pid in enumerate(ambassador_ids):
        row, base = rows.get(pid), bases.get(pid)
        report: dict[str, Any] = {"week": week_label(week)}
        report.update({k: _value(row, k, default=0) for k in REPORT_KEYS})
        report["engagement_denominator"] = ENGAGEMENT_DENOMINATOR
        report["hour_weekday"] = matrices[n].tolist()
        report["baseline"] = {k: _value(base, k, default=None) for k in BASELINE_KEYS}
        report["baseline_weeks"] = int(baseline_weeks.get(pid, 0))
        reports[pid] = report
    return reports


def _week_rows(table: pd.DataFrame, week: pd.Timestamp) -> dict[int, dict[str, Any]]:
    """Each person's row of `week` in a (ambassador_id, week)-indexed table, as a dict."""
    at_week = table[table.index.get_level_values(1) == week]
    return at_week.droplevel(1).to_dict("index")


def _hour_weekday(activity: pd.DataFrame, week: pd.Timestamp, ambassador_ids: Sequence[int]) -> np.ndarray:
    """A 7 x 24 posts matrix per person (in the order given) for `week`."""
    counts = activity[activity["week"] == week]
    return activity_matrices(counts, ambassador_ids, counts["ambassador_id"].to_numpy())


def _baseline_weeks(figures: Figures, week: pd.Timestamp) -> pd.Series:
    """How many earlier weeks (at most 4) each person's baseline averages over."""
    index = figures.weekly.index
    weeks = index.get_level_values(1)
    earlier = (weeks < week) & (weeks >= week - pd.Timedelta(weeks=4))
    return pd.Series(earlier, index=index.get_level_values(0)).groupby(level=0).sum()


_RATES = {"work_hours_share", "on_topic_share", "median_gap_minutes_work_hours", "engagement_per_post_median"}
_NULLABLE = {*_RATES, "follower_net_change"}


def _value(row: dict[str, Any] | None, key: str, default: Any) -> Any:
    """A JSON-friendly value: counts as ints, rates rounded to 4 places, unknown as None."""
    if row is None or key not in row:
        return None if key in _NULLABLE else default
    value = row[key]
    if pd.isna(value):
        return None
    if key in _RATES or not float(value).is_integer():
        return round(float(value), 4)
    return int(value)
