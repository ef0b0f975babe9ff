"""Work hours in each person's own zone: start inclusive, end exclusive, DST, night shifts, holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.metrics.frames import localize
from bot.schedule import WorkSchedule
from tests.metrics.builders import people, post, posts, row, run, sched, ts


def localized(people_table: pd.DataFrame, moments: list[str], amb_id: int = 1) -> pd.DataFrame:
    """The localized frame of one person's posts at `moments`, indexed by the UTC moment."""
    local = localize(posts([post(amb_id, m) for m in moments]), people_table)
    return local.set_index("created_at")


def work_flags(people_table: pd.DataFrame, moments: list[str], amb_id: int = 1) -> list[bool]:
    """The engine's work flag of each moment, in the order given."""
    local = localized(people_table, moments, amb_id)
    return [bool(local.loc[ts(m), "work"]) for m in moments]


# --- default hours: 09:00 inclusive, 18:00 exclusive, Monday to Friday --------------------------------------


def test_default_hours_edges_in_utc():
    # Monday 2026-11-16, a UTC person: 08:59:xx is before the start; 09:00:00 is the first minute in;
    # 17:59:59 is still in; 18:00:00 is the first minute out.
    table = people((1, WorkSchedule()))
    moments = [
        "2026-11-16T08:59:00Z",
        "2026-11-16T08:59:59Z",
        "2026-11-16T09:00:00Z",
        "2026-11-16T17:59:00Z",
        "2026-11-16T17:59:59Z",
        "2026-11-16T18:00:00Z",
    ]
    assert work_flags(table, moments) == [False, False, True, True, True, False]
    figures = run([post(1, m) for m in moments], table)
    week = row(figures, 1, "2026-11-16")
    # 3 of the 6 posts are inside -> share 3 / 6 = 0.5.
    assert week["posts"] == 6
    assert week["work_hours_posts"] == 3
    assert week["work_hours_share"] == 0.5


def test_weekend_is_off_by_default():
    # Friday 2026-11-20 10:00 in; Saturday 21 and Sunday 22 at 10:00 out (not work days).
    table = people((1, WorkSchedule()))
    moments = ["2026-11-20T10:00:00Z", "2026-11-21T10:00:00Z", "2026-11-22T10:00:00Z"]
    assert work_flags(table, moments) == [True, False, False]


def test_default_schedule_is_mon_fri_nine_to_six():
    # The documented default, as minutes after local midnight and weekday numbers (Monday = 0).
    s = WorkSchedule()
    assert (s.start_minute, s.end_minute, s.days) == (540, 1080, (0, 1, 2, 3, 4))
    assert sched() == WorkSchedule()


# --- DST: the local wall clock decides, not the UTC hour ----------------------------------------------------

