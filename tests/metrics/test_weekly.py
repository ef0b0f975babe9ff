"""Per person, per local ISO week figures: kinds, active days, engagement, the grid of weeks, empty input."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.metrics.engine import compute_figures
from bot.metrics.frames import empty_posts, empty_snapshots, localize
from bot.metrics.weekly import FIGURES
from bot.metrics.weeks import week_label
from bot.schedule import WorkSchedule
from tests.metrics.builders import people, post, posts, row, run, sched, ts, week

UTC_PERSON = people((1, WorkSchedule()))


def test_kinds_active_days_work_hours_and_engagement():
    # UTC person, week of Monday 2026-11-16. engagement = likes + reposts + replies + quotes.
    records = [
        post(1, "2026-11-16T10:00:00Z", "original", likes=10, reposts=2, replies=1),  # 13, in
        post(1, "2026-11-16T11:00:00Z", "original"),  # 0, in
        post(1, "2026-11-17T20:00:00Z", "original", likes=2),  # 2, out (20:00)
        post(1, "2026-11-18T10:00:00Z", "reply", likes=1),  # 1, in
        post(1, "2026-11-18T12:00:00Z", "reply", replies=3),  # 3, in
        post(
            1, "2026-11-19T10:00:00Z", "retweet", likes=100, reposts=50, replies=20, quotes=5
        ),  # excluded, in
        post(1, "2026-11-22T15:00:00Z", "quote", likes=3, reposts=1, replies=1, quotes=1),  # 6, out (Sunday)
    ]
    w = row(run(records, UTC_PERSON), 1, "2026-11-16")
    assert (w["posts"], w["originals"], w["replies"], w["retweets"], w["quotes"]) == (7, 3, 2, 1, 1)
    # Distinct local dates: Mon 16, Tue 17, Wed 18, Thu 19, Sun 22 -> 5.
    assert w["active_days"] == 5
    # Inside 09:00-18:00 Mon-Fri: Mon 10:00, Mon 11:00, Wed 10:00, Wed 12:00, Thu 10:00 (a repost is a
    # post) -> 5.
    assert w["work_hours_posts"] == 5
    assert w["work_hours_share"] == 5 / 7
    # Own posts (not reposts): 13 + 0 + 2 + 1 + 3 + 6 = 25 over 6 posts; median of [0, 1, 2, 3, 6, 13] = 2.5.
    assert (w["engagement"], w["engagement_posts"], w["engagement_per_post_median"]) == (25, 6, 2.5)
    # Gaps in one shift: Mon 10:00 -> 11:00 = 60, Wed 10:00 -> 12:00 = 120 (Thu is alone) -> median 90.
    assert w["median_gap_minutes_work_hours"] == 90.0
    assert w["bursts"] == 0
    assert math.isnan(w["on_topic_share"])  # no declared topics


def test_reposts_only_week_has_no_engagement():
    records = [
        post(1, "2026-11-16T10:00:00Z", "retweet", likes=9),
        post(1, "2026-11-16T11:00:00Z", "retweet"),
    ]
    w = row(run(records, UTC_PERSON), 1, "2026-11-16")
    assert (w["posts"], w["retweets"], w["engagement"], w["engagement_posts"]) == (2, 2, 0, 0)
    assert math.isnan(w["engagement_per_post_median"])


def test_person_with_one_post():
    # Paris (UTC+1): Wednesday 2026-11-18 09:00Z = 10:00 CET, inside; the only row of the grid.
    table = people((1, sched("Europe/Paris")))
    figures = run([post(1, "2026-11-18T09:00:00Z", "original", likes=4)], table)
    assert list(figures.weekly.index) == [(1, week("2026-11-16"))]
    w = row(figures, 1, "2026-11-16")
    assert (w["posts"], w["originals"], w["active_days"], w["work_hours_posts"], w["bursts"]) == (
        1,
        1,
        1,
        1,
        0,
    )
    assert w["work_hours_share"] == 1.0
    assert math.isnan(w["median_gap_minutes_work_hours"])
    assert (w["engagement"], w["engagement_posts"], w["engagement_per_post_median"]) == (4, 1, 4.0)


# --- empty input -----------------------------------------------------------------------------------------


def test_no_posts_at_all():
    table = people((1, sched("Europe/Paris", country="FR", topics=["b2b"])), (2, WorkSchedule()))
    figures = compute_figures(empty_posts(), table, empty_snapshots())
    assert len(figures.weekly) == 0
    assert set(FIGURES) <= set(figures.weekly.columns)
    assert len(figures.baseline) == 0
    assert len(figures.activity) == 0
    assert len(figures.local) == 0


def test_no_posts_in_an_asked_week_gives_zeros_and_nan():
    # Nobody posted; the week of 2026-11-16 is asked: everyone gets a row of zero counts and unknown rates.
    table = people((1, sched("Europe/Paris", topics=["b2b"])), (2, WorkSchedule()))
    figures = run([], table, weeks=["2026-11-16"])
    assert sorted(figures.weekly.index) == [(1, week("2026-11-16")), (2, week("2026-11-16"))]
    for person in (1, 2):
        w = row(figures, person, "2026-11-16")
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
            assert w[count] == 0, count
        for rate in (
            "work_hours_share",
            "median_gap_minutes_work_hours",
            "engagement_per_post_median",
            "on_topic_share",
            "follower_net_change",
        ):
            assert math.isnan(w[rate]), rate


def test_silent_week_inside_the_grid():
    # Posts in the weeks of 2026-11-02 and 2026-11-16; the week of 2026-11-09 is silent but on the grid.
    records = [post(1, "2026-11-03T10:00:00Z"), post(1, "2026-11-17T10:00:00Z")]
    figures = run(records, UTC_PERSON)
    assert list(figures.weekly.index.get_level_values(1)) == [
        week(w) for w in ("2026-11-02", "2026-11-09", "2026-11-16")
    ]
    silent = row(figures, 1, "2026-11-09")
    assert (silent["posts"], silent["active_days"], silent["work_hours_posts"], silent["engagement"]) == (
        0,
        0,
        0,
        0,
    )
    assert math.isnan(silent["work_hours_share"])
    assert math.isnan(silent["engagement_per_post_median"])


def test_grid_runs_from_each_persons_first_week_to_the_last_week():
    # A posts in the weeks of 11-02 and 11-16, B only in the week of 11-09:
    # A has rows 11-02, 11-09, 11-16; B has rows 11-09 and 11-16 (the last week, silent for B).
    table = people((1, WorkSchedule()), (2, WorkSchedule()))
    records = [
        post(1, "2026-11-03T10:00:00Z"),
        post(2, "2026-11-10T10:00:00Z"),
        post(1, "2026-11-17T10:00:00Z"),
    ]
    figures = run(records, table)
    assert list(figures.weekly.index) == [
        (1, week("2026-11-02")),
        (1, week("2026-11-09")),
        (1, week("2026-11-16")),
        (2, week("2026-11-09")),
        (2, week("2026-11-16")),
    ]
    assert row(figures, 2, "2026-11-16")["posts"] == 0


def test_posts_of_unknown_people_are_ignored():
    records = [
        post(1, "2026-11-16T10:00:00Z"),
        post(99, "2026-11-16T10:00:00Z"),
        post(99, "2026-11-23T10:00:00Z"),
    ]
    figures = run(records, UTC_PERSON)
    assert list(figures.weekly.index) == [(1, week("2026-11-16"))]


# --- weeks are local ISO weeks -----------------------------------------------------------------------------


def test_week_boundary_far_east_of_utc():
    # Asia/Tokyo (UTC+9, no DST): Sun 2026-11-22 14:30Z = Sun 23:30 JST -> week of Mon 11-16;
    # Sun 2026-11-22 16:00Z = Mon 11-23 01:00 JST -> week of Mon 11-23, though both are Sunday in UTC.
    moments = ["2026-11-22T14:30:00Z", "2026-11-22T16:00:00Z"]
    table = people((1, sched("Asia/Tokyo")), (2, WorkSchedule()))
    figures = run([post(p, m) for p in (1, 2) for m in moments], table)
    local = figures.local.set_index(["ambassador_id", "created_at"])
    assert local.loc[(1, ts(moments[0])), "weekday"] == 6  # Sunday locally
    assert local.loc[(1, ts(moments[1])), "weekday"] == 0  # Monday locally
    assert (row(figures, 1, "2026-11-16")["posts"], row(figures, 1, "2026-11-23")["posts"]) == (1, 1)
    # The UTC person sees both on Sunday 11-22: 2 posts, 1 active day in the week of 11-16; none on 11-23.
    assert (row(figures, 2, "2026-11-16")["posts"], row(figures, 2, "2026-11-16")["active_days"]) == (2, 1)
    assert row(figures, 2, "2026-11-23")["posts"] == 0


def test_week_boundary_west_of_utc():
    # America/Los_Angeles (UTC-8 in November): Mon 2026-11-23 00:30Z = Sun 11-22 16:30 PST -> week of 11-16.
    table = people((1, sched("America/Los_Angeles")))
    figures = run([post(1, "2026-11-23T00:30:00Z")], table)
    assert list(figures.weekly.index) == [(1, week("2026-11-16"))]
    assert figures.local.loc[0, "weekday"] == 6


def test_iso_week_53():
    # 1 January 2026 is a Thursday, so 2026 has 53 ISO weeks: W53 runs Mon 2026-12-28 .. Sun 2027-01-03.
    assert date(2026, 12, 28).isocalendar()[:2] == (2026, 53)
    assert date(2027, 1, 3).isocalendar()[:2] == (2026, 53)
    assert date(2027, 1, 4).isocalendar()[:2] == (2027, 1)
    table = people((1, WorkSchedule()), (2, sched("Asia/Tokyo")))
    records = [
        post(1, "2026-12-31T10:00:00Z"),  # UTC Thu
        post(1, "2027-01-01T10:00:00Z"),  # UTC Fri
        post(1, "2027-01-03T10:00:00Z"),  # UTC Sun
        post(2, "2027-01-03T14:30:00Z"),  # Tokyo Sun 2027-01-03 23:30 -> W53
        post(2, "2027-01-03T16:00:00Z"),  # Tokyo Mon 2027-01-04 01:00 -> 2027-W01
    ]
    figures = run(records, table)
    w53 = row(figures, 1, "2026-12-28")
    assert (w53["posts"], w53["active_days"], w53["work_hours_posts"]) == (3, 3, 2)  # Sunday is off
    assert week_label(week("2026-12-28")) == "2026-W53"
    assert (row(figures, 2, "2026-12-28")["posts"], row(figures, 2, "2027-01-04")["posts"]) == (1, 1)
    assert week_label(week("2027-01-04")) == "2027-W01"


def test_week_key_over_dst():
    # Europe/Paris, Sunday 2026-03-29 after the change: 21:30Z = 23:30 CEST Sunday -> week of 03-23;
    # 22:30Z = Mon 03-30 00:30 CEST -> week of 03-30 (in CET it would have been 23:30 Sunday).
    table = people((1, sched("Europe/Paris")))
    figures = run([post(1, "2026-03-29T21:30:00Z"), post(1, "2026-03-29T22:30:00Z")], table)
    assert (row(figures, 1, "2026-03-23")["posts"], row(figures, 1, "2026-03-30")["posts"]) == (1, 1)


def test_active_days_are_local_dates():
    # Mon 2026-11-16 14:00Z and 16:00Z: one UTC date; in Tokyo 23:00 Monday and 01:00 Tuesday -> 2 dates.
    table = people((1, WorkSchedule()), (2, sched("Asia/Tokyo")))
    moments = ["2026-11-16T14:00:00Z", "2026-11-16T16:00:00Z"]
    figures = run([post(p, m) for p in (1, 2) for m in moments], table)
    assert row(figures, 1, "2026-11-16")["active_days"] == 1
    assert row(figures, 2, "2026-11-16")["active_days"] == 2


# --- properties ---------------------------------------------------------------------------------------------

SCHEDULES = {
    1: sched("Europe/Paris", country="FR", topics=["b2b"]),
    2: sched("America/New_York", "22:00-06:00", "sun-thu", country="US"),
    3: sched("Asia/Tokyo", "08:30-17:30", "mon-sat", topics=["#marketing", "données"]),
    4: sched("UTC"),
}
TABLE = people(*SCHEDULES.items())
START = ts("2026-02-23T00:00:00Z")  # a few weeks around the 2026-03-08 and 2026-03-29 DST changes
TEXTS = ["", "b2b", "#b2b", "b2bsales", "#marketing", "marketing", "Données", "hello", None]
KINDS = ["original", "reply", "retweet", "quote"]

records_strategy = st.lists(
    st.builds(
        lambda p, s, kind, text, likes, reposts: post(
            p, START + pd.Timedelta(seconds=s), kind, text, likes, reposts
        ),
        st.sampled_from(sorted(SCHEDULES)),
        st.integers(0, 6 * 7 * 86400),
        st.sampled_from(KINDS),
        st.sampled_from(TEXTS),
        st.integers(0, 50),
        st.integers(0, 5),
    ),
    max_size=40,
)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=records_strategy)
def test_weekly_invariants(records):
    figures = run(records, TABLE)
    w = figures.weekly
    assert int(w["posts"].sum()) == len(records)
    assert (w["posts"] == w["originals"] + w["replies"] + w["retweets"] + w["quotes"]).all()
    assert ((w["work_hours_posts"] >= 0) & (w["work_hours_posts"] <= w["posts"])).all()
    assert (w["engagement_posts"] == w["posts"] - w["retweets"]).all()
    assert (
        (w["active_days"] <= np.minimum(w["posts"], 7)) & ((w["active_days"] > 0) == (w["posts"] > 0))
    ).all()
    assert (w["bursts"] <= w["work_hours_posts"]).all()
    share = w["work_hours_share"]
    assert (share.isna() == (w["posts"] == 0)).all()
    assert share.dropna().between(0, 1).all()
    assert np.allclose(
        share.dropna() * w.loc[share.notna(), "posts"], w.loc[share.notna(), "work_hours_posts"]
    )
    topic = w["on_topic_share"]
    assert topic.dropna().between(0, 1).all()
    # No topics declared (people 2 and 4) -> always NaN.
    assert topic[w.index.get_level_values(0).isin([2, 4])].isna().all()
    gaps = w["median_gap_minutes_work_hours"]
    assert (gaps.dropna() >= 0).all()
    # A gap counts in its later post's week, so a night shift from Sunday into Monday can give a week
    # with one work-hours post a gap; a week with none can never have one.
    assert gaps[w["work_hours_posts"] == 0].isna().all()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=records_strategy, data=st.data())
def test_results_do_not_depend_on_row_order(records, data):
    shuffled = data.draw(st.permutations(records))
    snapshot_rows = [
        (1, "2026-03-02T10:00:00Z", 10),
        (1, "2026-03-20T10:00:00Z", 14),
        (3, "2026-03-04T00:00:00Z", 7),
    ]
    a = run(records, TABLE, snapshot_rows)
    b = run(shuffled, TABLE, list(reversed(snapshot_rows)))
    pd.testing.assert_frame_equal(a.weekly, b.weekly)
    pd.testing.assert_frame_equal(a.baseline, b.baseline)
    key = ["ambassador_id", "week", "weekday", "hour"]
    pd.testing.assert_frame_equal(
        a.activity.sort_values(key).reset_index(drop=True), b.activity.sort_values(key).reset_index(drop=True)
    )


def test_localize_keeps_every_post_of_known_people():
    frame = posts([post(1, "2026-11-16T10:00:00Z"), post(1, "2026-11-16T09:00:00Z")])
    local = localize(frame, UTC_PERSON)
    # Sorted by time within the person.
    assert list(local["created_at"]) == [ts("2026-11-16T09:00:00Z"), ts("2026-11-16T10:00:00Z")]
    assert list(local["week"]) == [week("2026-11-16")] * 2
