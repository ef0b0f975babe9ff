"""Program aggregates for one week, withheld when fewer than min_group_size people posted."""

from __future__ import annotations

import pytest

from bot.metrics.program import change, program_heatmaps, program_week
from tests.metrics.builders import every, people, post, run, sched, week

WEEK = "2026-11-16"
# Three UTC people, 09:00-18:00 Mon-Fri. A declares b2b, B nothing, C #marketing.
TABLE = people((1, sched(topics=["b2b"])), (2, sched()), (3, sched(topics=["#marketing"])))
RECORDS = [
    # A: one inside (10:00), one outside (20:00); engagement 10 and 1; on topic 1 of 2.
    post(1, "2026-11-16T10:00:00Z", "original", "b2b launch", likes=10),
    post(1, "2026-11-16T20:00:00Z", "reply", "thanks all", likes=1),
    # B: a repost (inside, engagement excluded) and a quote (inside, 2 + 1 = 3). No topics.
    post(2, "2026-11-17T11:00:00Z", "retweet", "b2b", likes=50),
    post(2, "2026-11-17T12:00:00Z", "quote", "look", likes=2, replies=1),
    # C: Wed 14:00 inside (4 + 1 = 5, on topic); Sat 10:00 outside (0, "marketing" is not "#marketing").
    post(3, "2026-11-18T14:00:00Z", "original", "#marketing ok", likes=4, reposts=1),
    post(3, "2026-11-21T10:00:00Z", "original", "marketing"),
]
SNAPSHOTS = [
    (1, "2026-11-13T12:00:00Z", 100),  # A, previous week
    (1, "2026-11-20T12:00:00Z", 120),  # A, this week: 120 - 100 = +20
    (2, "2026-11-16T12:00:00Z", 50),  # B, first week with snapshots: 45 - 50 = -5
    (2, "2026-11-20T12:00:00Z", 45),
    # C: no snapshot -> unknown, left out of the sum
]


def program(records=RECORDS, table=TABLE, snapshots=SNAPSHOTS, monday=WEEK, min_group_size=3, **kwargs):
    figures = run(records, table, snapshots, **kwargs)
    return program_week(figures.weekly, figures.local, week(monday), min_group_size)


def test_program_figures():
    result = program()
    assert (result.withheld, result.active_ambassadors, result.min_group_size) == (False, 3, 3)
    assert result.week == week(WEEK)
    # posts 2 + 2 + 2 = 6; inside: A 10:00, B 11:00, B 12:00, C Wed 14:00 = 4 -> 4 / 6.
    # engagement over own posts: 10 + 1 + 3 + 5 + 0 = 19 over 5 posts; median of [0, 1, 3, 5, 10] = 3.
    # on topic: A 1 of 2, C 1 of 2, B has no topics -> 2 / 4. Followers: +20 + -5 (C unknown) = 15.
    assert result.figures == {
        "posts": 6,
        "active_ambassadors": 3,
        "work_hours_share": pytest.approx(4 / 6),
        "engagement": 19,
        "engagement_posts": 5,
        "engagement_per_post_median": 3.0,
        "follower_net_change": 15,
        "on_topic_share": 0.5,
        "bursts": 0,
    }


def test_withheld_below_the_minimum_group_size():
    result = program(min_group_size=4)
    assert (result.withheld, result.active_ambassadors, result.min_group_size) == (True, 3, 4)
    assert result.figures == {}


def test_exactly_the_minimum_is_shown_and_one_less_is_withheld():
    # Drop C's posts this week; C stays on the grid with a post in the previous week (Tue 11-10).
    records = [r for r in RECORDS if r["ambassador_id"] != 3] + [post(3, "2026-11-10T10:00:00Z")]
    assert program(records, min_group_size=3).withheld is True
    assert program(records, min_group_size=3).active_ambassadors == 2
    shown = program(records, min_group_size=2)
    assert shown.withheld is False
    # A 2 + B 2 = 4 posts; C's silent week adds nothing.
    assert shown.figures["posts"] == 4
    assert shown.figures["active_ambassadors"] == 2


def test_a_repost_is_a_post_for_the_group_size():
    # B's only post this week is a repost: B still counts as active.
    records = [r for r in RECORDS if not (r["ambassador_id"] == 2 and r["kind"] == "quote")]
    assert program(records).active_ambassadors == 3
    assert program(records).withheld is False