DST_CASES = [
    # Europe/Paris, spring forward on Sunday 2026-03-29: CET (UTC+1) before, CEST (UTC+2) after.
    ("Europe/Paris", "2026-03-27T07:30:00Z", "2026-03-27 08:30", False),  # Fri 08:30 CET
    ("Europe/Paris", "2026-03-27T08:00:00Z", "2026-03-27 09:00", True),  # Fri 09:00 CET
    ("Europe/Paris", "2026-03-27T16:59:00Z", "2026-03-27 17:59", True),  # Fri 17:59 CET
    ("Europe/Paris", "2026-03-27T17:00:00Z", "2026-03-27 18:00", False),  # Fri 18:00 CET
    ("Europe/Paris", "2026-03-30T06:59:00Z", "2026-03-30 08:59", False),  # Mon 08:59 CEST
    ("Europe/Paris", "2026-03-30T07:00:00Z", "2026-03-30 09:00", True),  # Mon 09:00 CEST (UTC 07, not 08)
    ("Europe/Paris", "2026-03-30T07:30:00Z", "2026-03-30 09:30", True),  # same UTC clock as Fri 08:30 CET
    ("Europe/Paris", "2026-03-30T15:59:00Z", "2026-03-30 17:59", True),  # Mon 17:59 CEST
    ("Europe/Paris", "2026-03-30T16:00:00Z", "2026-03-30 18:00", False),  # Mon 18:00 CEST
    # Europe/Paris, fall back on Sunday 2026-10-25: CEST (UTC+2) before, CET (UTC+1) after.
    ("Europe/Paris", "2026-10-23T06:59:00Z", "2026-10-23 08:59", False),  # Fri 08:59 CEST
    ("Europe/Paris", "2026-10-23T07:00:00Z", "2026-10-23 09:00", True),  # Fri 09:00 CEST
    ("Europe/Paris", "2026-10-23T16:00:00Z", "2026-10-23 18:00", False),  # Fri 18:00 CEST
    ("Europe/Paris", "2026-10-23T16:30:00Z", "2026-10-23 18:30", False),  # Fri 18:30 CEST
    (
        "Europe/Paris",
        "2026-10-26T07:00:00Z",
        "2026-10-26 08:00",
        False,
    ),  # Mon 08:00 CET (UTC 07 was in on Fri)
    ("Europe/Paris", "2026-10-26T07:59:00Z", "2026-10-26 08:59", False),  # Mon 08:59 CET
    ("Europe/Paris", "2026-10-26T08:00:00Z", "2026-10-26 09:00", True),  # Mon 09:00 CET
    (
        "Europe/Paris",
        "2026-10-26T16:30:00Z",
        "2026-10-26 17:30",
        True,
    ),  # Mon 17:30 CET (UTC 16:30 was out on Fri)
    # America/New_York, spring forward on Sunday 2026-03-08: EST (UTC-5) before, EDT (UTC-4) after.
    ("America/New_York", "2026-03-06T13:30:00Z", "2026-03-06 08:30", False),  # Fri 08:30 EST
    ("America/New_York", "2026-03-06T13:59:00Z", "2026-03-06 08:59", False),  # Fri 08:59 EST
    ("America/New_York", "2026-03-06T14:00:00Z", "2026-03-06 09:00", True),  # Fri 09:00 EST
    ("America/New_York", "2026-03-06T22:30:00Z", "2026-03-06 17:30", True),  # Fri 17:30 EST
    ("America/New_York", "2026-03-09T12:59:00Z", "2026-03-09 08:59", False),  # Mon 08:59 EDT
    ("America/New_York", "2026-03-09T13:00:00Z", "2026-03-09 09:00", True),  # Mon 09:00 EDT (UTC 13, not 14)
    ("America/New_York", "2026-03-09T13:30:00Z", "2026-03-09 09:30", True),  # same UTC clock as Fri 08:30 EST
    ("America/New_York", "2026-03-09T21:59:00Z", "2026-03-09 17:59", True),  # Mon 17:59 EDT
    ("America/New_York", "2026-03-09T22:00:00Z", "2026-03-09 18:00", False),  # Mon 18:00 EDT
    # America/New_York, fall back on Sunday 2026-11-01: EDT (UTC-4) before, EST (UTC-5) after.
    ("America/New_York", "2026-10-30T12:59:00Z", "2026-10-30 08:59", False),  # Fri 08:59 EDT
    ("America/New_York", "2026-10-30T13:00:00Z", "2026-10-30 09:00", True),  # Fri 09:00 EDT
    ("America/New_York", "2026-11-02T13:00:00Z", "2026-11-02 08:00", False),  # Mon 08:00 EST
    ("America/New_York", "2026-11-02T13:59:00Z", "2026-11-02 08:59", False),  # Mon 08:59 EST
    ("America/New_York", "2026-11-02T14:00:00Z", "2026-11-02 09:00", True),  # Mon 09:00 EST (UTC 14, not 13)
    ("America/New_York", "2026-11-02T22:59:00Z", "2026-11-02 17:59", True),  # Mon 17:59 EST
    ("America/New_York", "2026-11-02T23:00:00Z", "2026-11-02 18:00", False),  # Mon 18:00 EST
]


@pytest.mark.parametrize(("tz", "moment", "local_wall", "inside"), DST_CASES)
def test_dst_local_wall_clock_decides(tz, moment, local_wall, inside):
    table = people((1, sched(tz)))
    local = localized(table, [moment]).loc[ts(moment)]
    assert local["local"] == pd.Timestamp(local_wall)
    assert bool(local["work"]) is inside


