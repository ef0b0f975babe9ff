"""The bundled sample program: deterministic, well formed, and telling its stories through the real engine."""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from bot.demo.sample import DEMO_WEEK, METRICS_READ_AT, SampleProgram, build_sample, demo_monday
from bot.metrics.engine import Figures, compute_figures
from bot.metrics.frames import POST_COLUMNS, people_frame, posts_frame, snapshots_frame
from bot.sources.records import PostKind, PostRecord

WEEK = pd.Timestamp("2026-11-09")
HOLIDAY = pd.Timestamp("2026-11-11")
FIRST_MONDAY = date(2026, 10, 12)
LAST_SUNDAY = date(2026, 11, 15)
HANDLE = re.compile(r"[A-Za-z0-9_]{1,15}")


@pytest.fixture(scope="module")
def program() -> SampleProgram:
    """The sample with the default seed, built once for the module."""
    return build_sample()


@pytest.fixture(scope="module")
def ids(program: SampleProgram) -> dict[str, int]:
    """Ambassador ids for the engine, by handle."""
    return {a.handle: i for i, a in enumerate(program.ambassadors, start=1)}


def _row(ambassador_id: int, post: PostRecord) -> tuple:
    """A posts-frame row in the engine's own column order (fields looked up by name)."""
    named = {"ambassador_id": ambassador_id, "kind": post.kind.value}
    return tuple(named[c] if c in named else getattr(post, c) for c in POST_COLUMNS)


def _figures(program: SampleProgram, ids: dict[str, int], weeks: pd.DatetimeIndex) -> Figures:
    """The real metrics pass over the whole sample, with `weeks` on everyone's grid."""
    # As the services do: each history starts at the person's first stored post.
    since = {ids[h]: min(p.created_at for p in posts) for h, posts in program.posts.items() if posts}
    people = people_frame([(ids[a.handle], a.handle, a.schedule) for a in program.ambassadors], since)
    posts = posts_frame([_row(ids[h], p) for h, posts in program.posts.items() for p in posts])
    snaps = snapshots_frame([(ids[s.handle], s.taken_at, s.followers) for s in program.snapshots])
    return compute_figures(posts, people, snaps, weeks=weeks)


@pytest.fixture(scope="module")
def figures(program: SampleProgram, ids: dict[str, int]) -> Figures:
    """DEMO_WEEK figures, the way the brief's checks ask for them."""
    return _figures(program, ids, pd.DatetimeIndex([WEEK]))


@pytest.fixture(scope="module")
def history(program: SampleProgram, ids: dict[str, int]) -> Figures:
    """The four baseline weeks and DEMO_WEEK on the grid, as the stats service asks, so baselines exist."""
    return _figures(program, ids, pd.date_range(WEEK - pd.Timedelta(weeks=4), WEEK, freq="7D"))


def _week(figures: Figures, ids: dict[str, int], handle: str) -> pd.Series:
    """One person's DEMO_WEEK figures."""
    return figures.weekly.loc[(ids[handle], WEEK)]


def _all_posts(program: SampleProgram) -> list[PostRecord]:
    """Every post of the sample."""
    return [p for posts in program.posts.values() for p in posts]


def test_demo_week_is_iso_week_46_of_2026() -> None:
    assert DEMO_WEEK == "2026-W46"
    assert demo_monday() == date(2026, 11, 9)


def test_same_seed_builds_the_same_program(program: SampleProgram) -> None:
    assert build_sample() == program
    assert build_sample(46) == program


def test_another_seed_builds_another_program(program: SampleProgram) -> None:
    other = build_sample(7)
    assert other != program
    assert [p.x_id for p in other.posts["rapid_jonas"]] != [p.x_id for p in program.posts["rapid_jonas"]]
    assert [a.handle for a in other.ambassadors] == [a.handle for a in program.ambassadors]


def test_x_ids_are_unique_large_and_increase_with_time(program: SampleProgram) -> None:
    x_ids = [p.x_id for p in _all_posts(program)]
    assert len(x_ids) == len(set(x_ids))
    assert min(x_ids) >= 10**18
    assert max(x_ids) < 2**63
    for posts in program.posts.values():
        assert [p.x_id for p in posts] == sorted(p.x_id for p in posts)
        assert [p.created_at for p in posts] == sorted(p.created_at for p in posts)


