"""One pass over several workspaces, split into each workspace's own figures."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from bot.metrics.split import empty_figures, split_figures
from tests.metrics.builders import people, post, run, sched

TABLE = people((1, sched()), (2, sched()), (3, sched()))
RECORDS = [
    post(1, "2026-11-16T10:00:00Z", likes=1),
    post(1, "2026-11-17T10:00:00Z"),
    post(2, "2026-11-16T11:00:00Z"),
    # 3 posts nothing: a row on the weeks' grid only.
]
# Histories: 1 from 11-01, 2 from 11-02, 3 unknown.
DAYS = pd.Series(pd.to_datetime(["2026-11-01", "2026-11-02", None]), index=[1, 2, 3]).astype("datetime64[us]")
FIGURES = replace(run(RECORDS, TABLE, weeks=["2026-11-09", "2026-11-16"]), history_days=DAYS)


def ids(frame: pd.DataFrame) -> list[int]:
    """Distinct ambassador ids of a frame, from its column or its first index level."""
    column = frame["ambassador_id"] if "ambassador_id" in frame else frame.index.get_level_values(0)
    return sorted(int(a) for a in set(column))


def test_each_owner_gets_its_own_people_only():
    parts = split_figures(FIGURES, {1: 7, 2: 8, 3: 7})
    assert sorted(parts) == [7, 8]
    seven, eight = parts[7], parts[8]
    assert (ids(seven.local), ids(eight.local)) == ([1], [2])
    assert (len(seven.local), len(eight.local)) == (2, 1)
    assert (ids(seven.weekly), ids(eight.weekly)) == ([1, 3], [2])
    assert len(seven.weekly) == 4 and len(eight.weekly) == 2
    assert (ids(seven.baseline), ids(eight.baseline)) == ([1, 3], [2])
    assert (ids(seven.activity), ids(eight.activity)) == ([1], [2])
    assert seven.history_days.index.tolist() == [1, 3]
    assert seven.history_days[1] == pd.Timestamp("2026-11-01") and pd.isna(seven.history_days[3])
    assert eight.history_days.to_dict() == {2: pd.Timestamp("2026-11-02")}


def test_an_owner_whose_people_never_posted_gets_empty_frames():
    parts = split_figures(FIGURES, {1: 7, 2: 7, 3: 9})
    nine = parts[9]
    assert (len(nine.local), len(nine.activity)) == (0, 0)
    assert list(nine.local.columns) == list(FIGURES.local.columns)
    assert ids(nine.weekly) == [3] and len(nine.weekly) == 2
    assert nine.history_days.index.tolist() == [3]


def test_empty_figures_keep_the_columns_and_drop_every_row():
    empty = empty_figures(FIGURES)
    for frame, full in [
        (empty.local, FIGURES.local),
        (empty.weekly, FIGURES.weekly),
        (empty.baseline, FIGURES.baseline),
        (empty.activity, FIGURES.activity),
    ]:
        assert len(frame) == 0 and list(frame.columns) == list(full.columns)
        assert frame.dtypes.to_dict() == full.dtypes.to_dict()
    assert len(empty.history_days) == 0 and empty.history_days.dtype == FIGURES.history_days.dtype
