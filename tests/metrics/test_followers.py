"""Follower net change per local week: last snapshot of the week minus the last one before it."""

from __future__ import annotations

import math

from bot.metrics.followers import follower_changes
from bot.metrics.frames import empty_snapshots
from bot.schedule import WorkSchedule
from tests.metrics.builders import people, post, row, run, sched, snaps

PARIS = people((1, sched("Europe/Paris")))
WEEKS = ["2026-11-09", "2026-11-16", "2026-11-23", "2026-11-30"]
# Europe/Paris is UTC+1 in November.
PARIS_SNAPSHOTS = [
    (1, "2026-11-10T09:00:00Z", 100),  # Tue 11-10 10:00 -> week of 11-09
    (1, "2026-11-13T17:00:00Z", 110),  # Fri 11-13 18:00 -> week of 11-09 (its last)
    (1, "2026-11-16T08:00:00Z", 115),  # Mon 11-16 09:00 -> week of 11-16
    (1, "2026-11-19T12:00:00Z", 130),  # Thu 11-19 13:00 -> week of 11-16 (its last)
    # nothing in the week of 11-23
    (1, "2026-12-02T12:00:00Z", 128),  # Wed 12-02 13:00 -> week of 11-30
]


def changes_of(rows: list[tuple[int, str, int]], table) -> dict[tuple[int, str], float]:
    """{(person, Monday as text): net change} straight from `follower_changes` (absent = unknown)."""
    got = follower_changes(snaps(rows), table)
    return {(amb, str(monday.date())): value for (amb, monday), value in got.items()}


# Posts in the first and the last week so that the grid of weeks covers all four.
GRID_POSTS = [post(1, "2026-11-10T10:00:00Z"), post(1, "2026-12-01T10:00:00Z")]


def test_net_change_per_week():
    # 11-09: first week with snapshots -> its last minus its first: 110 - 100 = 10.
    # 11-16: 130 - 110 (last before the week) = 20.
    # 11-23: no snapshot -> unknown.
    # 11-30: 128 - 130 (last before, two weeks back) = -2.
    assert changes_of(PARIS_SNAPSHOTS, PARIS) == {
        (1, "2026-11-09"): 10.0,
        (1, "2026-11-16"): 20.0,
        (1, "2026-11-30"): -2.0,
    }
    figures = run(GRID_POSTS, PARIS, PARIS_SNAPSHOTS)
    got = [row(figures, 1, w)["follower_net_change"] for w in WEEKS]
    assert got[0] == 10.0 and got[1] == 20.0 and math.isnan(got[2]) and got[3] == -2.0


def test_snapshot_order_does_not_matter():
    shuffled = [PARIS_SNAPSHOTS[i] for i in (4, 2, 0, 3, 1)]
    assert changes_of(shuffled, PARIS) == changes_of(PARIS_SNAPSHOTS, PARIS)


def test_single_snapshot_in_the_first_week_is_zero():
    assert changes_of([(1, "2026-11-18T12:00:00Z", 42)], PARIS) == {(1, "2026-11-16"): 0.0}


def test_weeks_are_local_far_from_utc():
    # Asia/Tokyo (UTC+9):
    #   11-10 00:00Z = Tue 09:00 JST      -> week of 11-09, 200
    #   11-15 14:30Z = Sun 23:30 JST      -> week of 11-09, 210 (its last)
    #   11-15 16:00Z = Mon 11-16 01:00 JST -> week of 11-16, 250
    # 11-09: 210 - 200 = 10; 11-16: 250 - 210 = 40. (By UTC weeks it would be 50 and unknown.)
    table = people((2, sched("Asia/Tokyo")))
    rows = [
        (2, "2026-11-10T00:00:00Z", 200),
        (2, "2026-11-15T14:30:00Z", 210),
        (2, "2026-11-15T16:00:00Z", 250),
    ]
    assert changes_of(rows, table) == {(2, "2026-11-09"): 10.0, (2, "2026-11-16"): 40.0}


def test_people_do_not_share_history():
    # Person 1's only snapshot is in the week of 11-16 (50): a first week -> 0, not 50 - person 2's 500.
    # Person 2: 500 in the week of 11-09, 505 in the week of 11-16 -> 0, then 5.
    table = people((1, WorkSchedule()), (2, WorkSchedule()))
    rows = [
        (2, "2026-11-10T12:00:00Z", 500),
        (2, "2026-11-17T12:00:00Z", 505),
        (1, "2026-11-18T12:00:00Z", 50),
    ]
    assert changes_of(rows, table) == {(1, "2026-11-16"): 0.0, (2, "2026-11-09"): 0.0, (2, "2026-11-16"): 5.0}


def test_no_snapshots_at_all():
    figures = run(GRID_POSTS, PARIS, [])
    assert figures.weekly["follower_net_change"].isna().all()
    assert len(figures.weekly) == 4
    assert len(follower_changes(empty_snapshots(), PARIS)) == 0


def test_snapshots_of_unknown_people_are_ignored():
    assert changes_of([(7, "2026-11-10T09:00:00Z", 1), (1, "2026-11-10T09:00:00Z", 3)], PARIS) == {
        (1, "2026-11-09"): 0.0
    }


def test_dst_week_boundary():
    # Europe/Paris, Sunday 2026-10-25 after the fall back (CET, UTC+1): 22:30Z = 23:30 Sunday -> week
    # of 10-19 (under the summer offset it would have been 00:30 Monday); 23:30Z = Mon 10-26 00:30 -> week
    # of 10-26.
    rows = [
        (1, "2026-10-19T10:00:00Z", 1000),
        (1, "2026-10-25T22:30:00Z", 1003),
        (1, "2026-10-25T23:30:00Z", 1010),
    ]
    # 10-19: 1003 - 1000 = 3; 10-26: 1010 - 1003 = 7.
    assert changes_of(rows, PARIS) == {(1, "2026-10-19"): 3.0, (1, "2026-10-26"): 7.0}
