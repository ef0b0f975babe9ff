"""Nudge rules over a localized frame: which work shifts were heavy, by whose own standard.

Rules (defaults; each changeable):
- `burst`: at least one burst inside the shift;
- `day_volume`: at least 10 work-hours posts in the shift;
- `above_baseline`: work-hours posts above 2x the person's median for that weekday over their
  previous 4 weeks, and at least 5.
"""

from __future__ import annotations

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
