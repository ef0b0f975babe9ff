"""Program aggregates for one week, withheld below the minimum group size where they are computed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd


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
    rows = table.xs(week, level="week") if week in table.index.get_level_values("week") else table.iloc[0:0]
    active = int((rows["posts"] > 0).sum())
    if active < min_group_size:
        return ProgramWeek(week, active, min_group_size, withheld=True)
    own = local[(local["week"] == week) & local["own"]]
    posts = int(rows["posts"].sum())
    topic_posts = int(rows["topic_posts"].sum())
    figures = {
        "posts": posts,
        "active_ambassadors": active,
        "work_hours_share": _share(int(rows["work_hours_posts"].sum()), posts),
        "engagement": int(rows["engagement"].sum()),
        "engagement_posts": len(own),
        "engagement_per_post_median": float(own["engagement"].median()) if len(own) else None,
        "follower_net_change": _sum_known(rows.get("follower_net_change")),
        "on_topic_share": _share(int(rows["on_topic_posts"].sum()), topic_posts),
        "bursts": int(rows["bursts"].sum()),
    }
    return ProgramWeek(week, active, min_group_size, withheld=False, figures=figures)


def _share(part: int, whole: int) -> float | None:
    """part / whole, None when whole is 0."""
    return part / whole if whole else None


def _sum_known(values: pd.Series | None) -> int | None:
    """Sum of the known values, None when none is known."""
    if values is None or values.notna().sum() == 0:
        return None
    return int(np.nansum(values.to_numpy(dtype="float64")))
