"""Metrics refresh and deletion purge, follower snapshots, renames and lost accounts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.storage.db import transaction
from bot.storage.tables import FollowerSnapshot, Post, XAccount
from tests.ingest.conftest import START, seed_posts

pytestmark = pytest.mark.both_backends  # refresh upserts, purges, snapshots


def posts(sessions) -> dict[int, int]:
    with transaction(sessions) as session:
        return dict(session.execute(select(Post.x_id, Post.likes).order_by(Post.x_id)).all())


def test_last_weeks_posts_are_refreshed_once_and_deleted_ones_purged(fake, ingest, sessions, clock):
    fake.add_user(1, "ann")
    # Five posts during the UTC week of Mon 9 Nov (START is Wed 18 Nov), one on the 17th.
    ids = seed_posts(fake, 1, 5, newest=START - timedelta(days=7), every=timedelta(hours=6), first_id=100)
    fake.add_post(1, 999, START - timedelta(days=1), "this week")
    ingest.track("ann")
    ingest.cycle()
    assert ingest.cycle().refreshed == 0  # refreshed in the first cycle already
    reads_before = fake.billed_post_reads()
    # The first cycle refreshed the previous week (9-15 Nov) right after reading it: same day, same items.
    assert reads_before == 6
    clock.advance(days=5)  # Monday 23 Nov: the week of 16-22 Nov is complete
    fake.set_metrics(999, likes=40)
    fake.delete_post(ids[0])
    report = ingest.cycle()
    assert (report.refreshed, report.purged) == (1, 0)
    assert posts(sessions)[999] == 40
    assert ingest.cycle().refreshed == 0 and fake.billed_post_reads() == reads_before + 1


def test_the_refresh_stops_between_batches_once_the_budget_is_spent(fake, ingest, sessions, clock):
    fake.add_user(1, "ann")
    # 250 posts of the week of 16-22 Nov, read on Wednesday 18th: 250 x $0.005 + one user read, $1.26.
    seed_posts(fake, 1, 250, newest=START - timedelta(hours=1), every=timedelta(minutes=10), first_id=1000)
    ingest.track("ann")
    first = ingest.cycle(budget_usd=1.80)
    assert first.stopped is None and fake.billed_post_reads() == 250
    clock.advance(days=5)  # Monday 23 Nov: the week is complete, its 250 posts are due a refresh
    report = ingest.cycle(budget_usd=1.80)
    # A snapshot ($0.01), then batches of 100 ($0.50 each): $1.77 after the first, $2.27 after the
    # second, so no third call.
    assert report.refreshed == 200 and report.stopped.startswith("X budget of $1.80 reached")
    assert fake.billed_post_reads() == 450
    with transaction(sessions) as session:
        waiting = session.scalars(select(Post.x_id).where(Post.refreshed_for.is_(None))).all()
    assert len(waiting) == 50  # left for a cycle with budget


def test_deleted_posts_are_purged_at_refresh(fake, ingest, sessions, clock):
    fake.add_user(1, "ann")
    fake.add_post(1, 500, START - timedelta(hours=2), "keep")
    fake.add_post(1, 501, START - timedelta(hours=1), "delete me")
    ingest.track("ann")
    ingest.cycle()
    fake.delete_post(501)
    fake.set_metrics(500, likes=9, reposts=2)
    clock.advance(days=5)
    report = ingest.cycle()
    assert (report.refreshed, report.purged) == (1, 1)
    assert posts(sessions) == {500: 9}


def test_weekly_snapshots_and_a_rename(fake, ingest, sessions, clock):
    fake.add_user(1, "ann", followers=100)
    ingest.track("ann")
    ingest.cycle()
    clock.advance(days=3)
    ingest.cycle()  # not due yet: no user read
    assert fake.billed_user_reads() == 1
    fake.rename(1, "ann_writes")
    clock.advance(days=4)
    report = ingest.cycle()
    assert report.snapshots == 1 and fake.billed_user_reads() == 2
    with transaction(sessions) as session:
        account = session.scalars(select(XAccount)).one()
        assert (account.handle, account.handle_key, account.x_user_id) == ("ann_writes", "ann_writes", 1)
        assert len(session.scalars(select(FollowerSnapshot)).all()) == 2


def test_lost_accounts_are_marked_skipped_and_rechecked(fake, ingest, sessions, clock):
    for uid, name in ((1, "locked"), (2, "banned"), (3, "gone"), (4, "fine")):
        fake.add_user(uid, name)
        fake.add_post(uid, uid * 10, START - timedelta(hours=1), "hi")
        ingest.track(name)
    ingest.cycle()
    fake.protect(1)
    fake.suspend(2)
    fake.delete_user(3)
    fake.add_post(4, 41, START + timedelta(minutes=30), "again")
    clock.advance(days=7, minutes=1)
    report = ingest.cycle()
    assert report.failed_accounts == {}
    with transaction(sessions) as session:
        status = {a.handle: a.status for a in session.scalars(select(XAccount))}
    assert status == {"locked": "protected", "banned": "suspended", "gone": "not_found", "fine": "active"}
    assert 41 in posts(sessions)
    # X reinstates "banned": the next weekly lookup notices, and it is polled again.
    fake.restore(2)
    fake.add_post(2, 21, START + timedelta(days=8), "back")
    clock.advance(days=7, minutes=1)
    ingest.cycle()
    with transaction(sessions) as session:
        status = {a.handle: a.status for a in session.scalars(select(XAccount))}
    assert (status["banned"], status["gone"]) == ("active", "not_found")
    clock.advance(hours=4, minutes=1)
    ingest.cycle()
    assert 21 in posts(sessions)


def test_a_handle_that_does_not_exist_is_reported(fake, ingest, sessions):
    ingest.track("nobody_here")
    report = ingest.cycle()
    assert report.resolved == 0
    with transaction(sessions) as session:
        account = session.scalars(select(XAccount)).one()
    assert (account.status, account.last_error) == ("not_found", "X says @nobody_here is not_found")


def test_a_rename_tracked_before_the_snapshot_merges_into_the_known_account(fake, ingest, sessions, clock):
    from bot.storage.tables import Ambassador

    fake.add_user(1, "oldname")
    ingest.track("oldname", team="T1")
    ingest.cycle()
    fake.rename(1, "newname")
    ingest.track("newname", team="T2")  # someone tracks the new handle before the weekly snapshot
    clock.advance(hours=1)
    report = ingest.cycle()
    assert report.stopped is None and report.resolved == 1
    with transaction(sessions) as session:
        accounts = [(a.x_user_id, a.handle) for a in session.scalars(select(XAccount))]
        owners = {a.x_account_id for a in session.scalars(select(Ambassador))}
    assert accounts == [(1, "newname")] and len(owners) == 1