@pytest.mark.parametrize(
    ("tz", "before", "after"),
    [
        # 09:00 local on the Friday before and the Monday after each change; the UTC hours differ by one.
        ("Europe/Paris", "2026-03-27T08:00:00Z", "2026-03-30T07:00:00Z"),
        ("Europe/Paris", "2026-10-23T07:00:00Z", "2026-10-26T08:00:00Z"),
        ("America/New_York", "2026-03-06T14:00:00Z", "2026-03-09T13:00:00Z"),
        ("America/New_York", "2026-10-30T13:00:00Z", "2026-11-02T14:00:00Z"),
    ],
)
def test_nine_local_is_in_on_both_sides_of_a_dst_change(tz, before, after):
    assert ts(before).hour != ts(after).hour
    table = people((1, sched(tz)))
    assert work_flags(table, [before, after]) == [True, True]
    # ... and 1 minute earlier (08:59 local) both are out.
    earlier = [(ts(m) - pd.Timedelta(minutes=1)).isoformat() for m in (before, after)]
    assert work_flags(table, earlier) == [False, False]


def test_night_shift_over_the_dst_night():
    # Europe/Paris, shift 22:00-06:00 on Saturdays only. The night of Sat 2026-03-28 -> Sun 03-29 loses
    # the hour 02:00-03:00 local. All of these belong to Saturday's shift (shift date 2026-03-28).
    table = people((1, sched("Europe/Paris", "22:00-06:00", "sat")))
    cases = [
        ("2026-03-28T20:59:00Z", False, None),  # Sat 21:59 CET: before the start
        ("2026-03-28T21:00:00Z", True, "2026-03-28"),  # Sat 22:00 CET: start, inclusive
        ("2026-03-29T00:30:00Z", True, "2026-03-28"),  # Sun 01:30 CET
        ("2026-03-29T01:30:00Z", True, "2026-03-28"),  # Sun 03:30 CEST
        ("2026-03-29T03:59:00Z", True, "2026-03-28"),  # Sun 05:59 CEST
        ("2026-03-29T04:00:00Z", False, None),  # Sun 06:00 CEST: end, exclusive
        ("2026-03-29T20:30:00Z", False, None),  # Sun 22:30 CEST: Sunday is not a work day
    ]
    local = localized(table, [c[0] for c in cases])
    for moment, inside, shift in cases:
        assert bool(local.loc[ts(moment), "work"]) is inside, moment
        if shift is not None:
            assert local.loc[ts(moment), "shift_date"] == pd.Timestamp(shift), moment


# --- shifts crossing midnight -------------------------------------------------------------------------------

NIGHT_CASES = [
    # UTC person, 22:00-06:00 Monday to Friday. (moment, inside, shift date when inside the window)
    ("2026-11-20T21:59:00Z", False, None),  # Fri 21:59: before the start
    ("2026-11-20T22:00:00Z", True, "2026-11-20"),  # Fri 22:00: start, inclusive
    ("2026-11-21T02:00:00Z", True, "2026-11-20"),  # Sat 02:00: Friday's shift, though Saturday is off
    ("2026-11-21T05:59:00Z", True, "2026-11-20"),  # Sat 05:59: still Friday's shift
    ("2026-11-21T06:00:00Z", False, None),  # Sat 06:00: end, exclusive
    ("2026-11-21T23:00:00Z", False, "2026-11-21"),  # Sat 23:00: Saturday's shift, Saturday not worked
    ("2026-11-22T23:00:00Z", False, "2026-11-22"),  # Sun 23:00: Sunday's shift, Sunday not worked
    ("2026-11-23T02:00:00Z", False, "2026-11-22"),  # Mon 02:00: belongs to Sunday's shift -> out
    ("2026-11-23T12:00:00Z", False, None),  # Mon 12:00: outside the window
    ("2026-11-23T23:00:00Z", True, "2026-11-23"),  # Mon 23:00: Monday's shift
    ("2026-11-24T01:00:00Z", True, "2026-11-23"),  # Tue 01:00: still Monday's shift
]