def test_every_datetime_is_aware_utc(program: SampleProgram) -> None:
    moments = [p.created_at for p in _all_posts(program)]
    moments += [p.metrics_read_at for p in _all_posts(program)]
    moments += [s.taken_at for s in program.snapshots]
    assert all(isinstance(m, datetime) and m.tzinfo is UTC for m in moments)
    assert {p.metrics_read_at for p in _all_posts(program)} == {METRICS_READ_AT}
    assert datetime(2026, 11, 16, 8, 0, tzinfo=UTC) == METRICS_READ_AT


def test_about_twelve_ambassadors_with_valid_distinct_handles(program: SampleProgram) -> None:
    handles = [a.handle for a in program.ambassadors]
    assert 10 <= len(handles) <= 14
    assert len(set(handles)) == len(handles)
    assert all(HANDLE.fullmatch(h) for h in handles)
    assert set(program.posts) == set(handles)
    assert any(h.startswith("rapid_") for h in handles)
    for ambassador in program.ambassadors:
        assert ambassador.display_name.strip()
        assert ambassador.story.strip() and "\n" not in ambassador.story


def test_schedules_vary_across_zones_hours_and_days(program: SampleProgram) -> None:
    schedules = [a.schedule for a in program.ambassadors]
    assert len({s.tz for s in schedules}) >= 8
    assert any(s.end_minute <= s.start_minute for s in schedules)
    assert any(s.days == (0, 1, 2, 3, 6) for s in schedules)
    assert any(s.days == (0, 1, 2, 3, 4) and (s.start_minute, s.end_minute) == (540, 1080) for s in schedules)
    assert all(s.country and 1 <= len(s.topics) <= 3 for s in schedules)


def test_posts_fall_in_the_five_local_weeks(program: SampleProgram) -> None:
    for ambassador in program.ambassadors:
        zone = ZoneInfo(ambassador.schedule.tz)
        days = {p.created_at.astimezone(zone).date() for p in program.posts[ambassador.handle]}
        assert not days or (min(days) >= FIRST_MONDAY and max(days) <= LAST_SUNDAY), ambassador.handle


def test_post_kinds_texts_and_engagement_are_plausible(program: SampleProgram) -> None:
    posts = _all_posts(program)
    assert {p.kind for p in posts} == set(PostKind)
    assert all(0 < len(p.text) <= 280 for p in posts)
    for post in posts:
        if post.kind is PostKind.RETWEET:
            assert post.text.startswith("RT @")
            assert (post.likes, post.reposts, post.replies, post.quotes) == (0, 0, 0, 0)
        assert (post.in_reply_to_id is not None) == (post.kind is PostKind.REPLY)
        assert min(post.likes, post.reposts, post.replies, post.quotes) >= 0
    assert any(re.search(r"[éèàçí]", p.text) for p in posts)
    assert any(re.search(r"(^|\s)#\w", p.text) for p in posts if p.kind is not PostKind.RETWEET)


def test_original_posts_mostly_mention_their_authors_topics(figures: Figures, ids: dict[str, int]) -> None:
    weekly = figures.weekly
    for handle in ("lena_allday", "aiko_deepdive", "claire_morel", "sofia_marin", "mia_collins"):
        rows = weekly.loc[ids[handle]]
        assert rows["on_topic_posts"].sum() / rows["topic_posts"].sum() >= 0.5, handle


def test_one_snapshot_a_week_with_gains_and_losses(program: SampleProgram) -> None:
    by_handle: dict[str, list] = {}
    for snapshot in program.snapshots:
        by_handle.setdefault(snapshot.handle, []).append(snapshot)
    counts = {handle: len(snaps) for handle, snaps in by_handle.items()}
    assert counts.pop("priya_raman") == 2
    assert set(counts.values()) == {6}
    for snaps in by_handle.values():
        assert [s.taken_at for s in snaps] == sorted(s.taken_at for s in snaps)
        assert all(s.followers > 0 and s.following > 0 for s in snaps)
        assert [s.posts_count for s in snaps] == sorted(s.posts_count for s in snaps)
    totals = [snaps[-1].followers - snaps[0].followers for snaps in by_handle.values()]
    assert min(totals) < 0 < max(totals)


