"""Program aggregates for one week, withheld below the minimum group size where they are computed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from bot.metrics.activity import activity_matrices

Owners = Mapping[int, int] | pd.Series


@dataclass(frozen=True, slots=True)
class ProgramWeek:
    """Aggregates of one week. When `withheld`, `figures` is empty: nothing to show, by design."""

    week: pd.Timestamp
    active_ambassadors: int
    min_group_size: int
    withheld: bool
    figures: dict[str, Any] = field(default_factory=dict)


def program_week(
    table: pd.DataFrame, local: pd.DataFrame, week: pd.Timestamp, min_group_size: int
) -> ProgramWeek:
    """Program totals for `week` over everyone in `table`, or withheld if too few were active."""
    ids = table.index.get_level_values(0).unique().union(pd.Index(local["ambassador_id"].unique()))
    everyone = pd.Series(0, index=ids)
    return program_weeks(table, local, everyone, [week], {0: min_group_size})[(0, week)]


def program_weeks(
    table: pd.DataFrame,
    local: pd.DataFrame,
    owners: Owners,
    weeks: Sequence[pd.Timestamp],
    min_group_sizes: Mapping[int, int],
) -> dict[tuple[int, pd.Timestamp], ProgramWeek]:
    """Program totals of several programs (`owners`: ambassador id -> program, e.g. workspace id) for
    several weeks, from one groupby each over the weekly and local frames: a weekly run's hundreds of
    workspaces and trend weeks cost about what one does. Keyed (owner, week) for every owner in
    `min_group_sizes` and every week; a program below its minimum group size is withheld."""
    owners = owner_series(owners)
    wanted = list(weeks)
    rows = table[table.index.get_level_values("week").isin(wanted)]
    known = rows["follower_net_change"] if "follower_net_change" in rows else pd.Series(np.nan, rows.index)
    frame = pd.DataFrame(
        {
            "active": (rows["posts"] > 0).to_numpy(),
            **{column: rows[column].to_numpy() for column in _SUMMED},
            "follower_net_change": known.to_numpy(dtype="float64"),
            "follower_known": known.notna().to_numpy(),
        }
    )
    keys = [owners.reindex(rows.index.get_level_values(0)).to_numpy(), rows.index.get_level_values("week")]
    sums = frame.groupby(keys).sum().to_dict("index") if len(frame) else {}
    own = local.loc[local["week"].isin(wanted) & local["own"], ["ambassador_id", "week", "engagement"]]
    engagement = own.groupby([owners.reindex(own["ambassador_id"]).to_numpy(), own["week"].to_numpy()])[
        "engagement"
    ].agg(["size", "median"])
    own_stats = engagement.to_dict("index") if len(engagement) else {}
    return {
        (owner, week): _program_week(
            week, minimum, sums.get((owner, week), _NOTHING), own_stats.get((owner, week), _NO_OWN)
        )
        for owner, minimum in min_group_sizes.items()
        for week in wanted
    }


def owner_series(owners: Owners) -> pd.Series:
    """Ambassador id -> owner (e.g. workspace id) as a Series, for lookups a whole column at a time."""
    if isinstance(owners, pd.Series):
        return owners
    return pd.Series(dict(owners), dtype="int64")


def program_heatmaps(
    activity: pd.DataFrame, owners: Owners, week: pd.Timestamp, keys: Sequence[int]
) -> dict[int, tuple[tuple[int, ...], ...]]:
    """Each program's hour x weekday posts in `week`, summed in one pass into a matrix per program."""
    counts = activity[activity["week"] == week]
    row_keys = owner_series(owners).reindex(counts["ambassador_id"]).to_numpy()
    matrices = activity_matrices(counts, keys, row_keys)
    return {key: tuple(tuple(int(v) for v in row) for row in matrices[n]) for n, key in enumerate(keys)}


def change(current: float | None, previous: float | None) -> float | None:
    """Relative change, None when either side is unknown or the previous is 0."""
    if current is None or previous is None or previous == 0 or np.isnan(previous):
        return None
    return (current - previous) / abs(previous)


_SUMMED = ("posts", "work_hours_posts", "engagement", "topic_posts", "on_topic_posts", "bursts")
_NOTHING = {"active": 0, **dict.fromkeys(_SUMMED, 0), "follower_net_change": 0.0, "follower_known": 0}
_NO_OWN = {"size": 0, "median": None}


def _program_week(week: pd.Timestamp, minimum: int, sums: Mapping[str, Any], own: Mapping[str, Any]):
    """One program's week from its sums over people and its own posts' engagement."""
    active = int(sums["active"])
    if active < minimum:
        return ProgramWeek(week, active, minimum, withheld=True)
    posts = int(sums["posts"])
    figures = {
        "posts": posts,
        "active_ambassadors": active,
        "work_hours_share": _share(int(sums["work_hours_posts"]), posts),
        "engagement": int(sums["engagement"]),
        "engagement_posts": int(own["size"]),
        "engagement_per_post_median": float(own["median"]) if own["size"] else None,
        "follower_net_change": int(sums["follower_net_change"]) if sums["follower_known"] else None,
        "on_topic_share": _share(int(sums["on_topic_posts"]), int(sums["topic_posts"])),
        "bursts": int(sums["bursts"]),
    }
    return ProgramWeek(week, active, minimum, withheld=False, figures=figures)


def _share(part: int, whole: int) -> float | None:
    """part / whole, None when whole is 0."""
    return part / whole if whole else None
