"""Trailing baseline: per figure, the mean over the person's previous 4 weeks on the grid."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from bot.metrics.engine import compute_figures
from bot.schedule import WorkSchedule
from tests.metrics.builders import base, people, post, posts, row, run, sched, snaps

W1, W2, W3, W4, W5, W6 = "2026-10-05", "2026-10-12", "2026-10-19", "2026-10-26", "2026-11-02", "2026-11-09"
WEEKS = [W1, W2, W3, W4, W5, W6]
TABLE = people((1, WorkSchedule()), (2, WorkSchedule()))  # both UTC, 09:00-18:00 Mon-Fri

# Person 1, week by week (UTC):
#   W1: Mon 10-05 10:00 (in), Tue 10-06 11:00 (in)             -> 2 posts, 2 in, share 1.0, 2 days, gap NaN
#   W2: silent                                                  -> 0 posts, 0 in, share NaN, 0 days, gap NaN
#   W3: Mon 10-19 08:00 (out), 19:00 (out), Tue 10:00 (in),
#       Sat 10-24 10:00 (out)                                   -> 4 posts, 1 in, share 0.25, 3 days, gap NaN
#   W4: Wed 10-28 20:00 (out)                                   -> 1 post, 0 in, share 0.0, 1 day, gap NaN
#   W5: Mon 11-02 09:00, 09:30, 10:00 (in)                      -> 3 posts, 3 in, share 1.0, 1 day, gap 30
#   W6: Mon 11-09 10:00, 10:10, 10:20, 10:30, 10:40 (in)        -> 5 posts, 5 in, share 1.0, 1 day, gap 10
PERSON_1 = [
    post(1, "2026-10-05T10:00:00Z"),
    post(1, "2026-10-06T11:00:00Z"),
    post(1, "2026-10-19T08:00:00Z"),
    post(1, "2026-10-19T19:00:00Z"),
    post(1, "2026-10-20T10:00:00Z"),
    post(1, "2026-10-24T10:00:00Z"),
    post(1, "2026-10-28T20:00:00Z"),
    post(1, "2026-11-02T09:00:00Z"),
    post(1, "2026-11-02T09:30:00Z"),
    post(1, "2026-11-02T10:00:00Z"),
    *(post(1, f"2026-11-09T10:{m:02d}:00Z") for m in (0, 10, 20, 30, 40)),
]
# Person 2: 10 posts on Wed 10-07 20:00..20:09 (out of hours), then silent until the last week W6.
PERSON_2 = [post(2, f"2026-10-07T20:{m:02d}:00Z") for m in range(10)]
# Followers of person 1: W1 100 -> 104 (+4); W3 110 (110 - 104 = +6); W5 107 (107 - 110 = -3); others unknown.
SNAPSHOTS = [
    (1, "2026-10-05T08:00:00Z", 100),
    (1, "2026-10-09T20:00:00Z", 104),
    (1, "2026-10-21T12:00:00Z", 110),
    (1, "2026-11-05T12:00:00Z", 107),
]
NAN = math.nan


def series(figures, person: int, figure: str, weeks=WEEKS) -> list[float]:
    return [float(base(figures, person, w)[figure]) for w in weeks]


@pytest.fixture(scope="module")
def figures():
    return run(PERSON_1 + PERSON_2, TABLE, SNAPSHOTS)


def test_the_weekly_inputs_are_as_designed(figures):
    # The hand-built weeks above, checked first so that a baseline failure is a baseline failure.
    assert [row(figures, 1, w)["posts"] for w in WEEKS] == [2, 0, 4, 1, 3, 5]
    assert [row(figures, 1, w)["work_hours_posts"] for w in WEEKS] == [2, 0, 1, 0, 3, 5]
    assert [row(figures, 1, w)["active_days"] for w in WEEKS] == [2, 0, 3, 1, 1, 1]


def test_posts_baseline(figures):
    # W1: nothing before -> NaN.  W2: [2] -> 2.  W3: [2, 0] -> 1.  W4: [2, 0, 4] -> 2.
    # W5: [2, 0, 4, 1] -> 1.75.  W6: [0, 4, 1, 3] -> 2 (W1 has left the 4-week window).
    assert series(figures, 1, "posts") == pytest.approx([NAN, 2.0, 1.0, 2.0, 1.75, 2.0], nan_ok=True)


def test_count_baselines_include_silent_weeks_as_zero(figures):
    # work_hours_posts: W2 [2] -> 2; W3 [2, 0] -> 1; W4 [2, 0, 1] -> 1; W5 [2, 0, 1, 0] -> 0.75;
    # W6 [0, 1, 0, 3] -> 1.
    assert series(figures, 1, "work_hours_posts") == pytest.approx(
        [NAN, 2.0, 1.0, 1.0, 0.75, 1.0], nan_ok=True
    )
    # active_days: W2 [2] -> 2; W3 [2, 0] -> 1; W4 [2, 0, 3] -> 5/3; W5 [2, 0, 3, 1] -> 1.5;
    # W6 [0, 3, 1, 1] -> 1.25.
    assert series(figures, 1, "active_days") == pytest.approx([NAN, 2.0, 1.0, 5 / 3, 1.5, 1.25], nan_ok=True)


def test_rate_baselines_skip_unknown_weeks(figures):
    # work_hours_share per week: [1.0, NaN, 0.25, 0.0, 1.0, 1.0].
    # W2: [1.0] -> 1.0; W3: [1.0, NaN] -> 1.0; W4: [1.0, NaN, 0.25] -> 0.625;
    # W5: [1.0, NaN, 0.25, 0.0] -> 1.25 / 3; W6: [NaN, 0.25, 0.0, 1.0] -> 1.25 / 3.
    assert series(figures, 1, "work_hours_share") == pytest.approx(
        [NAN, 1.0, 1.0, 0.625, 1.25 / 3, 1.25 / 3], nan_ok=True
    )
    # median gap per week: [NaN, NaN, NaN, NaN, 30, 10] -> only W6 has a known earlier week: 30.
    assert series(figures, 1, "median_gap_minutes_work_hours") == pytest.approx(
        [NAN, NAN, NAN, NAN, NAN, 30.0], nan_ok=True
    )


def test_follower_baseline_skips_weeks_without_snapshots(figures):
    # net change per week: [4, NaN, 6, NaN, -3, NaN].
    # W2: [4] -> 4; W3: [4, NaN] -> 4; W4: [4, NaN, 6] -> 5; W5: [4, NaN, 6, NaN] -> 5;
    # W6: [NaN, 6, NaN, -3] -> 1.5.
    assert [row(figures, 1, w)["follower_net_change"] for w in WEEKS] == pytest.approx(
        [4.0, NAN, 6.0, NAN, -3.0, NAN], nan_ok=True
    )
    assert series(figures, 1, "follower_net_change") == pytest.approx(
        [NAN, 4.0, 4.0, 5.0, 5.0, 1.5], nan_ok=True
    )


def test_baseline_is_per_person_and_runs_to_the_last_week(figures):
    # Person 2's grid runs W1..W6 (the last week with data of anyone): 10, 0, 0, 0, 0, 0 posts.
    # Its W1 baseline is NaN (person 1's W6 row just before it in the table must not leak in).
    # W2: [10] -> 10; W3: [10, 0] -> 5; W4: [10, 0, 0] -> 10/3; W5: [10, 0, 0, 0] -> 2.5;
    # W6: [0, 0, 0, 0] -> 0.
    assert [row(figures, 2, w)["posts"] for w in WEEKS] == [10, 0, 0, 0, 0, 0]
    assert series(figures, 2, "posts") == pytest.approx([NAN, 10.0, 5.0, 10 / 3, 2.5, 0.0], nan_ok=True)
    assert math.isnan(base(figures, 2, W1)["work_hours_share"])


def test_asking_for_one_week_keeps_the_history_before_it():
    # Asking for W6 only must not cut the grid: person 1's history still starts at W1, so the W6 baseline is
    # the same mean of W2..W5 as above: posts 2.0, follower change 1.5.
    figures = run(PERSON_1 + PERSON_2, TABLE, SNAPSHOTS, weeks=[W6])
    assert base(figures, 1, W6)["posts"] == 2.0
    assert base(figures, 1, W6)["follower_net_change"] == 1.5
    assert base(figures, 2, W6)["posts"] == 0.0


def test_an_earlier_asked_week_extends_the_grid():
    # Asking from Mon 2026-09-28 (before anyone's first post): both people get a silent week there.
    # Person 1: W1 baseline = [0] -> 0.0 (not NaN); W2 = [0, 2] -> 1.0; W5 = [2, 0, 4, 1] -> 1.75 (unchanged).
    figures = run(PERSON_1 + PERSON_2, TABLE, SNAPSHOTS, weeks=["2026-09-28", W6])
    assert row(figures, 1, "2026-09-28")["posts"] == 0
    assert series(figures, 1, "posts", [W1, W2, W5]) == [0.0, 1.0, 1.75]


def test_silent_person_gets_the_asked_weeks():
    # Person 3 never posted; the weeks W5 and W6 are asked: rows for both (0 posts each), and the W6
    # baseline is the mean of [0] = 0.0 posts and NaN share (no posts, no rate).
    table = people((1, WorkSchedule()), (3, WorkSchedule()))
    figures = run(PERSON_1, table, weeks=[W5, W6])
    assert (row(figures, 3, W5)["posts"], row(figures, 3, W6)["posts"]) == (0, 0)
    assert base(figures, 3, W6)["posts"] == 0.0
    assert math.isnan(base(figures, 3, W6)["work_hours_share"])


def test_history_starts_at_since_not_before():
    # Person 1 opted in on Wed 2026-10-28 (week of 10-26) and posted once on Mon 11-16 (week 11-16);
    # person 2 has no `since` known. Asked weeks: 10-19 .. 11-16.
    table = people(
        (1, sched()),
        (2, sched()),
    )
    table["since"] = pd.to_datetime(pd.Series({1: "2026-10-28T12:00:00Z", 2: None}), utc=True)
    figures = compute_figures(
        posts([post(1, "2026-11-16T10:00:00Z"), post(2, "2026-11-16T10:00:00Z")]),
        table,
        snaps([]),
        weeks=pd.date_range("2026-10-19", "2026-11-16", freq="7D"),
    )
    weeks_of = {a: list(figures.weekly.xs(a, level=0).index.strftime("%m-%d")) for a in (1, 2)}
    # Person 1: from the opt-in week (10-26); weeks before it are not theirs. Person 2: the asked range.
    assert weeks_of == {
        1: ["10-26", "11-02", "11-09", "11-16"],
        2: ["10-19", "10-26", "11-02", "11-09", "11-16"],
    }
    # Three silent weeks after opting in count as zero posts.
    assert figures.baseline.loc[(1, pd.Timestamp("2026-11-16")), "posts"] == 0.0
