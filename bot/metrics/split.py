"""Splitting one metrics pass over several programs (workspaces) into each program's own figures."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from bot.metrics.engine import Figures
from bot.metrics.program import owner_series


def split_figures(figures: Figures, owners: Mapping[int, int]) -> dict[int, Figures]:
    """The figures of each owner (ambassador id -> workspace id), from a pass over several: one groupby
    per frame, never one filter per workspace."""
    owner_of = owner_series(owners)

    def by_owner(frame: pd.DataFrame, ids: pd.Index | pd.Series) -> dict[int, pd.DataFrame]:
        keys = owner_of.reindex(ids).to_numpy()
        return {int(k): part for k, part in frame.groupby(keys, sort=False)}

    local = by_owner(figures.local, figures.local["ambassador_id"])
    weekly = by_owner(figures.weekly, figures.weekly.index.get_level_values(0))
    baseline = by_owner(figures.baseline, figures.baseline.index.get_level_values(0))
    activity = by_owner(figures.activity, figures.activity["ambassador_id"])
    people_of = owner_of.groupby(owner_of.to_numpy()).groups
    empty = empty_figures(figures)
    return {
        int(wid): Figures(
            local=local.get(int(wid), empty.local),
            weekly=weekly.get(int(wid), empty.weekly),
            baseline=baseline.get(int(wid), empty.baseline),
            activity=activity.get(int(wid), empty.activity),
            history_days=figures.history_days.reindex(people_of[wid]),
        )
        for wid in owner_of.unique()
    }


def empty_figures(figures: Figures) -> Figures:
    """The same frames with no rows: a workspace nobody has joined yet."""
    return Figures(
        local=figures.local.iloc[0:0],
        weekly=figures.weekly.iloc[0:0],
        baseline=figures.baseline.iloc[0:0],
        activity=figures.activity.iloc[0:0],
        history_days=figures.history_days.iloc[0:0],
    )
