"""Best off-hours slots from a person's history, on hand-built weeks (UTC, work 09:00-18:00 Mon-Fri)."""

from __future__ import annotations

from bot.metrics.slots import best_offhours_slots
from tests.metrics.builders import people, post, run, sched, week

TABLE = people((1, sched()), (2, sched()))
RECORDS = [
    # Week of 11-09. Mon 20:00: engagement 4 and 6 -> median 5 over 2 posts.
    post(1, "2026-11-09T20:00:00Z", likes=4),
    post(1, "2026-11-09T20:10:00Z", likes=6),
    # Thu 22:00: 2 and 4 -> median 3. Tue 07:00: 1 and 1 -> median 1 (third best, cut).
    post(1, "2026-11-12T22:00:00Z", likes=2),
    post(1, "2026-11-12T22:30:00Z", likes=4),
    post(1, "2026-11-10T07:00:00Z", likes=1),
    post(1, "2026-11-10T07:30:00Z", likes=1),
    # Left out: a single post (Wed 21:00), no engagement (Sat 10:00), work hours, reposts.
    post(1, "2026-11-11T21:00:00Z", likes=100),
    post(1, "2026-11-14T10:00:00Z"),
    post(1, "2026-11-14T10:30:00Z"),
    post(1, "2026-11-09T10:00:00Z", likes=50),
    post(1, "2026-11-09T10:30:00Z", likes=50),
    post(1, "2026-11-13T23:00:00Z", "retweet", likes=50),
    post(1, "2026-11-13T23:10:00Z", "retweet", likes=50),
    # Week of 11-16, Mon 20:00 again: history only once that week is over.
    post(1, "2026-11-16T20:00:00Z", likes=1000),
    post(1, "2026-11-16T20:30:00Z", likes=1000),
    # 2: one off-hours post per slot, never enough.
    post(2, "2026-11-09T20:00:00Z", likes=9),
]
LOCAL = run(RECORDS, TABLE).local


def test_best_two_slots_from_weeks_before():
    # (weekday, hour, median): Monday 20:00 and Thursday 22:00.
    assert best_offhours_slots(LOCAL, week("2026-11-16")) == {1: ((0, 20, 5.0), (3, 22, 3.0))}


def test_a_later_cut_off_takes_the_next_week_in():
    # Monday 20:00 now holds 4, 6, 1000, 1000 -> median 503.
    assert best_offhours_slots(LOCAL, week("2026-11-23")) == {1: ((0, 20, 503.0), (3, 22, 3.0))}


def test_no_history_no_slots():
    assert best_offhours_slots(LOCAL, week("2026-11-09")) == {}
