"""One person's week as plain JSON-ready values, with the baseline beside it."""

from __future__ import annotations

import json

import pytest

from bot.errors import InvalidInput
from bot.metrics.report import person_week
from bot.metrics.weeks import parse_week, week_label
from bot.schedule import WorkSchedule
from tests.metrics.builders import people, post, run, sched, week

TABLE = people((1, sched(topics=["b2b"])))  # UTC, 09:00-18:00 Mon-Fri
RECORDS = [
    # Week of 11-09 (2026-W46): one original on topic, inside, no engagement.
    post(1, "2026-11-10T10:00:00Z", "original", "b2b"),
    # Week of 11-16 (2026-W47):
    post(1, "2026-11-16T10:00:00Z", "original", "b2b news", likes=3),  # inside, on topic, 3
    post(1, "2026-11-16T10:20:00Z", "reply", "hi", likes=1),  # inside, off topic, 1
    post(1, "2026-11-16T19:00:00Z", "retweet", "b2b", likes=9),  # outside, excluded from engagement/topics
]
SNAPSHOTS = [
    (1, "2026-11-09T10:00:00Z", 40),  # only snapshot of W46 -> W46 change 0
    (1, "2026-11-22T20:00:00Z", 47),  # Sun 20:00 UTC, W47 -> 47 - 40 = 7
]


def week_dict(figures, ambassador_id, monday):
    """The published JSON form of one person's week (what `stats --format json` prints)."""
    return person_week(figures, ambassador_id, monday).to_dict()


def empty_matrix() -> list[list[int]]:
    return [[0] * 24 for _ in range(7)]


def test_week_report():
    report = week_dict(run(RECORDS, TABLE, SNAPSHOTS), 1, week("2026-11-16"))
    matrix = empty_matrix()
    matrix[0][10] = 2  # Monday 10:00 and 10:20
    matrix[0][19] = 1  # Monday 19:00
    assert report == {
        "week": "2026-W47",
        "posts": 3,
        "originals": 1,
        "replies": 1,
        "retweets": 1,
        "quotes": 0,
        "active_days": 1,
        "work_hours_posts": 2,
        "work_hours_share": 0.6667,  # 2 / 3 rounded to 4 places
        "median_gap_minutes_work_hours": 20.0,  # 10:00 -> 10:20
        "bursts": 0,
        "engagement": 4,  # 3 + 1 (the repost's 9 excluded)
        "engagement_posts": 2,
        "engagement_per_post_median": 2.0,  # median of [3, 1]
        "on_topic_share": 0.5,  # "b2b news" yes, "hi" no
        "follower_net_change": 7,
        "engagement_denominator": "own posts (originals, replies and quotes; reposts excluded)",
        "hour_weekday": matrix,
        # Only W46 precedes W47 on the grid: its own figures are the baseline.
        "baseline": {
            "posts": 1,
            "originals": 1,
            "replies": 0,
            "retweets": 0,
            "quotes": 0,
            "active_days": 1,
            "work_hours_posts": 1,
            "work_hours_share": 1.0,
            "median_gap_minutes_work_hours": None,
            "bursts": 0,
            "engagement": 0,
            "engagement_per_post_median": 0.0,
            "on_topic_share": 1.0,
            "follower_net_change": 0,
        },
        "baseline_weeks": 1,
    }
    json.dumps(report)  # plain Python values only
    assert type(report["posts"]) is int and type(report["work_hours_share"]) is float


def test_first_week_report_has_an_empty_baseline():
    report = week_dict(run(RECORDS, TABLE, SNAPSHOTS), 1, week("2026-11-09"))
    assert report["week"] == "2026-W46"
    assert report["posts"] == 1 and report["work_hours_share"] == 1.0
    assert report["median_gap_minutes_work_hours"] is None  # a single post has no gap
    assert report["follower_net_change"] == 0
    assert set(report["baseline"].values()) == {None}
    assert report["baseline_weeks"] == 0
    assert "engagement_posts" not in report["baseline"]


def test_report_without_any_data():
    # No posts, no snapshots, a week nobody asked about: zeros and unknowns, no crash.
    report = week_dict(run([], TABLE), 1, week("2026-11-16"))
    assert report["week"] == "2026-W47"
    for count in (
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
    ):
        assert report[count] == 0, count
    for unknown in (
        "work_hours_share",
        "median_gap_minutes_work_hours",
        "engagement_per_post_median",
        "on_topic_share",
        "follower_net_change",
    ):
        assert report[unknown] is None, unknown
    assert report["hour_weekday"] == empty_matrix()
    assert set(report["baseline"].values()) == {None}
    assert report["baseline_weeks"] == 0
    json.dumps(report)