def test_rapid_poster_bursts_all_week_in_work_hours(figures: Figures, ids: dict[str, int]) -> None:
    week = _week(figures, ids, "rapid_jonas")
    assert week["bursts"] >= 5
    assert week["work_hours_share"] >= 0.8
    assert 45 <= week["work_hours_posts"] / 5 <= 65
    assert week["retweets"] + week["replies"] >= 0.8 * week["posts"]
    assert week["engagement_per_post_median"] <= 2


def test_all_day_poster_posts_about_26_a_day_mostly_outside_work(
    figures: Figures, ids: dict[str, int]
) -> None:
    week = _week(figures, ids, "lena_allday")
    assert 20 <= week["posts"] / 7 <= 32
    assert week["work_hours_share"] <= 0.3
    assert week["engagement_per_post_median"] >= 10


def test_quiet_expert_posts_little_with_the_best_engagement(figures: Figures, ids: dict[str, int]) -> None:
    week = _week(figures, ids, "aiko_deepdive")
    assert 1 <= week["posts"] <= 5
    assert week["originals"] == week["posts"]
    medians = figures.weekly.xs(WEEK, level="week")["engagement_per_post_median"]
    assert medians.idxmax() == ids["aiko_deepdive"]
    assert week["engagement_per_post_median"] >= 30


def test_spike_is_above_twice_their_own_baseline(history: Figures, ids: dict[str, int]) -> None:
    week = _week(history, ids, "marco_vidal")
    baseline = history.baseline.loc[(ids["marco_vidal"], WEEK)]
    assert baseline["work_hours_posts"] > 0
    assert week["work_hours_posts"] > 2 * baseline["work_hours_posts"]


def test_holiday_burst_counts_as_off_hours(figures: Figures, ids: dict[str, int]) -> None:
    local = figures.local
    day = local[(local["ambassador_id"] == ids["claire_morel"]) & (local["local_date"] == HOLIDAY)]
    times = day["local"].sort_values().to_numpy()
    # Six posts within an hour, the engine's burst rule, would be a burst on any working day.
    assert len(times) >= 6
    assert (times[5:] - times[:-5] <= pd.Timedelta(minutes=60).to_timedelta64()).any()
    assert not day["work"].any()
    assert _week(figures, ids, "claire_morel")["bursts"] == 0


def test_inactive_person_has_a_zero_week_after_a_baseline(
    figures: Figures, history: Figures, ids: dict[str, int]
) -> None:
    assert _week(figures, ids, "tom_ashworth")["posts"] == 0
    assert _week(history, ids, "tom_ashworth")["posts"] == 0
    assert history.baseline.loc[(ids["tom_ashworth"], WEEK)]["posts"] > 0


def test_newcomer_has_data_only_in_demo_week(
    program: SampleProgram, history: Figures, ids: dict[str, int]
) -> None:
    monday = datetime(2026, 11, 9, tzinfo=ZoneInfo("Asia/Kolkata"))
    assert program.posts["priya_raman"]
    assert min(p.created_at for p in program.posts["priya_raman"]) >= monday
    assert min(s.taken_at for s in program.snapshots if s.handle == "priya_raman") >= monday
    assert _week(history, ids, "priya_raman")["posts"] > 0
    assert list(history.weekly.loc[ids["priya_raman"]].index) == [WEEK]
    assert history.baseline.loc[(ids["priya_raman"], WEEK)].isna().all()


def test_night_shift_posts_after_midnight_belong_to_the_evening_before(
    figures: Figures, ids: dict[str, int]
) -> None:
    local = figures.local
    night = local[(local["ambassador_id"] == ids["rafa_noturno"]) & (local["hour"] < 6) & local["work"]]
    assert len(night) > 0
    assert (night["shift_date"] == night["local_date"] - pd.Timedelta(days=1)).all()


def test_someone_loses_followers_in_demo_week(figures: Figures, ids: dict[str, int]) -> None:
    changes = figures.weekly.xs(WEEK, level="week")["follower_net_change"]
    assert (changes < 0).any()
    assert _week(figures, ids, "rapid_jonas")["follower_net_change"] < 0


def test_build_is_fast() -> None:
    build_sample()
    best = timedelta.max
    for _ in range(3):
        start = time.perf_counter()
        build_sample()
        best = min(best, timedelta(seconds=time.perf_counter() - start))
    assert best < timedelta(seconds=1)