def test_shift_crossing_midnight_belongs_to_the_day_it_starts():
    table = people((1, sched("UTC", "22:00-06:00", "mon-fri")))
    local = localized(table, [c[0] for c in NIGHT_CASES])
    for moment, inside, shift in NIGHT_CASES:
        assert bool(local.loc[ts(moment), "work"]) is inside, moment
        if shift is not None:
            assert local.loc[ts(moment), "shift_date"] == pd.Timestamp(shift), moment
    figures = run([post(1, c[0]) for c in NIGHT_CASES], table)
    # Week of Mon 2026-11-16 holds the Fri/Sat/Sun posts (7 of them), 3 inside (Fri 22:00, Sat 02:00, 05:59).
    # Week of Mon 2026-11-23 holds the Mon/Tue posts (4 of them), 2 inside (Mon 23:00, Tue 01:00).
    assert (row(figures, 1, "2026-11-16")["posts"], row(figures, 1, "2026-11-16")["work_hours_posts"]) == (
        7,
        3,
    )
    assert (row(figures, 1, "2026-11-23")["posts"], row(figures, 1, "2026-11-23")["work_hours_posts"]) == (
        4,
        2,
    )


def test_shift_ending_at_midnight():
    # 18:00-24:00 parses to end minute 0 (end <= start): 18:00 in, 23:59 in, 00:00 the next day out.
    table = people((1, sched("UTC", "18:00-24:00", "mon-fri")))
    moments = ["2026-11-16T17:59:00Z", "2026-11-16T18:00:00Z", "2026-11-16T23:59:59Z", "2026-11-17T00:00:00Z"]
    assert work_flags(table, moments) == [False, True, True, False]


# --- public holidays of the person's country ----------------------------------------------------------------


def test_holiday_is_off_hours_for_the_whole_day():
    # FR: Wednesday 2026-11-11 (Armistice) is a public holiday. Europe/Paris is UTC+1 in November.
    moments = [
        "2026-11-10T09:00:00Z",  # Tue 10:00 CET: in
        "2026-11-11T08:00:00Z",  # Wed 09:00 CET: holiday -> out
        "2026-11-11T09:00:00Z",  # Wed 10:00 CET: holiday -> out
        "2026-11-11T16:59:00Z",  # Wed 17:59 CET: holiday -> out
        "2026-11-12T09:00:00Z",  # Thu 10:00 CET: in
    ]
    french = people((1, sched("Europe/Paris", country="FR")))
    no_country = people((1, sched("Europe/Paris")))
    assert work_flags(french, moments) == [True, False, False, False, True]
    assert work_flags(no_country, moments) == [True, True, True, True, True]
    week = row(run([post(1, m) for m in moments], french), 1, "2026-11-09")
    # 5 posts, 2 inside -> share 2 / 5 = 0.4.
    assert (week["posts"], week["work_hours_posts"], week["work_hours_share"]) == (5, 2, 0.4)


def test_holiday_takes_the_whole_night_shift_that_starts_on_it():
    # FR, Europe/Paris, 22:00-06:00 Monday to Friday; Wed 2026-11-11 is a holiday.
    table = people((1, sched("Europe/Paris", "22:00-06:00", "mon-fri", country="FR")))
    moments = [
        "2026-11-11T01:00:00Z",  # Wed 02:00 CET: Tuesday's shift -> in
        "2026-11-11T21:00:00Z",  # Wed 22:00 CET: the holiday's own shift -> out
        "2026-11-12T01:00:00Z",  # Thu 02:00 CET: still the holiday's shift -> out
        "2026-11-12T21:00:00Z",  # Thu 22:00 CET: Thursday's shift -> in
        "2026-11-13T04:59:00Z",  # Fri 05:59 CET: Thursday's shift -> in
    ]
    assert work_flags(table, moments) == [True, False, False, True, True]


def test_holiday_is_the_local_date_not_the_utc_date():
    # US, America/Los_Angeles (UTC-8 in November); Thanksgiving is Thursday 2026-11-26.
    table = people((1, sched("America/Los_Angeles", country="US")))
    moments = [
        "2026-11-26T01:30:00Z",  # Wed 11-25 17:30 PST: UTC date is the holiday, local date is not -> in
        "2026-11-26T17:00:00Z",  # Thu 11-26 09:00 PST: holiday -> out
        "2026-11-27T01:30:00Z",  # Thu 11-26 17:30 PST: UTC date is Friday, local date is the holiday -> out
        "2026-11-27T17:00:00Z",  # Fri 11-27 09:00 PST -> in
    ]
    assert work_flags(table, moments) == [True, False, False, True]


