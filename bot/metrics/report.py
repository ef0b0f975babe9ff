"""One person's week as a typed value beside their baseline; `WeekReport.to_dict()` is the
`stats --format json` object (its keys are a contract: only ever added)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from bot.metrics.activity import activity_matrices
from bot.metrics.engine import Figures
from bot.metrics.weeks import week_label
from bot.schedule import WorkSchedule

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

Number = int | float


@dataclass(frozen=True, slots=True)
class WeekFigures:
    """A person's figures for one local week (counts are whole, rates rounded to 4 places, None when
    there is nothing to measure)."""

    posts: int
    originals: int
    replies: int
    retweets: int
    quotes: int
    active_days: int
    work_hours_posts: int
    work_hours_share: float | None
    median_gap_minutes_work_hours: float | None
    bursts: int
    engagement: int
    engagement_posts: int
    engagement_per_post_median: float | None
    on_topic_share: float | None
    follower_net_change: int | None


@dataclass(frozen=True, slots=True)
class Baseline:
    """The same figures as the mean of the person's previous weeks (at most 4); None where unknown."""

    posts: Number | None
    originals: Number | None
    replies: Number | None
    retweets: Number | None
    quotes: Number | None
    active_days: Number | None
    work_hours_posts: Number | None
    work_hours_share: float | None
    median_gap_minutes_work_hours: float | None
    bursts: Number | None
    engagement: Number | None
    engagement_per_post_median: float | None
    on_topic_share: float | None
    follower_net_change: Number | None


@dataclass(frozen=True, slots=True)
class PersonWeek:
    """One person's week: figures, hour x weekday counts (local time), and their baseline."""

    week: str
    figures: WeekFigures
    hour_weekday: tuple[tuple[int, ...], ...]
    baseline: Baseline
    baseline_weeks: int

    def to_dict(self) -> dict[str, Any]:
        """The figures part of the `stats` JSON object, in its published key order."""
        return {
            "week": self.week,
            **asdict(self.figures),
            "engagement_denominator": ENGAGEMENT_DENOMINATOR,
            "hour_weekday": [list(row) for row in self.hour_weekday],
            "baseline": asdict(self.baseline),
            "baseline_weeks": self.baseline_weeks,
        }


@dataclass(frozen=True, slots=True)
class WeekReport:
    """Whose week it is and the schedule its work-hours figures used, with the week itself."""

    handle: str
    schedule: WorkSchedule
    week: PersonWeek

    def to_dict(self) -> dict[str, Any]:
        """The `stats --format json` object."""
        about = {
            "handle": self.handle,
            "tz": self.schedule.tz,
            "hours": self.schedule.hours_text,
            "days": self.schedule.days_text,
            "country": self.schedule.country,
            "topics": list(self.schedule.topics),
        }
        return {**about, **self.week.to_dict()}


assert [f.name for f in fields(WeekFigures)] == REPORT_KEYS  # the JSON order is the field order
assert [f.name for f in fields(Baseline)] == BASELINE_KEYS


def person_week(figures: Figures, ambassador_id: int, week: pd.Timestamp) -> PersonWeek:
    """Figures of one person for one local week, beside their baseline (trailing 4-week mean)."""
    return person_weeks(figures, week, [ambassador_id])[ambassador_id]


def person_weeks(
    figures: Figures, week: pd.Timestamp, ambassador_ids: Sequence[int]
) -> dict[int, PersonWeek]:
    """`person_week` for many people at once: one lookup per frame, not one per person (a weekly run
    writes ten thousand recaps)."""
    rows = _week_rows(figures.weekly, week)
    bases = _week_rows(figures.baseline, week)
    matrices = _hour_weekday(figures.activity, week, ambassador_ids)
    baseline_weeks = _baseline_weeks(figures, week)
    label = week_label(week)
    reports = {}
    for n, pid in enumerate(ambassador_ids):
        row, base = rows.get(pid), bases.get(pid)
        reports[pid] = PersonWeek(
            week=label,
            figures=WeekFigures(**{k: _value(row, k, default=0) for k in REPORT_KEYS}),
            hour_weekday=tuple(tuple(int(c) for c in r) for r in matrices[n].tolist()),
            baseline=Baseline(**{k: _value(base, k, default=None) for k in BASELINE_KEYS}),
            baseline_weeks=int(baseline_weeks.get(pid, 0)),
        )
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
