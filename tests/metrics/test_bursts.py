"""Rhythm inside work hours: bursts (>= 6 posts within 60 minutes, same shift) and gaps between posts."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bot.metrics.bursts import BurstRule, burst_starts
from bot.metrics.frames import localize
from bot.schedule import WorkSchedule
from tests.metrics.builders import every, people, post, posts, row, run, sched, ts

UTC_PERSON = people((1, WorkSchedule()))
TUESDAY = "2026-11-16"  # Monday key of the week of Tuesday 2026-11-17


def bursts_of(moments: list[str], table: pd.DataFrame = UTC_PERSON, rule: BurstRule | None = None) -> int:
    """Total bursts of person 1 over all weeks."""
    figures = run([post(1, m) for m in moments], table, rule=rule)
    return int(figures.weekly.loc[1, "bursts"].sum())


# --- the window edge: span inclusive ------------------------------------------------------------------------


def test_six_posts_exactly_sixty_minutes_apart_is_a_burst():
    # 10:00, 10:12, 10:24, 10:36, 10:48, 11:00 (UTC person, Tuesday): first to last = 60 min <= 60 -> 1 burst.
    moments = every("2026-11-17T10:00:00Z", 12, 6)
    assert moments[-1] == "2026-11-17T11:00:00+00:00"
    assert bursts_of(moments) == 1


def test_sixty_minutes_and_one_second_is_not_a_burst():
    # Same posts but the 6th at 11:00:01: span 3601 s > 3600 s -> no window qualifies -> 0 bursts.
    moments = [*every("2026-11-17T10:00:00Z", 12, 5), "2026-11-17T11:00:01Z"]
    assert bursts_of(moments) == 0


def test_sixty_minutes_minus_one_second_is_a_burst():
    moments = [*every("2026-11-17T10:00:00Z", 12, 5), "2026-11-17T10:59:59Z"]
    assert bursts_of(moments) == 1


def test_sixty_minutes_and_half_a_second_is_not_a_burst():
    # 10:00:00.000 ... 11:00:00.500: span 3600.5 s > 60 min -> not a burst.
    moments = [*every("2026-11-17T10:00:00Z", 12, 5), "2026-11-17T11:00:00.500Z"]
    assert bursts_of(moments) == 0


def test_five_posts_are_never_a_burst():
    # 5 posts in 4 minutes: fewer than min_posts = 6.
    assert bursts_of(every("2026-11-17T10:00:00Z", 1, 5)) == 0


# --- merging: overlapping windows are one burst, disjoint windows are two -----------------------------------


def test_one_long_burst_all_day():
    # 54 posts every 10 minutes from 09:00 to 17:50: every run of 6 spans 50 min, so the 49 qualifying
    # windows each overlap the previous one -> a single burst.
    moments = every("2026-11-17T09:00:00Z", 10, 54)
    assert moments[-1] == "2026-11-17T17:50:00+00:00"
    figures = run([post(1, m) for m in moments], UTC_PERSON)
    week = row(figures, 1, TUESDAY)
    assert (week["posts"], week["work_hours_posts"], week["bursts"]) == (54, 54, 1)


def test_two_bursts_in_a_day():
    # 6 posts 10:00-10:25 and 6 posts 14:00-14:25: windows of the morning and afternoon never overlap
    # (any window mixing both spans > 3 h) -> 2 bursts.
    moments = every("2026-11-17T10:00:00Z", 5, 6) + every("2026-11-17T14:00:00Z", 5, 6)
    assert bursts_of(moments) == 2


def test_back_to_back_disjoint_windows_are_two_bursts():
    # p0..p5 at 10:00..10:50 (every 10 min), p6..p11 at 11:51..12:41 (every 10 min).
    # Window at p0: 10:00-10:50 = 50 min (qualifies). Windows at p1..p5 run p_i..p_{i+5} and each span
    # 101 min (e.g. 10:10 -> 11:51): none qualify. Window at p6: 11:51-12:41 = 50 min (qualifies).
    # The two qualifying windows share no post -> 2 bursts.
    moments = every("2026-11-17T10:00:00Z", 10, 6) + every("2026-11-17T11:51:00Z", 10, 6)
    assert bursts_of(moments) == 2


def test_windows_sharing_one_post_merge_into_one_burst():
    # p0..p5 at 10:00..10:50, then p6..p10 at 11:41, 11:43, 11:45, 11:47, 11:50.
    # Window p0..p5 spans 50 min (qualifies); p1..p6 91, p2..p7 83, p3..p8 75, p4..p9 67 (none qualify);
    # p5..p10 spans 10:50 -> 11:50 = 60 min (qualifies). The two windows share p5 -> 1 burst.
    moments = [
        *every("2026-11-17T10:00:00Z", 10, 6),
        "2026-11-17T11:41:00Z",
        "2026-11-17T11:43:00Z",
        "2026-11-17T11:45:00Z",
        "2026-11-17T11:47:00Z",
        "2026-11-17T11:50:00Z",
    ]
    assert bursts_of(moments) == 1


# --- only work-hours posts of the same person and the same shift --------------------------------------------


def test_posts_after_hours_do_not_complete_a_burst():
    # 17:35, 17:40, 17:45, 17:50, 17:55 are inside; 18:05 is not -> only 5 work-hours posts -> 0 bursts.
    moments = [*every("2026-11-17T17:35:00Z", 5, 5), "2026-11-17T18:05:00Z"]
    figures = run([post(1, m) for m in moments], UTC_PERSON)
    week = row(figures, 1, TUESDAY)
    assert (week["work_hours_posts"], week["bursts"]) == (5, 0)


def test_weekend_and_holiday_flurries_are_not_bursts():
    # Saturday 2026-11-21 10:00-10:25 (UTC person): off day -> 0.
    assert bursts_of(every("2026-11-21T10:00:00Z", 5, 6)) == 0
    # FR holiday Wednesday 2026-11-11, 10:00-10:25 CET in Paris -> 0.
    french = people((1, sched("Europe/Paris", country="FR")))
    assert bursts_of(every("2026-11-11T09:00:00Z", 5, 6), french) == 0


def test_posts_of_different_people_do_not_add_up():
    # A and B alternate every 2 minutes, 3 posts each, 10:00-10:10: 6 posts in the hour, but 3 per person.
    table = people((1, WorkSchedule()), (2, WorkSchedule()))
    moments = every("2026-11-17T10:00:00Z", 2, 6)
    figures = run([post(1 if i % 2 == 0 else 2, m) for i, m in enumerate(moments)], table)
    assert figures.weekly["bursts"].sum() == 0


def test_posts_of_two_shifts_do_not_add_up():
    # A 24-hour shift starting 09:00 every day (end == start crosses midnight): 08:35..08:55 on Tuesday are
    # the end of Monday's shift, 09:00 starts Tuesday's. 6 posts in 25 min, all inside, but 5 + 1 per shift.
    table = people((1, WorkSchedule(start_minute=540, end_minute=540, days=(0, 1, 2, 3, 4, 5, 6))))
    moments = every("2026-11-17T08:35:00Z", 5, 6)
    figures = run([post(1, m) for m in moments], table)
    week = row(figures, 1, TUESDAY)
    assert (week["work_hours_posts"], week["bursts"]) == (6, 0)
    # Five more posts 09:05..09:25 make 6 inside Tuesday's shift (09:00..09:25) -> 1 burst.
    moments += every("2026-11-17T09:05:00Z", 5, 5)
    assert bursts_of(moments, table) == 1


def test_burst_counts_in_the_week_of_its_first_post():
    # UTC person, 22:00-06:00 on Sundays: Sun 2026-11-22 23:30, 23:40, 23:50, Mon 11-23 00:00, 00:10, 00:20
    # are one shift (Sunday's), 50 min -> 1 burst, counted in the week of Mon 2026-11-16 (first post),
    # while the posts split 3 / 3 between the two weeks.
    table = people((1, sched("UTC", "22:00-06:00", "sun")))
    figures = run([post(1, m) for m in every("2026-11-22T23:30:00Z", 10, 6)], table)
    first, second = row(figures, 1, "2026-11-16"), row(figures, 1, "2026-11-23")
    assert (first["posts"], first["work_hours_posts"], first["bursts"]) == (3, 3, 1)
    assert (second["posts"], second["work_hours_posts"], second["bursts"]) == (3, 3, 0)


# --- DST: spans are real elapsed time, not wall-clock differences -------------------------------------------


def test_burst_over_the_fall_back_hour_uses_elapsed_time():
    # Europe/Paris, shift 22:00-06:00 on Saturdays. 2026-10-25 01:00 UTC: 03:00 CEST -> 02:00 CET.
    # 00:30Z .. 01:30Z every 12 min = 02:30, 02:42, 02:54 CEST, 02:06, 02:18, 02:30 CET, all Saturday's shift.
    table = people((1, sched("Europe/Paris", "22:00-06:00", "sat")))
    assert bursts_of(every("2026-10-25T00:30:00Z", 12, 6), table) == 1  # 60 min elapsed -> burst
    # Last one at 01:31Z (02:31 CET): 61 min elapsed (though only 1 min apart on the wall clock) -> none.
    late = [*every("2026-10-25T00:30:00Z", 12, 5), "2026-10-25T01:31:00Z"]
    assert bursts_of(late, table) == 0


def test_burst_over_the_spring_forward_hour_uses_elapsed_time():
    # 2026-03-29 01:00 UTC: 02:00 CET -> 03:00 CEST. 00:30Z..01:30Z = 01:30 CET .. 03:30 CEST: 2 h on the wall
    # clock, 60 min elapsed -> 1 burst.
    table = people((1, sched("Europe/Paris", "22:00-06:00", "sat")))
    assert bursts_of(every("2026-03-29T00:30:00Z", 12, 6), table) == 1


# --- the rule is configurable -------------------------------------------------------------------------------


def test_custom_rule():
    tight = BurstRule(min_posts=3, window_minutes=10)
    assert (
        bursts_of(["2026-11-17T10:00:00Z", "2026-11-17T10:05:00Z", "2026-11-17T10:10:00Z"], rule=tight) == 1
    )
    assert (
        bursts_of(["2026-11-17T10:00:00Z", "2026-11-17T10:05:00Z", "2026-11-17T10:10:01Z"], rule=tight) == 0
    )
    # The default rule needs 6 posts: the first set is not a burst by default.
    assert bursts_of(["2026-11-17T10:00:00Z", "2026-11-17T10:05:00Z", "2026-11-17T10:10:00Z"]) == 0


def test_pairs_rule():
    # min_posts=2, 5 minutes: posts 10:00, 10:05, 10:20, 10:24, 10:40. Pair windows: (10:00, 10:05) 5 min yes,
    # (10:05, 10:20) no, (10:20, 10:24) yes, (10:24, 10:40) no. The two qualifying pairs share no post -> 2.
    moments = [
        "2026-11-17T10:00:00Z",
        "2026-11-17T10:05:00Z",
        "2026-11-17T10:20:00Z",
        "2026-11-17T10:24:00Z",
        "2026-11-17T10:40:00Z",
    ]
    assert bursts_of(moments, rule=BurstRule(min_posts=2, window_minutes=5)) == 2


def test_burst_starts_reports_the_first_post():
    # Posts every 5 minutes from 10:00 to 10:50 (11 posts): one burst, starting at 10:00.
    local = localize(posts([post(1, m) for m in every("2026-11-17T10:00:00Z", 5, 11)]), UTC_PERSON)
    starts = burst_starts(local, BurstRule())
    assert list(starts["created_at"]) == [ts("2026-11-17T10:00:00Z")]


def test_no_posts_no_bursts():
    local = localize(posts([]), UTC_PERSON)
    assert len(burst_starts(local, BurstRule())) == 0


# --- median gap between consecutive work-hours posts of one shift -------------------------------------------


def gap_of(moments: list[str], table: pd.DataFrame = UTC_PERSON, monday: str = TUESDAY) -> float:
    return float(row(run([post(1, m) for m in moments], table), 1, monday)["median_gap_minutes_work_hours"])


def test_median_gap_in_one_shift():
    # 10:00, 10:10, 10:40 -> gaps 10 and 30 -> median 20.
    assert gap_of(["2026-11-17T10:00:00Z", "2026-11-17T10:10:00Z", "2026-11-17T10:40:00Z"]) == 20.0


def test_median_gap_pools_the_gaps_of_the_week():
    # Mon 10:00, 10:30 (gap 30); Tue 11:00, 11:04, 11:10 (gaps 4, 6). No gap across days.
    # Median of [30, 4, 6] = 6 (not the median of daily medians, which would be 17.5).
    moments = [
        "2026-11-16T10:00:00Z",
        "2026-11-16T10:30:00Z",
        "2026-11-17T11:00:00Z",
        "2026-11-17T11:04:00Z",
        "2026-11-17T11:10:00Z",
    ]
    assert gap_of(moments) == 6.0


def test_no_gap_across_shifts_or_outside_hours():
    # One work-hours post on Monday and one on Tuesday: different shifts -> no pair -> NaN.
    assert math.isnan(gap_of(["2026-11-16T10:00:00Z", "2026-11-17T10:00:00Z"]))
    # Mon 17:50 (in), Mon 18:30 (out), Tue 09:10 (in): the two work-hours posts are in different shifts
    # -> NaN.
    assert math.isnan(gap_of(["2026-11-16T17:50:00Z", "2026-11-16T18:30:00Z", "2026-11-17T09:10:00Z"]))
    # Two posts at 19:00 and 19:20: outside work hours -> NaN.
    assert math.isnan(gap_of(["2026-11-17T19:00:00Z", "2026-11-17T19:20:00Z"]))


def test_one_post_has_no_gap():
    assert math.isnan(gap_of(["2026-11-17T10:00:00Z"]))


def test_gap_in_seconds_is_a_fraction_of_a_minute():
    # 10:00:00 and 10:00:30 -> 0.5 minutes.
    assert gap_of(["2026-11-17T10:00:00Z", "2026-11-17T10:00:30Z"]) == 0.5


def test_sub_second_gap():
    # 10:00:00.000 and 10:01:30.500 -> 90.5 s = 1.508333... minutes.
    assert gap_of(["2026-11-17T10:00:00Z", "2026-11-17T10:01:30.500Z"]) == pytest.approx(90.5 / 60)


def test_gap_over_dst_night_is_elapsed_minutes():
    # Europe/Paris, 22:00-06:00 on Saturdays.
    table = people((1, sched("Europe/Paris", "22:00-06:00", "sat")))
    # Spring: Sat 2026-03-28 23:00 CET (22:00Z) -> Sun 04:00 CEST (02:00Z): 5 h on the wall, 240 min elapsed.
    assert gap_of(["2026-03-28T22:00:00Z", "2026-03-29T02:00:00Z"], table, "2026-03-23") == 240.0
    # Fall: Sat 2026-10-24 23:00 CEST (21:00Z) -> Sun 04:00 CET (03:00Z): 5 h on the wall, 360 min elapsed.
    assert gap_of(["2026-10-24T21:00:00Z", "2026-10-25T03:00:00Z"], table, "2026-10-19") == 360.0


# --- properties ---------------------------------------------------------------------------------------------

ANCHORS = pd.date_range("2026-10-19 06:00", periods=40, freq="7h", tz="UTC")
SCHEDULES = {
    1: sched("UTC"),
    2: sched("Europe/Paris", "22:00-06:00", "fri-sun", country="FR"),
    3: sched("Asia/Tokyo", "08:30-17:30", "mon-sat"),
    4: sched("America/New_York", "07:00-15:00", "sun-thu", country="US"),
}
TABLE = people(*SCHEDULES.items())
DAY_SHIFT_PEOPLE = [1, 3, 4]  # shifts that never cross midnight, so a burst never straddles two weeks

# Clusters of posts: (person, anchor, offset seconds, count, spacing seconds), so that bursts do happen.
clusters = st.lists(
    st.tuples(
        st.sampled_from(sorted(SCHEDULES)),
        st.integers(0, len(ANCHORS) - 1),
        st.integers(0, 3 * 3600),
        st.integers(1, 12),
        st.integers(0, 20 * 60),
    ),
    max_size=10,
)


def expected_bursts(local: pd.DataFrame, rule: BurstRule) -> int:
    """Brute force: qualifying windows per (person, shift) of work posts, merged when they share a post."""
    total = 0
    work = local[local["work"]]
    for _, group in work.groupby(["ambassador_id", "shift_date"]):
        t = sorted(group["created_at"])
        k = rule.min_posts
        windows = [
            i
            for i in range(len(t) - k + 1)
            if t[i + k - 1] - t[i] <= pd.Timedelta(minutes=rule.window_minutes)
        ]
        last_end = None
        for i in windows:
            if last_end is None or i > last_end:  # shares no post with the burst so far
                total += 1
            last_end = i + k - 1
    return total


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    items=clusters,
    rule=st.builds(BurstRule, min_posts=st.integers(2, 7), window_minutes=st.integers(1, 90)),
)
def test_bursts_match_brute_force_and_are_bounded(items, rule):
    records = [
        post(p, ANCHORS[a] + pd.Timedelta(seconds=offset + j * spacing))
        for p, a, offset, n, spacing in items
        for j in range(n)
    ]
    figures = run(records, TABLE, rule=rule)
    event(f"bursts={min(int(figures.weekly['bursts'].sum()), 3)}")
    assert int(figures.weekly["bursts"].sum()) == expected_bursts(figures.local, rule)
    # Distinct bursts hold disjoint sets of >= min_posts work-hours posts.
    per_person = figures.weekly.groupby(level=0)[["bursts", "work_hours_posts"]].sum()
    assert (per_person["bursts"] <= per_person["work_hours_posts"] // rule.min_posts).all()
    day = figures.weekly.loc[figures.weekly.index.get_level_values(0).isin(DAY_SHIFT_PEOPLE)]
    assert (day["bursts"] <= day["work_hours_posts"] // rule.min_posts).all()