def test_new_year_holiday_in_iso_week_53():
    # FR: Friday 2027-01-01 is a holiday; Thursday 2026-12-31 is not. Both are in ISO week 2026-W53.
    table = people((1, sched("Europe/Paris", country="FR")))
    moments = ["2026-12-31T09:00:00Z", "2027-01-01T09:00:00Z"]  # 10:00 CET each
    assert work_flags(table, moments) == [True, False]


# --- same posts, different zones ----------------------------------------------------------------------------


def test_same_posts_in_different_zones_give_different_figures():
    # Four posts on Tuesday 2026-11-17 (UTC): 10:00, 12:00, 20:00, 23:00.
    #   Paris (UTC+1): 11:00 in, 13:00 in, 21:00 out, Wed 00:00 out -> 2 inside, 2 local dates.
    #   New York (UTC-5): 05:00 out, 07:00 out, 15:00 in, 18:00 out -> 1 inside, 1 local date.
    #   Tokyo (UTC+9): 19:00 out, 21:00 out, Wed 05:00 out, Wed 08:00 out -> 0 inside, 2 local dates.
    moments = ["2026-11-17T10:00:00Z", "2026-11-17T12:00:00Z", "2026-11-17T20:00:00Z", "2026-11-17T23:00:00Z"]
    table = people((1, sched("Europe/Paris")), (2, sched("America/New_York")), (3, sched("Asia/Tokyo")))
    figures = run([post(p, m) for p in (1, 2, 3) for m in moments], table)
    expected = {1: (4, 2, 0.5, 2), 2: (4, 1, 0.25, 1), 3: (4, 0, 0.0, 2)}
    for person, (n, inside, share, days) in expected.items():
        week = row(figures, person, "2026-11-16")
        assert (week["posts"], week["work_hours_posts"], week["work_hours_share"], week["active_days"]) == (
            n,
            inside,
            share,
            days,
        ), person


# --- property: the engine's flag agrees with a direct zoneinfo/holidays reading of the definition -----------

ZONES = ["UTC", "Europe/Paris", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "Asia/Kolkata"]
START = datetime(2026, 1, 1, tzinfo=UTC)
SPAN_SECONDS = 400 * 86400  # into 2027, across every 2026 DST change and New Year


def expected_work(moment: datetime, s: WorkSchedule) -> bool:
    """The definition, read literally, one post at a time."""
    local = moment.astimezone(ZoneInfo(s.tz))
    minute = local.hour * 60 + local.minute
    day: date = local.date()
    if s.end_minute > s.start_minute:
        inside, shift = s.start_minute <= minute < s.end_minute, day
    elif minute >= s.start_minute:
        inside, shift = True, day
    elif minute < s.end_minute:
        inside, shift = True, day - timedelta(days=1)
    else:
        inside, shift = False, day
    if not inside or shift.weekday() not in s.days:
        return False
    return not (s.country and shift in holidays.country_holidays(s.country, years=shift.year))


schedules = st.builds(
    WorkSchedule,
    tz=st.sampled_from(ZONES),
    start_minute=st.integers(0, 24 * 60 - 1),
    end_minute=st.integers(0, 24 * 60 - 1),
    days=st.sets(st.integers(0, 6), min_size=1).map(lambda d: tuple(sorted(d))),
    country=st.sampled_from([None, "FR", "US", "JP"]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schedule=schedules, offsets=st.lists(st.integers(0, SPAN_SECONDS), min_size=1, max_size=25))
def test_work_flag_matches_the_definition(schedule, offsets):
    moments = [START + timedelta(seconds=s) for s in offsets]
    table = people((1, schedule))
    local = localize(posts([post(1, pd.Timestamp(m)) for m in moments]), table)
    got = sorted(zip(local["created_at"], local["work"].astype(bool), strict=True))
    want = sorted((pd.Timestamp(m), expected_work(m, schedule)) for m in moments)
    assert got == want
