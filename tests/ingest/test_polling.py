"""Polling against the fake X server through the real tweepy client: reads, cursors, ratios."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.services.ingest.polling import PollConfig, next_interval
from bot.services.people.ambassadors import untrack
from bot.storage.db import transaction
from bot.storage.tables import FollowerSnapshot, Post, XAccount
from tests.ingest.conftest import START, seed_posts

pytestmark = pytest.mark.both_backends  # post upserts and cursors


def stored_ids(sessions) -> list[int]:
    with transaction(sessions) as session:
        return list(session.scalars(select(Post.x_id).order_by(Post.x_id)))


def test_backfill_then_incremental_reads_each_post_once(fake, ingest, sessions, clock):
    fake.add_user(1, "Alice", followers=120)
    # 40 days of posts, one a day: the first poll backfills the last 28 days only.
    ids = seed_posts(fake, 1, 40, newest=START - timedelta(hours=1), every=timedelta(days=1), first_id=1000)
    ingest.track("alice")
    first = ingest.cycle()
    in_window = [i for i in ids if i >= ids[-1] - 27]
    assert (first.resolved, first.polled, first.new_posts, first.stopped) == (1, 1, 28, None)
    assert stored_ids(sessions) == in_window
    assert (fake.billed_post_reads(), fake.billed_user_reads()) == (28, 1)

    fake.add_post(1, 2000, START + timedelta(minutes=5), "fresh")
    fake.add_post(1, 2001, START + timedelta(minutes=9), "fresher")
    clock.advance(hours=5)
    second = ingest.cycle()
    assert (second.new_posts, second.resolved) == (2, 0)
    assert stored_ids(sessions) == [*in_window, 2000, 2001]
    # 30 new posts stored, 30 billable post reads: ratio 1.0 (target <= 1.05); one user read.
    assert (fake.billed_post_reads(), fake.billed_user_reads()) == (30, 1)
    with transaction(sessions) as session:
        account = session.scalars(select(XAccount)).one()
        assert (account.x_user_id, account.since_id, account.handle) == (1, 2001, "Alice")
        assert session.scalar(select(FollowerSnapshot.followers)) == 120


def test_paging_reads_every_post_exactly_once(fake, ingest, sessions):
    fake.add_user(7, "pager")
    ids = seed_posts(
        fake, 7, 250, newest=START - timedelta(minutes=1), every=timedelta(minutes=30), first_id=50_000
    )
    ingest.track("pager")
    report = ingest.cycle()
    timeline_calls = [r for r in fake.requests if r.path == "/2/users/7/tweets"]
    assert report.new_posts == 250 and len(timeline_calls) == 3
    assert stored_ids(sessions) == ids
    assert fake.billed_post_reads() == 250


def test_an_ambassador_with_no_new_posts_costs_nothing(fake, ingest, clock):
    fake.add_user(3, "quiet")
    seed_posts(fake, 3, 5, newest=START - timedelta(days=2), every=timedelta(days=1), first_id=300)
    ingest.track("quiet")
    ingest.cycle()
    billed = (fake.billed_post_reads(), fake.billed_user_reads())
    for _ in range(6):  # six more cycles over two days, each after the account is due
        clock.advance(hours=8)
        assert ingest.cycle().new_posts == 0
    assert (fake.billed_post_reads(), fake.billed_user_reads()) == billed
    polls = [r for r in fake.requests if r.path == "/2/users/3/tweets"]
    assert len(polls) == 7 and all(r.query["since_id"] == ["304"] for r in polls[1:])


def test_ratios_hold_for_a_program_over_many_cycles(fake, ingest, clock):
    for uid in range(1, 21):
        fake.add_user(uid, f"amb{uid}")
        seed_posts(
            fake,
            uid,
            uid * 3,
            newest=START - timedelta(hours=1),
            every=timedelta(hours=7),
            first_id=uid * 100_000,
        )
        ingest.track(f"amb{uid}")
    total_new = ingest.cycle().new_posts
    for step in range(1, 13):
        clock.advance(hours=2)
        for uid in range(1, 21, 3):
            fake.add_post(uid, uid * 100_000 + 50_000 + step, clock() - timedelta(minutes=30), "new")
        total_new += ingest.cycle().new_posts
    assert total_new == sum(uid * 3 for uid in range(1, 21)) + 7 * 12
    assert fake.billed_post_reads() / total_new <= 1.05
    assert fake.billed_user_reads() <= 20  # one per ambassador this week


def test_opt_out_during_the_poll_stores_nothing_about_them(fake, ingest, sessions):
    fake.add_user(5, "leaver")
    seed_posts(fake, 5, 10, newest=START - timedelta(hours=2), every=timedelta(hours=1), first_id=500)
    workspace_id = ingest.track("leaver")
    ingest.source.timeline_page = _untrack_first(ingest.source.timeline_page, sessions, workspace_id)
    report = ingest.cycle()
    assert report.new_posts == 0 and stored_ids(sessions) == []
    with transaction(sessions) as session:
        assert session.scalar(select(func.count()).select_from(XAccount)) == 0


def _untrack_first(read_page, sessions, workspace_id):
    """The person leaves (a real `untrack`) while their timeline is being read."""

    def reading(*args, **kwargs):
        page = read_page(*args, **kwargs)
        with transaction(sessions) as session:
            untrack(session=session, workspace_id=workspace_id, handle="leaver")
        return page

    return reading


def test_edited_posts_keep_only_the_latest_version(fake, ingest, sessions, clock):
    fake.add_user(9, "editor")
    fake.add_post(9, 900, START - timedelta(hours=3), "typo")
    ingest.track("editor")
    ingest.cycle()
    fake.add_post(9, 901, START - timedelta(hours=3), "fixed", edit_history=[900, 901])
    clock.advance(hours=5)
    ingest.cycle()
    assert stored_ids(sessions) == [901]


def test_busy_accounts_are_polled_more_often_than_dormant_ones():
    config = PollConfig(base_interval=timedelta(minutes=15))
    busy, steady, slow, dormant = (next_interval(n, config) for n in (300, 70, 10, 0))
    assert (busy, steady, slow, dormant) == (
        timedelta(minutes=7, seconds=30),
        timedelta(minutes=15),
        timedelta(minutes=30),
        timedelta(hours=1),
    )
    assert next_interval(0, config, pressure=8.0) == timedelta(hours=8)  # budget stretches the ceiling too
    assert next_interval(10_000, PollConfig(base_interval=timedelta(minutes=6))) == timedelta(minutes=5)
