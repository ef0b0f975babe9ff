"""Faults from the fake X server: rate limits, server errors, dropped connections, auth, credits."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.services.ingest.usage import month_usage
from bot.storage.db import transaction
from bot.storage.tables import Post, XAccount
from tests.ingest.conftest import START, seed_posts

USAGE_CAP = {
    "title": "UsageCapExceeded",
    "detail": "Usage cap exceeded: Monthly product cap",
    "type": "https://api.twitter.com/2/problems/usage-capped",
    "period": "Monthly",
    "scope": "Product",
}


def stored(sessions) -> list[int]:
    with transaction(sessions) as session:
        return list(session.scalars(select(Post.x_id).order_by(Post.x_id)))


def two_people(fake, ingest) -> list[int]:
    fake.add_user(1, "ann")
    fake.add_user(2, "bob")
    ids = seed_posts(fake, 1, 5, newest=START - timedelta(hours=1), every=timedelta(hours=1), first_id=100)
    ids += seed_posts(fake, 2, 5, newest=START - timedelta(hours=1), every=timedelta(hours=1), first_id=200)
    ingest.track("ann")
    ingest.track("bob")
    return ids


def test_429_waits_until_the_reset_then_loses_nothing(fake, ingest, sessions, sleeps, clock):
    ids = two_people(fake, ingest)
    reset = int(clock().timestamp()) + 42
    fake.inject("/2/users/1/tweets", 429, headers={"x-rate-limit-reset": str(reset)})
    report = ingest.cycle()
    assert report.stopped is None and stored(sessions) == ids
    assert sleeps == [42.0]


def test_429_without_reset_header_backs_off_boundedly(fake, ingest, sessions, sleeps):
    ids = two_people(fake, ingest)
    fake.inject("/2/users/2/tweets", 429, times=3)
    assert ingest.cycle().stopped is None and stored(sessions) == ids
    assert sleeps == [1.0, 2.0, 4.0]


def test_a_far_reset_stops_the_cycle_instead_of_sleeping(fake, ingest, sessions, sleeps, clock):
    two_people(fake, ingest)
    fake.inject(
        "/2/users/1/tweets", 429, headers={"x-rate-limit-reset": str(int(clock().timestamp()) + 3600)}
    )
    report = ingest.cycle()
    assert "rate limit" in report.stopped and sleeps == [] and stored(sessions) == []
    clock.advance(hours=1, minutes=1)
    assert ingest.cycle().stopped is None and len(stored(sessions)) == 10


def test_server_errors_and_dropped_connections_are_retried(fake, ingest, sessions, sleeps):
    ids = two_people(fake, ingest)
    fake.inject("/2/users/by", 503, times=2)
    fake.close_connection("/2/users/1/tweets", times=1)
    fake.inject("/2/users/2/tweets", 500, times=1)
    report = ingest.cycle()
    assert report.stopped is None and report.failed_accounts == {}
    assert stored(sessions) == ids and sleeps == [1.0, 2.0, 1.0, 1.0]


def test_one_failing_account_never_stops_the_others(fake, ingest, sessions):
    two_people(fake, ingest)
    fake.inject("/2/users/1/tweets", 500, times=10)
    report = ingest.cycle()
    assert stored(sessions) == [200, 201, 202, 203, 204]
    assert list(report.failed_accounts.values()) == [
        "X API unavailable after 5 tries: HTTP 500 Internal Server Error"
    ]
    with transaction(sessions) as session:
        errors = {a.handle: a.last_error for a in session.scalars(select(XAccount))}
    assert errors["ann"].startswith("X API unavailable") and errors["bob"] is None


def test_bad_credentials_stop_with_one_operator_message(fake, ingest, sessions):
    two_people(fake, ingest)
    fake.inject("/2/users/by", 401)
    report = ingest.cycle()
    assert "X_BEARER_TOKEN" in report.stopped and stored(sessions) == []


def test_402_stops_polling_until_credits_are_reset(fake, ingest, sessions, clock):
    two_people(fake, ingest)
    fake.inject("/2/users/1/tweets", 402, body={"title": "Payment Required", "detail": "Credits depleted"})
    report = ingest.cycle()
    assert report.stopped.startswith("out of X credits/usage cap")
    calls = len(fake.requests)
    clock.advance(hours=2)
    blocked = ingest.cycle()
    assert "out of X credits/usage cap" in blocked.stopped and len(fake.requests) == calls


def test_usage_cap_429_is_not_retried(fake, ingest, sleeps):
    two_people(fake, ingest)
    fake.inject("/2/users/by", 429, body=USAGE_CAP)
    report = ingest.cycle()
    assert "usage cap" in report.stopped and sleeps == []


def test_the_budget_stops_polling_before_more_is_spent(fake, ingest, sessions, clock):
    two_people(fake, ingest)
    # Resolving both costs 2 user reads ($0.02) and ann's 5 posts $0.025: over a $0.04 budget.
    report = ingest.cycle(budget_usd=0.04)
    assert report.stopped.startswith("X budget of $0.04 reached") and stored(sessions) == [
        100,
        101,
        102,
        103,
        104,
    ]
    with transaction(sessions) as session:
        usage = month_usage(session=session, now=clock(), budget_usd=0.04)
    assert (usage.post_reads, usage.user_reads, usage.spend_usd, usage.over_budget) == (5, 2, 0.045, True)
    calls = len(fake.requests)
    clock.advance(hours=1)
    assert ingest.cycle(budget_usd=0.04).stopped.startswith("X budget") and len(fake.requests) == calls
