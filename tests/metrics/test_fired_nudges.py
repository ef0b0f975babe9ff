"""Which shifts of a week fire a nudge, for whom, as plain rows (UTC, work 09:00-18:00 Mon-Fri)."""

from __future__ import annotations

import pandas as pd

from bot.metrics.nudges import FiredNudge, NudgeRules, fired_nudges
from tests.metrics.builders import every, people, post, run, sched, week

TABLE = people((1, sched()), (2, sched()))
# Ten work posts 40 minutes apart (never 6 within an hour: no burst) on Tue, Wed and Thu of 11-16,
# and on the next Monday, for both people.
DAYS = ["2026-11-17", "2026-11-18", "2026-11-19", "2026-11-23"]
RECORDS = [post(pid, m) for pid in (1, 2) for day in DAYS for m in every(f"{day}T09:00:00Z", 40, 10)]
LOCAL = run(RECORDS, TABLE).local
WEEK = week("2026-11-16")


def volume(day: str, median: float | None) -> FiredNudge:
    """Person 1's day_volume nudge of `day`."""
    return FiredNudge(1, day, "day_volume", 10, 0, median)


def test_capped_per_week_for_enabled_people_only():
    fired = fired_nudges(LOCAL, None, NudgeRules(), WEEK, [1])
    # No history before the first post: no weekday median.
    assert fired == [volume("2026-11-17", None), volume("2026-11-18", None)]


def test_uncapped_keeps_every_shift_of_the_week():
    fired = fired_nudges(LOCAL, None, NudgeRules(), WEEK, {1}, cap=False)
    assert fired == [volume("2026-11-17", None), volume("2026-11-18", None), volume("2026-11-19", None)]


def test_a_known_quiet_history_gives_a_zero_median():
    days = pd.Series([pd.Timestamp("2026-10-01")], index=[1]).astype("datetime64[us]")
    fired = fired_nudges(LOCAL, days, NudgeRules(per_week=1), WEEK, [1])
    assert fired == [volume("2026-11-17", 0.0)]


def test_nobody_enabled_nobody_nudged():
    assert fired_nudges(LOCAL, None, NudgeRules(), WEEK, []) == []
