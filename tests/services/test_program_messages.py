"""Digest and nudge planning through real storage, with exact numbers, and their neutral messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from bot.messages.digest import digest_message
from bot.messages.nudge import nudge_message
from bot.messages.recap import recap_message
from bot.metrics.weeks import parse_week
from bot.schedule import WorkSchedule
from bot.services.people import ambassadors
from bot.services.reports.digest import build_digest, build_digests
from bot.services.reports.nudges import plan_nudges
from bot.services.reports.program import load_program, load_programs, load_whole
from bot.services.reports.recaps import recaps
from bot.sources.records import PostKind, PostRecord
from bot.storage import repositories as repo
from bot.storage.db import transaction

WEEK = "2026-W46"  # Monday 9 Nov 2026
MONDAY_UTC = datetime(2026, 11, 9, tzinfo=UTC)
_next_id = iter(range(10**18, 10**19))


def post(at: datetime, likes: int = 0, kind: PostKind = PostKind.ORIGINAL, text: str = "hello") -> PostRecord:
    return PostRecord(x_id=next(_next_id), created_at=at, kind=kind, text=text, likes=likes)


def add_person(session, workspace_id: int, handle: str, records: list[PostRecord], **prefs) -> int:
    amb = ambassadors.track(
        session=session,
        workspace_id=workspace_id,
        handle=handle,
        schedule=WorkSchedule(tz="UTC"),
        consent_text="yes",
        consent_source="self",
    )
    for key, value in prefs.items():
        if key == "timezone":
            amb.timezone = value
        else:
            setattr(amb, key, value)
    repo.upsert_posts(session=session, x_account_id=amb.x_account_id, records=records, source="api")
    return amb.id


def program_of(sessions, people: dict[str, list[PostRecord]], **prefs_by_handle):
    with transaction(sessions) as s:
        ws = ambassadors.ensure_workspace(session=s, platform="slack", external_id="T1")
        for handle, records in people.items():
            add_person(s, ws.id, handle, records, **prefs_by_handle.get(handle, {}))
    with transaction(sessions) as s:
        return load_program(session=s, workspace_id=ws.id, week=parse_week(WEEK))


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return MONDAY_UTC + timedelta(days=day, hours=hour, minutes=minute)


def test_digest_is_withheld_below_the_minimum_group(sessions):
    people = {f"p{i}": [post(at(0, 10), likes=3)] for i in range(4)}
    data = build_digest(program_of(sessions, people), min_group_size=5)
    message = digest_message(data)
    assert data.current.withheld and data.current.active_ambassadors == 4 and data.current.figures == {}
    assert data.highlights == () and data.heatmap is None
    assert "withheld" in message.sections[0].text and message.sections[0].facts == ()


def test_digest_figures_and_highlights(sessions):
    people = {
        "ana": [post(at(0, 10), likes=50), post(at(0, 20), likes=40)],  # one in, one out of work hours
        "ben": [post(at(1, 9), likes=7)],
        "cleo": [post(at(2, 12), likes=1), post(at(2, 13), kind=PostKind.RETWEET, text="RT @x: hi")],
        "dan": [post(at(3, 8), likes=30)],  # 08:00 UTC: before work
        "eve": [post(at(4, 17, 59), likes=2)],
        "fay": [post(at(-7, 10), likes=9)],  # the week before: not active this week
    }
    data = build_digest(program_of(sessions, people, dan={"highlights_allowed": False}), min_group_size=5)
    figures = data.current.figures
    # 7 posts by 5 people; 4 in work hours (ana 10:00, ben 09:00, cleo 12:00 and 13:00 retweet, eve 17:59)
    assert figures["posts"] == 7 and figures["active_ambassadors"] == 5
    assert figures["work_hours_share"] == pytest.approx(5 / 7)
    # own posts' engagement: 50, 40, 7, 1, 30, 2 -> median 18.5 over 6 own posts (the repost excluded)
    assert figures["engagement_per_post_median"] == 18.5 and figures["engagement_posts"] == 6
    assert data.previous.withheld and data.previous.active_ambassadors == 1
    # one post per person, dan opted out of highlights
    assert [(h.handle, h.engagement) for h in data.highlights] == [("ana", 50), ("ben", 7), ("eve", 2)]
    assert data.highlights[0].url.startswith("https://x.com/ana/status/")
    message = digest_message(data)
    facts = {str(f.label): str(f.value) for f in message.sections[0].facts}
    assert facts["Posts"] == "7" and facts["Work-hours share (program)"] == "71%"
    assert "dan" not in str(message.to_dict())
    assert data.trend_weeks[-1] == WEEK and data.trend_posts[-1] == 7


def burst(day: int, start_hour: int, count: int, every_minutes: int = 5) -> list[PostRecord]:
    return [post(at(day, start_hour, i * every_minutes)) for i in range(count)]


def test_a_burst_gives_one_nudge_a_day_and_at_most_two_a_week(sessions):
    records = burst(0, 10, 6) + burst(0, 14, 6) + burst(1, 10, 7) + burst(2, 10, 12)
    plans = plan_nudges(program_of(sessions, {"rapid": records}))
    assert [(p.day, p.rule, p.work_posts, p.bursts) for p in plans] == [
        ("2026-11-09", "burst", 12, 2),
        ("2026-11-10", "burst", 7, 1),
    ]
    message = nudge_message(plans[0])
    assert "12 times during your work hours" in message.sections[0].text
    assert "2 burst(s)" in message.sections[0].text
    assert [a.label for a in message.actions] == ["Thanks", "Snooze a week", "Not useful", "Turn off"]
    assert all(a.value == f"{plans[0].ambassador_id}:burst:2026-11-09" for a in message.actions)


def test_volume_and_baseline_rules(sessions):
    spread = [post(at(0, 9 + i // 2, (i % 2) * 30 + 10)) for i in range(10)]  # 10 posts, 30 min apart
    history = [post(at(-7 * w + 1, 11)) for w in range(1, 5)]  # one post on each of the 4 previous Tuesdays
    heavy_tuesday = [post(at(1, 9 + i)) for i in range(5)]  # 5 > 2 x median 1
    plans = plan_nudges(program_of(sessions, {"volume": spread, "steady": history + heavy_tuesday}))
    assert {(p.handle, p.rule, p.work_posts) for p in plans} == {
        ("volume", "day_volume", 10),
        ("steady", "above_baseline", 5),
    }
    steady = next(p for p in plans if p.handle == "steady")
    assert steady.weekday_median == 1.0
    assert "more than twice your usual 1 for that weekday" in nudge_message(steady).sections[0].text


def test_a_quiet_history_counts_as_zero_but_no_history_does_not(sessions):
    def heavy_tuesday() -> list[PostRecord]:
        return [post(at(1, 9 + i)) for i in range(5)]  # 5 work posts an hour apart: no burst, no volume

    # "quiet" joined five weeks before and never posted: four quiet Tuesdays, a median of 0. "new"
    # joined that Tuesday: no Tuesdays before to compare with, so no baseline nudge.
    program = program_of(
        sessions,
        {"quiet": heavy_tuesday(), "new": heavy_tuesday()},
        quiet={"consent_at": MONDAY_UTC - timedelta(weeks=5)},
        new={"consent_at": MONDAY_UTC + timedelta(days=1)},
    )
    plans = plan_nudges(program)
    assert [(p.handle, p.rule, p.work_posts, p.weekday_median) for p in plans] == [
        ("quiet", "above_baseline", 5, 0.0)
    ]


def test_nobody_is_nudged_when_nudges_are_off(sessions):
    plans = plan_nudges(program_of(sessions, {"quiet": burst(0, 10, 8)}, quiet={"nudges_enabled": False}))
    assert plans == []


def test_off_hours_slots_suggested_from_history(sessions):
    history = [post(at(-7 * w, 19), likes=10 + w) for w in range(1, 4)] + [post(at(-7, 7), likes=1)]
    plans = plan_nudges(program_of(sessions, {"eve": history + burst(0, 10, 6)}))
    assert plans[0].best_slots == ((0, 19, 12.0),)
    assert "Mon 19:00 (median 12 engagements)" in nudge_message(plans[0]).sections[1].text


def test_program_weeks_use_each_persons_zone(sessions):
    # Sunday 8 Nov 16:00 UTC is already Monday 01:00 in Tokyo (week 46) but still Sunday in UTC (week 45).
    sunday_late = MONDAY_UTC - timedelta(hours=8)
    program = program_of(
        sessions,
        {"tokyo": [post(sunday_late)], "london": [post(sunday_late)]},
        tokyo={"timezone": "Asia/Tokyo"},
    )
    weekly = program.figures.weekly["posts"]
    by_handle = {p.handle: pid for pid, p in program.people.items()}
    assert weekly.loc[(by_handle["tokyo"], pd.Timestamp("2026-11-09"))] == 1
    assert weekly.loc[(by_handle["london"], pd.Timestamp("2026-11-02"))] == 1
    assert weekly.loc[(by_handle["london"], pd.Timestamp("2026-11-09"))] == 0


def test_recap_has_the_week_the_best_post_and_the_best_off_hours_slots(sessions):
    history = [post(at(-7 * w, 20), likes=8 + w) for w in range(1, 3)]  # Mondays 20:00: 9 and 10
    this_week = [
        post(at(1, 10), likes=4, text="a work-hours post"),
        post(at(2, 20), likes=15, text="the best one, on <b2b>"),  # Wednesday 20:00: off hours
        post(at(3, 21), kind=PostKind.RETWEET, text="RT @x: reposts never count"),
    ]
    eve_program = program_of(
        sessions, {"eve": history + this_week, "shy": []}, shy={"highlights_allowed": False}
    )
    by_handle = {p.handle: pid for pid, p in eve_program.people.items()}
    everyone = recaps(eve_program)
    eve = everyone[by_handle["eve"]]
    assert eve.report.week.figures.posts == 3 and eve.report.week.figures.work_hours_posts == 1
    assert eve.best_post.x_id == this_week[1].x_id and eve.best_post.engagement == 15
    # Monday 20:00 twice before (median 9.5) and Wednesday 20:00 only once: a slot needs 2 posts.
    assert eve.best_slots == ((0, 20, 9.5),)
    message = recap_message(eve)
    shown = [s.links[0].url for s in message.sections if s.links]
    assert shown == [f"https://x.com/eve/status/{this_week[1].x_id}"]
    assert any("Mon 20:00 (median 9.5 engagements)" in s.text for s in message.sections)
    assert everyone[by_handle["shy"]].best_post is None and everyone[by_handle["shy"]].best_slots == ()


def test_one_pass_for_several_workspaces_equals_one_pass_each(sessions):
    with transaction(sessions) as s:
        first = ambassadors.ensure_workspace(session=s, platform="slack", external_id="TA").id
        second = ambassadors.ensure_workspace(session=s, platform="slack", external_id="TB").id
        empty = ambassadors.ensure_workspace(session=s, platform="slack", external_id="TC").id
        add_person(s, first, "ana", [post(at(0, 10), likes=5), post(at(-7, 20), likes=2), *burst(1, 10, 6)])
        add_person(s, first, "ben", [post(at(2, 21), likes=9)])
        add_person(s, second, "cleo", [post(at(0, 11), likes=1), post(at(3, 9), likes=4)])
    week = parse_week(WEEK)
    with transaction(sessions) as s:
        together = load_programs(session=s, workspace_ids=[first, second, empty], week=week)
        alone = {wid: load_program(session=s, workspace_id=wid, week=week) for wid in (first, second, empty)}
    for wid in (first, second, empty):
        mine = set(together[wid].people)
        assert mine == set(alone[wid].people)
        assert set(together[wid].figures.local["ambassador_id"]) <= mine
        assert set(together[wid].figures.weekly.index.get_level_values(0)) <= mine
        for name in ("local", "weekly", "baseline", "activity"):
            mixed, own = getattr(together[wid].figures, name), getattr(alone[wid].figures, name)
            if own.empty:  # nobody's rows: the dtypes of an empty pass are not the point
                assert mixed.empty
                continue
            pd.testing.assert_frame_equal(mixed.reset_index(drop=True), own.reset_index(drop=True))
        mixed_days, own_days = together[wid].figures.history_days, alone[wid].figures.history_days
        assert mixed_days.sort_index().to_dict() == own_days.sort_index().to_dict()
        assert set(mixed_days.index) == mine
    assert together[empty].people == {} and together[empty].figures.local.empty
    assert build_digest(together[first], 1).current.figures["posts"] == 8
    # A batch's digests from the whole pass are each workspace's own digest, nobody else's posts.
    with transaction(sessions) as s:
        whole = load_whole(session=s, workspace_ids=[first, second, empty], week=week)
    batch = build_digests(whole, {first: 1, second: 1, empty: 1})
    for wid in (first, second, empty):
        assert batch[wid] == build_digest(alone[wid], 1)
    assert {h.handle for h in batch[first].highlights} == {"ana", "ben"}
    assert [h.handle for h in batch[second].highlights] == ["cleo"]
    assert sum(map(sum, batch[second].heatmap)) == batch[second].current.figures["posts"] == 2
    assert batch[empty].current.withheld and batch[empty].heatmap is None
