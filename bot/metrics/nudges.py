"""Nudge rules over a localized frame: which work shifts were heavy, by whose own standard.

Rules (defaults; each changeable):
- `burst`: at least one burst inside the shift;
- `day_volume`: at least 10 work-hours posts in the shift;
- `above_baseline`: work-hours posts above 2x the person's median for that weekday over their
  previous 4 weeks, and at least 5.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from bot.metrics.bursts import BurstRule, burst_starts

DAY = pd.Timedelta(days=1)


@dataclass(frozen=True, slots=True)
class NudgeRules:
    """Thresholds of the three triggers and the delivery caps."""

    burst: BurstRule = field(default_factory=BurstRule)
    day_volume: int = 10
    baseline_ratio: float = 2.0
    baseline_min_posts: int = 5
    per_day: int = 1
    per_week: int = 2


@dataclass(frozen=True, slots=True)
class FiredNudge:
    """A work shift where a rule fired, with the numbers behind it."""

    ambassador_id: int
    day: str
    rule: str
    work_posts: int
    bursts: int
    weekday_median: float | None


def fired_nudges(
    local: pd.DataFrame,
    history_days: pd.Series | None,
    rules: NudgeRules,
    week: pd.Timestamp,
    enabled: Collection[int],
    *,
    cap: bool = True,
) -> list[FiredNudge]:
    """Shifts of `week` where a rule fired for the `enabled` people, by person then day; with `cap`, at
    most `rules.per_week` each."""
    fired = triggered(shift_activity(local, rules, history_days), rules)
    week_end = week + 7 * DAY
    fired = fired[(fired["shift_date"] >= week) & (fired["shift_date"] < week_end)]
    fired = fired[fired["ambassador_id"].isin(list(enabled))].sort_values(["ambassador_id", "shift_date"])
    if cap:  # a preview (the demo) caps what fired; delivery caps what was actually sent instead
        fired = fired[fired.groupby("ambassador_id").cumcount() < rules.per_week]
    return [
        FiredNudge(
            ambassador_id=int(row.ambassador_id),
            day=row.shift_date.date().isoformat(),
            rule=str(row.rule),
            work_posts=int(row.work_posts),
            bursts=int(row.bursts),
            weekday_median=None if pd.isna(row.weekday_median) else float(row.weekday_median),
        )
        for row in fired.itertuples(index=False)
    ]


def shift_activity(
    local: pd.DataFrame, rules: NudgeRules, history_days: pd.Series | None = None
) -> pd.DataFrame:
    """Per (ambassador_id, shift_date): work posts, bursts, weekday median over the 4 weeks before.
    `history_days` (local date each person's history starts) tells a quiet week from no history;
    without it, history starts at each person's first post in `local`."""
    work = local[local["work"]]
    keys = ["ambassador_id", "shift_date"]
    daily = work.groupby(keys).size().rename("work_posts").to_frame()
    daily["bursts"] = burst_starts(local, rules.burst).groupby(keys).size()
    daily["bursts"] = daily["bursts"].fillna(0).astype("int64")
    daily["first_work_post"] = work.groupby(keys)["created_at"].min()
    daily["weekday_median"] = _weekday_median(daily["work_posts"], local, history_days)
    return daily.reset_index()


def _weekday_median(work_posts: pd.Series, local: pd.DataFrame, history_days: pd.Series | None) -> pd.Series:
    """Median of the same weekday's work posts over the previous 4 weeks (0 for silent days).

    Days before the person's history starts are not counted: no history is not a quiet history. It
    starts on `history_days` (opt-in or first stored post) where known, else at the first post here.
    """
    first_day = local.groupby("ambassador_id")["local_date"].min()
    if history_days is not None:
        known = history_days.dropna()
        first_day = known.combine_first(first_day).astype("datetime64[us]")
    ids = work_posts.index.get_level_values(0)
    days = work_posts.index.get_level_values(1)
    lagged = []
    for lag in range(1, 5):
        earlier = pd.MultiIndex.from_arrays([ids, days - lag * 7 * DAY])
        values = work_posts.reindex(earlier).fillna(0).to_numpy(dtype="float64")
        known = (days - lag * 7 * DAY) >= first_day.reindex(ids).to_numpy()
        lagged.append(np.where(known, values, np.nan))
    median = pd.DataFrame(np.vstack(lagged).T).median(axis=1, skipna=True).to_numpy()
    return pd.Series(median, index=work_posts.index)


def triggered(daily: pd.DataFrame, rules: NudgeRules) -> pd.DataFrame:
    """Rows of `daily` where a rule fires, with the first firing rule in `rule` (burst first)."""
    burst = daily["bursts"] >= 1
    volume = daily["work_posts"] >= rules.day_volume
    above = (daily["work_posts"] >= rules.baseline_min_posts) & (
        daily["work_posts"] > rules.baseline_ratio * daily["weekday_median"]
    )
    rule = np.select([burst, volume, above], ["burst", "day_volume", "above_baseline"], default="")
    fired = daily.assign(rule=rule)
    return fired[fired["rule"] != ""].reset_index(drop=True)
