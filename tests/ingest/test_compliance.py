"""X batch compliance against the fake X: real tweepy for the jobs, real PUT/GET on the signed URLs,
purges asserted in rows, counts logged without ids, failed or expired jobs retried the next day."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.services.ingest.compliance import Polling, run_compliance
from bot.sources.x_api import make_client
from bot.sources.x_compliance import ComplianceSource
from bot.storage.db import transaction
from bot.storage.tables import FollowerSnapshot, Post, XAccount
from tests.ingest.conftest import BEARER, START, seed_posts

ALICE, BOB = 1_111_111_111, 2_222_222_222


@pytest.fixture
def compliance_source(fake, clock, sleeps) -> ComplianceSource:
    return ComplianceSource(make_client(BEARER, fake.url), clock=clock, sleep=sleeps.append)


@pytest.fixture
def stored(fake, ingest):
    """Two people polled once: alice's posts 5000-5004, bob's 6000-6002, a snapshot each."""
    fake.add_user(ALICE, "alice")
    fake.add_user(BOB, "bob")
    seed_posts(fake, ALICE, 5, newest=START - timedelta(hours=1), every=timedelta(hours=2), first_id=5000)
    seed_posts(fake, BOB, 3, newest=START - timedelta(hours=1), every=timedelta(hours=2), first_id=6000)
    ingest.track("alice")
    ingest.track("bob")
    ingest.cycle()


def run(sessions, source, clock, sleeps, force=False):
    return run_compliance(
        sessions=sessions,
        source=source,
        now=clock,
        sleep=sleeps.append,
        polling=Polling(30, 300),
        force=force,
    )


def counts(sessions) -> dict[str, object]:
    with transaction(sessions) as session:
        posts = sorted(session.scalars(select(Post.x_id)))
        snapshots = {
            handle: session.scalar(
                select(func.count())
                .select_from(FollowerSnapshot)
                .join(XAccount)
                .where(XAccount.handle == handle)
            )
            for handle in ("alice", "bob")
        }
        status = {a.handle: a.status for a in session.scalars(select(XAccount))}
    return {"posts": posts, "snapshots": snapshots, "status": status}


def test_deleted_posts_and_a_suspended_account_are_purged_in_one_run(
    fake, stored, sessions, compliance_source, clock, sleeps, caplog
):
    fake.delete_post(5001)
    fake.delete_post(5003)
    fake.suspend(BOB)
    fake.compliance.polls_before_done = 2
    before = counts(sessions)
    assert len(before["posts"]) == 8 and before["snapshots"] == {"alice": 1, "bob": 1}

    with caplog.at_level(logging.INFO, logger="bot.services.ingest.compliance"):
        report = run(sessions, compliance_source, clock, sleeps)

    after = counts(sessions)
    assert after["posts"] == [5000, 5002, 5004]
    assert after["snapshots"] == {"alice": 1, "bob": 0}
    assert after["status"] == {"alice": "active", "bob": "suspended"}
    assert report.status == {"tweets": "complete", "users": "complete"}
    assert report.checked == {"tweets": 8, "users": 2}
    assert (report.posts_deleted, report.accounts_purged) == (5, 1)  # bob's 3 posts went in the tweets job
    tweets_job, users_job = fake.compliance.jobs
    assert (tweets_job.type, users_job.type) == ("tweets", "users")
    assert (
        sorted(map(int, tweets_job.ids)) == before["posts"] and tweets_job.upload_content_type == "text/plain"
    )
    assert sorted(map(int, users_job.ids)) == [ALICE, BOB]
    assert sleeps.count(30) == 4  # two polls in progress per job, 30 s apart
    fields = [record.fields for record in caplog.records if record.getMessage() == "compliance job finished"]
    assert fields == [
        {"type": "tweets", "status": "complete", "checked": 8, "posts_deleted": 5, "accounts_purged": 0},
        {"type": "users", "status": "complete", "checked": 2, "posts_deleted": 0, "accounts_purged": 1},
    ]
    logged = caplog.text + " ".join(str(r.__dict__) for r in caplog.records)
    for secret in ("5001", "5003", "6000", str(BOB), BEARER):
        assert secret not in logged


def test_a_suspended_account_is_no_longer_polled(
    fake, stored, sessions, compliance_source, clock, sleeps, ingest
):
    fake.suspend(BOB)
    run(sessions, compliance_source, clock, sleeps)
    fake.restore(BOB)  # X serves it again, but nothing asks before the follower refresh says so
    clock.advance(hours=5)
    timelines_before = sum(1 for r in fake.requests if r.path == f"/2/users/{BOB}/tweets")
    ingest.cycle()
    assert sum(1 for r in fake.requests if r.path == f"/2/users/{BOB}/tweets") == timelines_before


@pytest.mark.parametrize("outcome", ["failed", "expired"])
def test_a_failed_or_expired_job_purges_nothing_and_is_retried_the_next_day(
    fake, stored, sessions, compliance_source, clock, sleeps, outcome, caplog
):
    fake.delete_post(5001)
    fake.suspend(BOB)
    fake.compliance.outcomes.extend([outcome, outcome])
    before = counts(sessions)

    with caplog.at_level(logging.WARNING, logger="bot.services.ingest.compliance"):
        first = run(sessions, compliance_source, clock, sleeps)
    assert counts(sessions) == before
    assert first.failed == ["tweets", "users"] and first.posts_deleted == 0
    assert all(job.downloads == 0 for job in fake.compliance.jobs)
    assert [r.fields["status"] for r in caplog.records] == [outcome, outcome]

    clock.advance(hours=6)  # the same UTC day: not again
    later = run(sessions, compliance_source, clock, sleeps)
    assert later.status == {"tweets": "done today", "users": "done today"} and len(fake.compliance.jobs) == 2

    clock.advance(days=1)
    next_day = run(sessions, compliance_source, clock, sleeps)
    assert next_day.status == {"tweets": "complete", "users": "complete"} and len(fake.compliance.jobs) == 4
    after = counts(sessions)
    assert 5001 not in after["posts"] and not {6000, 6001, 6002} & set(after["posts"])
    assert after["status"]["bob"] == "suspended"


def test_a_job_still_running_after_the_wait_is_retried_the_next_day(
    fake, stored, sessions, compliance_source, clock, sleeps
):
    fake.delete_post(5001)
    fake.compliance.polls_before_done = 1_000
    report = run(sessions, compliance_source, clock, sleeps)
    assert report.status == {"tweets": "timed out", "users": "timed out"}
    assert 5001 in counts(sessions)["posts"] and sleeps.count(30) == 20  # 300 s each, 30 s apart


def test_x_refusing_is_a_failed_day_not_a_crash(fake, stored, sessions, compliance_source, clock, sleeps):
    fake.inject("/2/compliance/jobs", status=403, times=2)
    report = run(sessions, compliance_source, clock, sleeps)
    assert report.failed == ["tweets", "users"] and "credentials" in report.status["tweets"]
    assert len(counts(sessions)["posts"]) == 8


def test_scrub_geo_deletes_nothing(fake, stored, sessions, compliance_source, clock, sleeps):
    fake.compliance.extra.append(
        {"id": "5000", "action": "scrub_geo", "created_at": "x", "reason": "scrub_geo"}
    )
    report = run(sessions, compliance_source, clock, sleeps)
    assert report.posts_deleted == 0 and len(counts(sessions)["posts"]) == 8
