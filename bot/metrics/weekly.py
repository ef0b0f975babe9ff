"""Per person, per local ISO week figures, on a complete grid of weeks so that quiet weeks count."""

from __future__ import annotations

import numpy as np
import pandas as pd

from bot.metrics.bursts import BurstRule, burst_starts, work_gaps

WEEK = pd.Timedelta(days=7)
KIND_COLUMNS = {"originals": "original", "replies": "reply", "retweets": "retweet", "quotes": "quote"}
COUNT_FIGURES = [
    "posts",
    "originals",
    "replies",
    "retweets",
    "quotes",
    "active_days",
    "work_hours_posts",
    "bursts",
    "engagement",
    "engagement_posts",
]
RATE_FIGURES = [
    "work_hours_share",
    "median_gap_minutes_work_hours",
    "engagement_per_post_median",
    "on_topic_share",
]
FIGURES = [*COUNT_FIGURES, *RATE_FIGURES, "on_topic_posts", "topic_posts"]
COUNTED = [*COUNT_FIGURES, "on_topic_posts", "topic_posts"]
BASELINE_FIGURES = [*COUNT_FIGURES, *RATE_FIGURES, "follower_net_change"]


def weekly_figures(
    local: pd.DataFrame, since: pd.Series, rule: BurstRule, weeks: pd.DatetimeIndex | None = None
) -> pd.DataFrame:
    """Figures indexed by (ambassador_id, week) on a full grid of weeks (see `week_grid`)."""
    keys = ["ambassador_id", "week"]
    flags = pd.DataFrame({"ambassador_id": local["ambassador_id"], "week": local["week"]})
    codes = local["kind"].cat.codes.to_numpy()
    for column, kind in KIND_COLUMNS.items():
        flags[column] = codes == local["kind"].cat.categories.get_loc(kind)
    flags["work_hours_posts"] = local["work"].to_numpy()
    flags["engagement_posts"] = local["own"].to_numpy()
    flags["engagement"] = np.where(local["own"], local["engagement"], 0)
    flags["own_engagement"] = np.where(local["own"], local["engagement"], np.nan)
    has_topics = local["on_topic"].notna().to_numpy()
    flags["topic_posts"] = local["own"].to_numpy() & has_topics
    flags["on_topic_posts"] = flags["topic_posts"] & (local["on_topic"].to_numpy() == 1.0)

    grouped = flags.groupby(keys, sort=True)
    sums = grouped[
        [*KIND_COLUMNS, "work_hours_posts", "engagement_posts", "engagement", "topic_posts", "on_topic_posts"]
    ].sum()
    sums["posts"] = grouped.size()
    sums["engagement_per_post_median"] = grouped["own_engagement"].median()
    days = local.drop_duplicates(["ambassador_id", "local_date"])
    sums["active_days"] = days.groupby(keys).size()
    sums["median_gap_minutes_work_hours"] = work_gaps(local).groupby(keys)["gap_minutes"].median()
    sums["bursts"] = burst_starts(local, rule).groupby(keys).size()

    grid = week_grid(sums.index, since, weeks)
    table = sums.reindex(grid)
    table[COUNTED] = table[COUNTED].fillna(0).astype("int64")
    table["work_hours_share"] = _ratio(table["work_hours_posts"], table["posts"])
    table["on_topic_share"] = _ratio(table["on_topic_posts"], table["topic_posts"])
    return table[FIGURES]


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator, NaN where the denominator is 0."""
    return (numerator / denominator.where(denominator > 0)).astype("float64")


def week_grid(seen: pd.MultiIndex, since: pd.Series, weeks: pd.DatetimeIndex | None) -> pd.MultiIndex:
    """Every week of each person from the start of their history to the last week of interest.

    A person's history starts at their first week with a post, or earlier at `since` (the local week
    of their first stored post or opt-in, when known): a silent week after that counts as zero posts,
    while weeks before it are not theirs to count. `weeks` (optional) makes sure everyone has rows for
    those weeks: it extends the grid to its last week and, for people whose `since` is unknown or
    earlier, back to its first week (never further back than a week with a post).
    """
    week_values = seen.get_level_values(1)
    first_seen = pd.Series(week_values, index=seen.get_level_values(0)).groupby(level=0).min()
    last = week_values.max() if len(week_values) else None
    if weeks is not None and len(weeks):
        floor = since.clip(lower=weeks.min()).fillna(weeks.min())
        start = pd.concat([first_seen, floor]).groupby(level=0).min()
        last = weeks.max() if last is None else max(weeks.max(), last)
    else:
        start = pd.concat([first_seen, since.dropna()]).groupby(level=0).min()
    if last is None or start.empty:
        return pd.MultiIndex.from_arrays(
            [pd.Index([], dtype="int64"), pd.DatetimeIndex([], dtype="datetime64[us]")],
            names=["ambassador_id", "week"],
        )
    start = start.astype("datetime64[us]").clip(upper=last)
    counts = ((last - start) // WEEK + 1).astype("int64").to_numpy()
    person = np.repeat(start.index.to_numpy(), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    starts = np.repeat(start.to_numpy(), counts) + offsets * WEEK.to_timedelta64()
    return pd.MultiIndex.from_arrays([person, pd.DatetimeIndex(starts)], names=["ambassador_id", "week"])


def trailing_baseline(table: pd.DataFrame, weeks: int = 4) -> pd.DataFrame:
    """Mean of each figure over the person's previous `weeks` weeks on the grid (NaN values skipped).

    Vectorized with whole-frame shifts: a shifted row counts only if it is the same person.
    """
    ids = table.index.get_level_values(0).to_numpy()
    columns = [c for c in table.columns if c in BASELINE_FIGURES]
    values = table[columns].to_numpy(dtype="float64")
    total = np.zeros_like(values)
    count = np.zeros_like(values)
    for lag in range(1, weeks + 1):
        if lag >= len(values):
            break
        shifted = np.full_like(values, np.nan)
        shifted[lag:] = values[:-lag]
        same = np.zeros(len(values), dtype=bool)
        same[lag:] = ids[lag:] == ids[:-lag]
        shifted[~same] = np.nan
        present = ~np.isnan(shifted)
        total += np.where(present, shifted, 0.0)
        count += present
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / np.where(count > 0, count, 1), np.nan)
    return pd.DataFrame(mean, index=table.index, columns=columns)
