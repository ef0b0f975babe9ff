"""Follower net change per person and local week, from follower snapshots."""

from __future__ import annotations

import pandas as pd

from bot.metrics.frames import local_times, week_of


def follower_changes(snapshots: pd.DataFrame, people: pd.DataFrame) -> pd.Series:
    """Net follower change per (ambassador_id, week).

    The week's last snapshot minus the last snapshot before the week; for the first week with
    snapshots, minus the week's first snapshot. Weeks without a snapshot are absent (unknown).
    """
    snaps = snapshots[snapshots["ambassador_id"].isin(people.index)]
    if snaps.empty:
        return pd.Series(dtype="float64", name="follower_net_change")
    snaps = snaps.sort_values(["ambassador_id", "taken_at"], kind="stable").reset_index(drop=True)
    snaps["week"] = week_of(local_times(snaps["ambassador_id"], snaps["taken_at"], people))
    weekly = snaps.groupby(["ambassador_id", "week"])["followers"].agg(["first", "last"])
    previous = weekly["last"].groupby(level=0).shift(1)
    change = weekly["last"] - previous.fillna(weekly["first"])
    return change.astype("float64").rename("follower_net_change")