def test_week_nobody_posted_is_withheld():
    result = program(monday="2026-06-01", min_group_size=1)
    assert (result.withheld, result.active_ambassadors, result.figures) == (True, 0, {})


def test_empty_program():
    result = program(records=[], snapshots=[], min_group_size=1)
    assert (result.withheld, result.active_ambassadors, result.figures) == (True, 0, {})


def test_unknowns_are_none():
    # Two people, reposts only, no snapshot: no own post -> no engagement median, no topic posts,
    # no followers.
    table = people((1, sched(topics=["b2b"])), (2, sched()))
    records = [post(1, "2026-11-16T10:00:00Z", "retweet", "b2b"), post(2, "2026-11-16T20:00:00Z", "retweet")]
    result = program(records, table, [], min_group_size=2)
    assert result.figures == {
        "posts": 2,
        "active_ambassadors": 2,
        "work_hours_share": 0.5,  # 10:00 inside, 20:00 outside
        "engagement": 0,
        "engagement_posts": 0,
        "engagement_per_post_median": None,
        "follower_net_change": None,
        "on_topic_share": None,
        "bursts": 0,
    }


def test_bursts_are_summed():
    # A: 6 posts 10:00-10:25 Monday (1 burst); B: 6 posts 10:00-10:25 and 6 posts 15:00-15:25 Tuesday (2).
    table = people((1, sched()), (2, sched()))
    records = [post(1, m) for m in every("2026-11-16T10:00:00Z", 5, 6)]
    records += [post(2, m) for m in every("2026-11-17T10:00:00Z", 5, 6) + every("2026-11-17T15:00:00Z", 5, 6)]
    result = program(records, table, [], min_group_size=2)
    assert result.figures["bursts"] == 3
    assert result.figures["posts"] == 18


def test_local_weeks_decide_who_is_active():
    # Sun 2026-11-22 20:00Z: 21:00 Sunday in Paris (week of 11-16), 05:00 Monday in Tokyo (week of 11-23).
    # With a UTC person posting on Monday 11-16, the week of 11-16 has 2 active people with Paris,
    # 1 with Tokyo.
    moment = "2026-11-22T20:00:00Z"
    paris = people((1, sched()), (2, sched("Europe/Paris")))
    tokyo = people((1, sched()), (2, sched("Asia/Tokyo")))
    records = [post(1, "2026-11-16T10:00:00Z"), post(2, moment)]
    assert program(records, paris, [], min_group_size=2).active_ambassadors == 2
    assert program(records, paris, [], min_group_size=2).figures["posts"] == 2
    assert program(records, tokyo, [], min_group_size=2).active_ambassadors == 1
    assert program(records, tokyo, [], min_group_size=2).withheld is True
    assert program(records, tokyo, [], monday="2026-11-23", min_group_size=1).figures["posts"] == 1


def test_heatmaps_per_program_sum_their_people_in_the_week():
    figures = run([*RECORDS, post(1, "2026-11-10T10:00:00Z")], TABLE, SNAPSHOTS)
    maps = program_heatmaps(figures.activity, {1: 7, 2: 7, 3: 8}, week(WEEK), [7, 8, 9])
    assert sorted(maps) == [7, 8, 9]
    cells = {
        key: {(d, h): n for d, row in enumerate(m) for h, n in enumerate(row) if n} for key, m in maps.items()
    }
    # 7: A Mon 10:00 and 20:00, B Tue 11:00 and 12:00 (last week's Tue 10:00 is not this week).
    assert cells[7] == {(0, 10): 1, (0, 20): 1, (1, 11): 1, (1, 12): 1}
    # 8: C Wed 14:00 and Sat 10:00. 9: nobody.
    assert cells[8] == {(2, 14): 1, (5, 10): 1}
    assert cells[9] == {}
    assert len(maps[9]) == 7 and {len(row) for row in maps[9]} == {24}


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        (12, 10, 0.2),
        (3, -2, 2.5),
        (0, 4, -1.0),
        (5, 0, None),
        (5, float("nan"), None),
        (None, 3, None),
        (3, None, None),
    ],
)
def test_change(current, previous, expected):
    assert change(current, previous) == expected
