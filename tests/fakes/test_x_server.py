"""The fake X server, exercised through the real tweepy client (`make_client`) and `XSource`."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
import requests
import tweepy

from bot.sources.records import PostKind
from bot.sources.x_api import (
    XAuthError,
    XCreditsExhausted,
    XRateLimited,
    XSource,
    XUnavailable,
    make_client,
)
from tests.fakes.x_server import USAGE_CAP_BODY, FakeX

BEARER = "test-bearer-SECRET-4f9c2a"
T0 = datetime(2026, 11, 9, 10, 0, tzinfo=UTC)


@pytest.fixture
def fake() -> Iterator[FakeX]:
    with FakeX(bearer=BEARER) as server:
        yield server


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def source(fake: FakeX, sleeps: list[float]) -> XSource:
    return XSource(make_client(BEARER, fake.url), sleep=sleeps.append)


def seed(
    fake: FakeX, user_id: int, count: int, *, first_id: int = 1000, every=timedelta(hours=1)
) -> list[int]:
    """`count` posts with increasing ids and times, the newest at T0."""
    ids = [first_id + n for n in range(count)]
    for n, post_id in enumerate(ids):
        fake.add_post(user_id, post_id, T0 - every * (count - 1 - n), f"post {post_id}")
    return ids


def raw_get(fake: FakeX, path: str, bearer: str | None = BEARER, **params: str) -> requests.Response:
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    return requests.get(fake.url + path, params=params, headers=headers, timeout=5)


# ---- users ------------------------------------------------------------------------------------------


def test_users_by_handles_reports_missing_and_suspended_in_errors(fake, source):
    fake.add_user(1, "Alice", followers=120, following=7)
    fake.add_user(2, "bob")
    fake.suspend(2)
    seed(fake, 1, 3)
    lookup = source.users_by_handles(["alice", "BOB", "ghost"])
    [alice] = lookup.users
    assert (alice.id, alice.username, alice.followers, alice.following, alice.posts_count) == (
        1,
        "Alice",
        120,
        7,
        3,
    )
    assert lookup.missing == {"BOB": "suspended", "ghost": "not_found"}
    assert fake.requests[-1].path == "/2/users/by"
    assert fake.requests[-1].query["usernames"] == ["alice,BOB,ghost"]


def test_users_by_ids_reports_deleted_and_suspended(fake, source):
    for uid, name in ((1, "one"), (2, "two"), (3, "three")):
        fake.add_user(uid, name, protected=uid == 1)
    fake.delete_user(2)
    fake.suspend(3)
    lookup = source.users_by_ids([1, 2, 3, 4])
    assert [(u.id, u.protected) for u in lookup.users] == [(1, True)]
    assert lookup.missing == {"2": "not_found", "3": "suspended", "4": "not_found"}


def test_user_lookup_errors_have_x_shape_and_no_data_key(fake):
    fake.add_user(3, "gone")
    fake.suspend(3)
    body = make_client(BEARER, fake.url).get_users(usernames=["nobody", "gone"])
    assert "data" not in body
    assert body["errors"] == [
        {
            "value": "nobody",
            "detail": "Could not find user with usernames: [nobody].",
            "title": "Not Found Error",
            "resource_type": "user",
            "parameter": "usernames",
            "resource_id": "nobody",
            "type": "https://api.twitter.com/2/problems/resource-not-found",
        },
        {
            "value": "gone",
            "detail": "User has been suspended: [gone].",
            "title": "Forbidden",
            "resource_type": "user",
            "parameter": "usernames",
            "resource_id": "gone",
            "type": "https://api.twitter.com/2/problems/resource-not-found",
        },
    ]
    by_id = make_client(BEARER, fake.url).get_users(ids=[77])
    assert by_id["errors"][0]["detail"] == "Could not find user with ids: [77]."
    assert by_id["errors"][0]["parameter"] == "ids"


def test_user_fields_only_when_requested(fake):
    fake.add_user(1, "alice", followers=3)
    client = make_client(BEARER, fake.url)
    assert client.get_users(ids=[1])["data"] == [{"id": "1", "name": "alice", "username": "alice"}]
    [full] = client.get_users(ids=[1], user_fields=["public_metrics", "protected"])["data"]
    assert full["protected"] is False
    assert full["public_metrics"] == {
        "followers_count": 3,
        "following_count": 0,
        "tweet_count": 0,
        "listed_count": 0,
    }


def test_rename_moves_the_handle(fake, source):
    fake.add_user(1, "old_name")
    fake.rename(1, "new_name")
    lookup = source.users_by_handles(["old_name", "new_name"])
    assert [u.username for u in lookup.users] == ["new_name"]
    assert lookup.missing == {"old_name": "not_found"}


# ---- timelines --------------------------------------------------------------------------------------


def test_timeline_is_newest_first_and_honours_since_id(fake, source):
    fake.add_user(1, "alice")
    ids = seed(fake, 1, 8)
    page = source.timeline_page(1, since_id=ids[4], start_time=None, token=None)
    assert [p.x_id for p in page.posts] == ids[:4:-1]
    assert (page.newest_id, page.next_token, page.problem) == (ids[-1], None, None)
    assert fake.requests[-1].query["since_id"] == [str(ids[4])]


def test_timeline_start_time_is_sent_as_x_expects_and_filters(fake, source):
    fake.add_user(1, "alice")
    ids = seed(fake, 1, 10)  # hourly, newest at T0
    page = source.timeline_page(1, since_id=None, start_time=T0 - timedelta(hours=3), token=None)
    assert [p.x_id for p in page.posts] == ids[:5:-1]  # start_time is inclusive
    query = fake.requests[-1].query
    assert query["start_time"] == ["2026-11-09T07:00:00Z"]
    assert query["max_results"] == ["100"]
    assert "since_id" not in query


def test_timeline_until_id_end_time_and_exclude(fake):
    fake.add_user(1, "alice")
    for n, kind in enumerate(["original", "reply", "retweet", "quote", "original", "reply"]):
        fake.add_post(1, 10 + n, T0 + timedelta(minutes=n), kind=kind)
    client = make_client(BEARER, fake.url)

    def ids(**params) -> list[str]:
        return [p["id"] for p in client.get_users_tweets(1, **params).get("data", [])]

    assert ids(until_id=13) == ["12", "11", "10"]
    assert ids(end_time=T0 + timedelta(minutes=2)) == ["12", "11", "10"]  # end_time is inclusive
    assert ids(start_time=T0 + timedelta(minutes=4)) == ["15", "14"]
    assert ids(exclude=["retweets", "replies"]) == ["14", "13", "10"]


def test_post_objects_have_x_shape(fake, source):
    fake.add_user(1, "alice")
    fake.add_user(2, "carol")
    fake.add_post(1, 10, T0, "hi", likes=5, reposts=2, replies=1, quotes=3, lang="fr")
    fake.add_post(1, 11, T0, "yes", kind="reply", ref_id=9, ref_user_id=2)
    fake.add_post(1, 12, T0, "look", kind="retweet", ref_id=8, ref_user_id=2, likes=40)
    fake.add_post(1, 13, T0, "this", kind="quote", ref_id=7)
    client = make_client(BEARER, fake.url)
    minimal = client.get_users_tweets(1)["data"]
    assert minimal[-1] == {"id": "10", "text": "hi", "edit_history_tweet_ids": ["10"]}
    fields = ["created_at", "public_metrics", "referenced_tweets", "in_reply_to_user_id", "lang", "author_id"]
    full = {p["id"]: p for p in client.get_users_tweets(1, tweet_fields=fields)["data"]}
    assert full["10"] == {
        "id": "10",
        "text": "hi",
        "edit_history_tweet_ids": ["10"],
        "created_at": "2026-11-09T10:00:00.000Z",
        "author_id": "1",
        "lang": "fr",
        "public_metrics": {
            "retweet_count": 2,
            "reply_count": 1,
            "like_count": 5,
            "quote_count": 3,
            "bookmark_count": 0,
            "impression_count": 0,
        },
    }
    assert full["11"]["referenced_tweets"] == [{"type": "replied_to", "id": "9"}]
    assert full["11"]["in_reply_to_user_id"] == "2"
    assert full["12"]["text"] == "RT @carol: look"
    assert full["12"]["referenced_tweets"] == [{"type": "retweeted", "id": "8"}]
    assert full["13"]["referenced_tweets"][0]["type"] == "quoted"
    kinds = {p.x_id: p for p in source.timeline_page(1, since_id=None, start_time=None, token=None).posts}
    assert [kinds[i].kind for i in (10, 11, 12, 13)] == [
        PostKind.ORIGINAL,
        PostKind.REPLY,
        PostKind.RETWEET,
        PostKind.QUOTE,
    ]
    assert (kinds[10].likes, kinds[10].lang, kinds[11].in_reply_to_id, kinds[12].likes) == (5, "fr", 9, 0)


def test_paging_250_posts_reads_each_once_in_three_pages(fake, source):
    fake.add_user(7, "pager")
    ids = seed(fake, 7, 250, first_id=50_000, every=timedelta(minutes=30))
    seen: list[int] = []
    token, pages = None, 0
    while True:
        page = source.timeline_page(7, since_id=None, start_time=T0 - timedelta(days=30), token=token)
        seen += [p.x_id for p in page.posts]
        pages += 1
        token = page.next_token
        if token is None:
            break
    assert pages == 3
    assert seen == sorted(ids, reverse=True)
    calls = [r for r in fake.requests if r.path == "/2/users/7/tweets"]
    assert [len(r.query.get("pagination_token", [])) for r in calls] == [0, 1, 1]
    assert fake.billed_post_reads() == fake.post_objects_served() == 250


def test_timeline_meta_and_invalid_pagination_token(fake):
    fake.add_user(1, "alice")
    seed(fake, 1, 7, first_id=100)
    client = make_client(BEARER, fake.url)
    body = client.get_users_tweets(1, max_results=5)
    assert body["meta"]["result_count"] == 5
    assert (body["meta"]["newest_id"], body["meta"]["oldest_id"]) == ("106", "102")
    rest = client.get_users_tweets(1, max_results=5, pagination_token=body["meta"]["next_token"])
    assert rest["meta"] == {"result_count": 2, "newest_id": "101", "oldest_id": "100"}
    with pytest.raises(tweepy.BadRequest):
        client.get_users_tweets(1, pagination_token="not-a-token")


def test_empty_timeline_is_free(fake, source):
    fake.add_user(3, "quiet")
    ids = seed(fake, 3, 5)
    page = source.timeline_page(3, since_id=ids[-1], start_time=None, token=None)
    assert (page.posts, page.newest_id, page.next_token, page.problem) == ([], None, None, None)
    assert make_client(BEARER, fake.url).get_users_tweets(3, since_id=ids[-1]) == {
        "meta": {"result_count": 0}
    }
    assert fake.billed_post_reads() == 0


def test_timeline_problems_for_protected_suspended_and_deleted_accounts(fake, source):
    for uid in (1, 2, 3):
        fake.add_user(uid, f"user{uid}")
        seed(fake, uid, 2, first_id=uid * 100)
    fake.protect(1)
    fake.suspend(2)
    fake.delete_user(3)
    problems = [
        source.timeline_page(u, since_id=None, start_time=None, token=None).problem for u in (1, 2, 3, 4)
    ]
    assert problems == ["protected", "suspended", "not_found", "not_found"]
    body = make_client(BEARER, fake.url).get_users_tweets(1)
    assert body == {
        "errors": [
            {
                "value": "1",
                "detail": "Sorry, you are not authorized to see the user with id: [1].",
                "title": "Authorization Error",
                "resource_type": "user",
                "parameter": "id",
                "resource_id": "1",
                "type": "https://api.twitter.com/2/problems/not-authorized-for-resource",
            }
        ]
    }
    assert fake.billed_post_reads() == 0
    fake.restore(1)
    assert len(source.timeline_page(1, since_id=None, start_time=None, token=None).posts) == 2


def test_edited_post_shows_latest_version_only(fake, source):
    fake.add_user(9, "editor")
    fake.add_post(9, 900, T0, "typo")
    fake.add_post(9, 901, T0, "fixed", edit_history=[900, 901])
    page = source.timeline_page(9, since_id=None, start_time=None, token=None)
    assert [p.x_id for p in page.posts] == [901]
    assert page.superseded == [900]
    old = make_client(BEARER, fake.url).get_tweets([900])["data"][0]
    assert (old["text"], old["edit_history_tweet_ids"]) == ("typo", ["900", "901"])


def test_timeline_serves_only_the_most_recent_3200(fake):
    fake.add_user(1, "busy")
    ids = seed(fake, 1, 3205, every=timedelta(minutes=1))
    body = make_client(BEARER, fake.url).get_users_tweets(1, until_id=ids[-3200] + 1, max_results=100)
    assert body["meta"] == {"result_count": 1, "newest_id": str(ids[-3200]), "oldest_id": str(ids[-3200])}


# ---- post lookup and billing ------------------------------------------------------------------------


def test_posts_by_ids_reports_deleted_and_unauthorized_as_missing(fake, source):
    fake.add_user(1, "alice")
    fake.add_user(2, "private")
    ids = seed(fake, 1, 3)
    fake.add_post(2, 5000, T0, "secret")
    fake.protect(2)
    fake.delete_post(ids[1])
    fake.set_metrics(ids[0], likes=42, reposts=4)
    lookup = source.posts_by_ids([ids[0], ids[1], 5000, 777])
    assert [(p.x_id, p.likes, p.reposts) for p in lookup.posts] == [(ids[0], 42, 4)]
    assert lookup.missing == [ids[1], 5000, 777]
    errors = make_client(BEARER, fake.url).get_tweets([ids[1], 5000])["errors"]
    assert errors[0] == {
        "value": str(ids[1]),
        "detail": f"Could not find tweet with ids: [{ids[1]}].",
        "title": "Not Found Error",
        "resource_type": "tweet",
        "parameter": "ids",
        "resource_id": str(ids[1]),
        "type": "https://api.twitter.com/2/problems/resource-not-found",
    }
    assert errors[1]["title"] == "Authorization Error"
    assert errors[1]["type"] == "https://api.twitter.com/2/problems/not-authorized-for-resource"


def test_billing_counts_each_object_once_per_utc_day(sleeps):
    day = [date(2026, 11, 9)]
    with FakeX(bearer=BEARER, today=lambda: day[0]) as fake:
        source = XSource(make_client(BEARER, fake.url), sleep=sleeps.append)
        fake.add_user(1, "alice")
        ids = seed(fake, 1, 4)
        source.timeline_page(1, since_id=None, start_time=None, token=None)
        source.posts_by_ids(ids[:2])
        source.users_by_ids([1])
        source.users_by_handles(["alice"])
        assert (fake.billed_post_reads(), fake.billed_user_reads(), fake.post_objects_served()) == (4, 1, 6)
        day[0] = date(2026, 11, 10)
        source.posts_by_ids(ids[:2])
        source.users_by_ids([1])
        assert (fake.billed_post_reads(), fake.billed_user_reads(), fake.post_objects_served()) == (6, 2, 8)
        source.posts_by_ids([999])  # nothing in data: free
        assert fake.billed_post_reads() == 6


# ---- protocol details -------------------------------------------------------------------------------


def test_missing_or_wrong_bearer_is_401_problem_json(fake):
    for bearer in (None, "wrong"):
        response = raw_get(fake, "/2/users", bearer=bearer, ids="1")
        assert response.status_code == 401
        assert response.json() == {
            "title": "Unauthorized",
            "type": "about:blank",
            "status": 401,
            "detail": "Unauthorized",
        }
        assert response.headers["content-type"] == "application/json"
    assert [r.authorization for r in fake.requests] == [None, "Bearer wrong"]
    assert [r.status for r in fake.requests] == [401, 401]


def test_rate_limit_headers_count_per_endpoint(fake):
    fake.add_user(1, "alice")
    first = raw_get(fake, "/2/users", ids="1")
    second = raw_get(fake, "/2/users", ids="1")
    other = raw_get(fake, "/2/users/1/tweets")
    remaining = [int(r.headers["x-rate-limit-remaining"]) for r in (first, second)]
    assert remaining[0] - remaining[1] == 1
    assert int(other.headers["x-rate-limit-remaining"]) == int(other.headers["x-rate-limit-limit"]) - 1
    reset = int(first.headers["x-rate-limit-reset"])
    assert time.time() < reset <= time.time() + 900


def test_bad_parameters_are_400_invalid_request(fake):
    fake.add_user(1, "alice")
    for path, params in [
        ("/2/users/1/tweets", {"max_results": "4"}),
        ("/2/users/1/tweets", {"max_results": "101"}),
        ("/2/users/1/tweets", {"tweet_fields": "lang"}),  # unknown parameter name
        ("/2/users/1/tweets", {"tweet.fields": "post_count"}),  # unknown field
        ("/2/users/1/tweets", {"start_time": "yesterday"}),
        ("/2/users/by", {"usernames": "not-a-handle"}),
        ("/2/tweets", {"ids": ",".join(str(i) for i in range(1, 102))}),
        ("/2/tweets", {"ids": "abc"}),
    ]:
        response = raw_get(fake, path, **params)
        assert response.status_code == 400, (path, params)
        body = response.json()
        assert body["type"] == "https://api.twitter.com/2/problems/invalid-request"
        assert body["errors"][0]["message"]
    assert "between 5 and 100" in raw_get(fake, "/2/users/1/tweets", max_results="101").text


def test_injected_faults_are_fifo_and_recorded(fake):
    fake.add_user(1, "alice")
    fake.inject("/2/users", 503, times=2)
    fake.close_connection("/2/users")
    fake.inject("/2/users", 402, headers={"x-custom": "1"})
    assert raw_get(fake, "/2/tweets", ids="1").status_code == 200  # other paths are untouched
    first, second = raw_get(fake, "/2/users", ids="1"), raw_get(fake, "/2/users/by", usernames="alice")
    assert (first.status_code, second.status_code) == (503, 503)
    assert first.json() == {
        "title": "Service Unavailable",
        "detail": "Service Unavailable",
        "type": "about:blank",
        "status": 503,
    }
    with pytest.raises(requests.ConnectionError):
        raw_get(fake, "/2/users", ids="1")
    paid = raw_get(fake, "/2/users", ids="1")
    assert (paid.status_code, paid.json()["title"], paid.headers["x-custom"]) == (
        402,
        "Payment Required",
        "1",
    )
    assert raw_get(fake, "/2/users", ids="1").status_code == 200
    assert [r.status for r in fake.requests] == [200, 503, 503, 0, 402, 200]
    assert fake.requests[2].query == {"usernames": ["alice"]}


def test_delay_holds_the_answer_and_stop_drops_it():
    fake = FakeX(bearer=BEARER).start()
    fake.add_user(1, "alice")
    fake.set_delay("/2/users", 0.3)
    started = time.monotonic()
    assert raw_get(fake, "/2/users", ids="1").status_code == 200
    assert time.monotonic() - started >= 0.3
    fake.set_delay("/2/users", 30)
    outcome: list[object] = []

    def call() -> None:
        try:
            outcome.append(raw_get(fake, "/2/users", ids="1").status_code)
        except requests.ConnectionError as exc:
            outcome.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    deadline = time.monotonic() + 5
    while len(fake.requests) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert fake.requests[-1].status == 0  # received, not answered yet
    started = time.monotonic()
    fake.stop()
    caller.join(timeout=5)
    assert time.monotonic() - started < 5
    assert len(outcome) == 1 and isinstance(outcome[0], requests.ConnectionError)
    with pytest.raises(RuntimeError):
        _ = fake.url


# ---- XSource retries and error translation ----------------------------------------------------------


def test_429_with_reset_waits_until_reset_then_succeeds(fake, source, sleeps):
    fake.add_user(1, "alice")
    reset = int(time.time()) + 30
    fake.inject("/2/users", 429, headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)})
    assert [u.id for u in source.users_by_ids([1]).users] == [1]
    [waited] = sleeps
    assert reset - time.time() - 2 <= waited <= reset - time.time() + 1
    assert waited <= source.max_wait
    assert [r.status for r in fake.requests] == [429, 200]


def test_429_with_a_distant_reset_stops_the_cycle(fake, source, sleeps):
    fake.inject("/2/users", 429, headers={"x-rate-limit-reset": str(int(time.time()) + 3600)})
    with pytest.raises(XRateLimited):
        source.users_by_ids([1])
    assert sleeps == [] and len(fake.requests) == 1


def test_429_wait_respects_max_wait_seconds(fake, sleeps):
    fake.add_user(1, "alice")
    source = XSource(make_client(BEARER, fake.url), sleep=sleeps.append, max_wait_seconds=10)
    fake.inject("/2/users", 429, headers={"x-rate-limit-reset": str(int(time.time()) + 60)})
    with pytest.raises(XRateLimited):
        source.users_by_ids([1])
    assert sleeps == []


def test_429_reset_is_measured_against_the_sources_clock(fake, sleeps):
    """With a simulated clock, a reset header computed from that clock is waited for exactly."""
    fake.add_user(1, "alice")
    behind = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    source = XSource(make_client(BEARER, fake.url), sleep=sleeps.append, clock=lambda: behind)
    fake.inject("/2/users", 429, headers={"x-rate-limit-reset": str(int(behind.timestamp()) + 30)})
    assert [u.id for u in source.users_by_ids([1]).users] == [1]
    assert sleeps == [30.0]


def test_429_without_reset_header_backs_off(fake, source, sleeps):
    fake.add_user(1, "alice")
    fake.inject("/2/users/by", 429, times=2)
    assert [u.id for u in source.users_by_handles(["alice"]).users] == [1]
    assert sleeps == [1.0, 2.0]
    assert [r.status for r in fake.requests] == [429, 429, 200]
    fake.inject("/2/users/by", 429)
    assert "x-rate-limit-reset" not in raw_get(fake, "/2/users/by", usernames="alice").headers


def test_500_twice_then_success(fake, source, sleeps):
    fake.add_user(1, "alice")
    seed(fake, 1, 3)
    fake.inject("/2/users/1/tweets", 500, times=2)
    page = source.timeline_page(1, since_id=None, start_time=None, token=None)
    assert len(page.posts) == 3
    assert sleeps == [1.0, 2.0]
    assert [r.status for r in fake.requests] == [500, 500, 200]


def test_5xx_that_outlasts_the_retries_is_unavailable(fake, source, sleeps):
    fake.inject("/2/tweets", 503, times=10)
    with pytest.raises(XUnavailable, match="503"):
        source.posts_by_ids([1])
    assert len(fake.requests) == source.attempts
    assert sleeps == [1.0, 2.0, 4.0, 8.0]


def test_connection_drop_then_success(fake, source, sleeps):
    fake.add_user(1, "alice")
    fake.add_post(1, 10, T0)
    fake.close_connection("/2/tweets")
    assert [p.x_id for p in source.posts_by_ids([10]).posts] == [10]
    assert sleeps == [1.0]
    assert [r.status for r in fake.requests] == [0, 200]


def test_wrong_bearer_is_an_auth_error(fake, sleeps):
    source = XSource(make_client("not-the-token", fake.url), sleep=sleeps.append)
    with pytest.raises(XAuthError) as raised:
        source.users_by_handles(["alice"])
    assert "not-the-token" not in str(raised.value)
    assert sleeps == [] and len(fake.requests) == 1


def test_injected_401_and_403_are_auth_errors(fake, source):
    fake.inject("/2/users", 401)
    fake.inject("/2/users", 403)
    for _ in range(2):
        with pytest.raises(XAuthError):
            source.users_by_ids([1])


def test_402_is_credits_exhausted(fake, source, sleeps):
    fake.inject("/2/users/1/tweets", 402)
    with pytest.raises(XCreditsExhausted):
        source.timeline_page(1, since_id=None, start_time=None, token=None)
    assert sleeps == [] and len(fake.requests) == 1


def test_usage_cap_429_is_credits_exhausted_without_retry(fake, source, sleeps):
    reset = str(int(time.time()) + 5)
    fake.inject("/2/tweets", 429, body=USAGE_CAP_BODY, headers={"x-rate-limit-reset": reset})
    with pytest.raises(XCreditsExhausted):
        source.posts_by_ids([1])
    assert sleeps == [] and len(fake.requests) == 1


# ---- secrets in logs --------------------------------------------------------------------------------


def _exercise(fake: FakeX, source: XSource) -> None:
    """A few successful and failing requests."""
    fake.add_user(1, "alice")
    seed(fake, 1, 2)
    fake.inject("/2/users/by", 500)
    source.users_by_handles(["alice"])
    source.timeline_page(1, since_id=None, start_time=None, token=None)
    fake.inject("/2/tweets", 401)
    with pytest.raises(XAuthError):
        source.posts_by_ids([1000])


def _leaks(records: list[logging.LogRecord]) -> list[str]:
    return [r.getMessage() for r in records if BEARER in r.getMessage() or BEARER in str(r.args)]


def test_bearer_not_logged_at_debug_with_default_logger_levels(fake, source, caplog):
    caplog.set_level(logging.DEBUG)  # root at DEBUG; tweepy keeps the level x_api gave it
    _exercise(fake, source)
    assert _leaks(caplog.records) == []


def test_bearer_not_logged_with_tweepy_logger_at_debug(fake, source, caplog):
    caplog.set_level(logging.DEBUG, logger="tweepy")
    _exercise(fake, source)
    assert _leaks(caplog.records) == []