def test_silent_week_on_the_grid():
    # Posts in W46 and W48; W47 is silent: 0 posts, unknown rates, baseline of W46 only.
    records = [post(1, "2026-11-10T10:00:00Z", "original", "b2b"), post(1, "2026-11-24T10:00:00Z")]
    report = week_dict(run(records, TABLE), 1, week("2026-11-16"))
    assert (report["posts"], report["work_hours_share"], report["on_topic_share"]) == (0, None, None)
    assert report["baseline"]["posts"] == 1
    assert report["baseline_weeks"] == 1
    # W48: baseline over W46 (1 post) and W47 (0 posts) = 0.5; share over [1.0, unknown] = 1.0.
    w48 = week_dict(run(records, TABLE), 1, week("2026-11-23"))
    assert (w48["baseline"]["posts"], w48["baseline"]["work_hours_share"], w48["baseline_weeks"]) == (
        0.5,
        1.0,
        2,
    )


def test_hour_weekday_is_local_and_far_from_utc():
    # Tokyo: Sun 2026-11-22 14:30Z = Sunday 23:30 JST (W47, row 6, hour 23);
    # Sun 2026-11-22 16:00Z = Monday 11-23 01:00 JST (W48, row 0, hour 1).
    table = people((2, sched("Asia/Tokyo")))
    figures = run([post(2, "2026-11-22T14:30:00Z"), post(2, "2026-11-22T16:00:00Z")], table)
    w47, w48 = week_dict(figures, 2, week("2026-11-16")), week_dict(figures, 2, week("2026-11-23"))
    expected47, expected48 = empty_matrix(), empty_matrix()
    expected47[6][23] = 1
    expected48[0][1] = 1
    assert (w47["week"], w47["posts"], w47["hour_weekday"]) == ("2026-W47", 1, expected47)
    assert (w48["week"], w48["posts"], w48["hour_weekday"]) == ("2026-W48", 1, expected48)
    assert w48["baseline"]["posts"] == 1 and w48["baseline_weeks"] == 1


def test_iso_week_53_report():
    # FR person in Paris: Fri 2027-01-01 10:00 CET (09:00Z) is in 2026-W53 and a public holiday (outside).
    table = people((1, sched("Europe/Paris", country="FR")))
    figures = run([post(1, "2027-01-01T09:00:00Z")], table)
    monday = parse_week("2026-W53")
    assert monday == week("2026-12-28")
    report = week_dict(figures, 1, monday)
    matrix = empty_matrix()
    matrix[4][10] = 1  # Friday, 10:00 local
    assert (report["week"], report["posts"], report["work_hours_posts"], report["work_hours_share"]) == (
        "2026-W53",
        1,
        0,
        0.0,
    )
    assert report["hour_weekday"] == matrix


def test_week_labels():
    assert week_label(week("2026-12-28")) == "2026-W53"
    assert week_label(week("2027-01-04")) == "2027-W01"
    assert week_label(week("2026-11-09")) == "2026-W46"
    assert parse_week("2027-W01") == week("2027-01-04")
    assert parse_week("2026w47") == week("2026-11-16")
    with pytest.raises(InvalidInput):
        parse_week("2027-W53")  # 2027 starts on a Friday: 52 weeks only
    with pytest.raises(InvalidInput):
        parse_week("W47")


def test_same_posts_different_zone_different_report():
    # Mon 2026-11-16 08:30Z: 09:30 in Paris (inside), 03:30 in New York (outside), 17:30 in Tokyo (inside).
    table = people(
        (1, WorkSchedule(tz="Europe/Paris")),
        (2, WorkSchedule(tz="America/New_York")),
        (3, WorkSchedule(tz="Asia/Tokyo")),
    )
    figures = run([post(p, "2026-11-16T08:30:00Z") for p in (1, 2, 3)], table)
    shares = [week_dict(figures, p, week("2026-11-16"))["work_hours_share"] for p in (1, 2, 3)]
    hours = [week_dict(figures, p, week("2026-11-16"))["hour_weekday"][0].index(1) for p in (1, 2, 3)]
    assert shares == [1.0, 0.0, 1.0]
    assert hours == [9, 3, 17]
