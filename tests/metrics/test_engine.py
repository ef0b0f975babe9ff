"""The whole pass from storage rows: the same figures as from frames, on a grid of weeks."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from bot.metrics.engine import figures_from_rows
from tests.metrics.builders import sched, week

PEOPLE = [(1, "p1", sched()), (2, "p2", sched(tz="Asia/Tokyo"))]
POSTS = [
    # (ambassador_id, created_at, kind, text, likes, reposts, replies, quotes, x_id)
    (1, datetime(2026, 11, 16, 10, tzinfo=UTC), "original", "a", 3, 1, 0, 0, 10),
    (1, datetime(2026, 11, 10, 20, tzinfo=UTC), "reply", "b", 0, 0, 0, 0, 11),
    # Sunday 11-15 20:00 UTC is Monday 05:00 in Tokyo: that person's week of 11-16.
    (2, datetime(2026, 11, 15, 20, tzinfo=UTC), "quote", "c", 1, 0, 0, 0, 20),
]
SNAPSHOTS = [
    (1, datetime(2026, 11, 9, 12, tzinfo=UTC), 100),
    (1, datetime(2026, 11, 17, 12, tzinfo=UTC), 104),
]
STARTS = {1: datetime(2026, 11, 1, tzinfo=UTC)}


def test_figures_from_rows_on_the_grid_of_weeks():
    figures = figures_from_rows(POSTS, SNAPSHOTS, PEOPLE, STARTS, week("2026-11-16"), history=2)
    grid = [week(m) for m in ("2026-11-02", "2026-11-09", "2026-11-16")]
    assert figures.weekly.index.tolist() == [(pid, w) for pid in (1, 2) for w in grid]
    assert figures.weekly["posts"].tolist() == [0, 1, 1, 0, 0, 1]
    assert figures.weekly.loc[(1, week("2026-11-16")), "engagement"] == 4
    assert figures.weekly.loc[(1, week("2026-11-16")), "follower_net_change"] == 4.0
    assert figures.local["week"].tolist() == [week("2026-11-09"), week("2026-11-16"), week("2026-11-16")]
    # History starts: 1 from storage (local midnight), 2 unknown.
    assert figures.history_days.index.tolist() == [1, 2]
    assert figures.history_days[1] == pd.Timestamp("2026-11-01") and pd.isna(figures.history_days[2])


def test_figures_from_no_rows():
    figures = figures_from_rows([], [], PEOPLE, {}, week("2026-11-16"), history=0)
    assert figures.weekly.index.tolist() == [(1, week("2026-11-16")), (2, week("2026-11-16"))]
    assert figures.weekly["posts"].tolist() == [0, 0]
    assert len(figures.local) == 0
