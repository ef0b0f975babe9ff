"""Best posts per person and highlights per program, on a hand-built week."""

from __future__ import annotations

from bot.metrics.highlights import best_posts, program_highlights
from tests.metrics.builders import people, post, run, sched, week

WEEK = week("2026-11-16")
TABLE = people((1, sched()), (2, sched()), (3, sched()), (4, sched()))
RECORDS = [
    # 1: two posts at 5 engagements: the earlier x_id wins the tie; a repost at 50 is not their own.
    {**post(1, "2026-11-16T10:00:00Z", text="late", likes=5), "x_id": 11},
    {**post(1, "2026-11-17T10:00:00Z", text="early", likes=4, replies=1), "x_id": 10},
    {**post(1, "2026-11-18T10:00:00Z", "retweet", text="theirs", likes=50), "x_id": 12},
    # 2: nobody engaged this week; last week's 99 is last week's.
    {**post(2, "2026-11-16T10:00:00Z", text="quiet"), "x_id": 20},
    {**post(2, "2026-11-09T10:00:00Z", text="old", likes=99), "x_id": 21},
    # 3 and 4: one engaging post each.
    {**post(3, "2026-11-19T10:00:00Z", "quote", text="c", likes=3), "x_id": 30},
    {**post(4, "2026-11-20T10:00:00Z", "reply", text="d", reposts=9), "x_id": 40},
]
LOCAL = run(RECORDS, TABLE).local


def test_best_post_of_each_person_in_the_week():
    assert best_posts(LOCAL, WEEK) == {1: (10, 5, "early"), 3: (30, 3, "c"), 4: (40, 9, "d")}


def test_best_posts_of_a_week_nobody_posted_in():
    assert best_posts(LOCAL, week("2026-06-01")) == {}


def test_highlights_per_program_best_first_and_capped():
    owners = {1: 7, 2: 7, 3: 8, 4: 7}
    found = program_highlights(LOCAL, WEEK, {1, 2, 3, 4}, owners, per_program=2)
    assert found == {7: ((4, 40, 9, "d"), (1, 10, 5, "early")), 8: ((3, 30, 3, "c"),)}
    assert program_highlights(LOCAL, WEEK, {1, 2, 3, 4}, owners, per_program=1)[7] == ((4, 40, 9, "d"),)


def test_only_people_who_allow_highlights_are_shown():
    owners = {1: 7, 2: 7, 3: 8, 4: 7}
    assert program_highlights(LOCAL, WEEK, [1, 2], owners, per_program=3) == {7: ((1, 10, 5, "early"),)}
    assert program_highlights(LOCAL, WEEK, [], owners, per_program=3) == {}
