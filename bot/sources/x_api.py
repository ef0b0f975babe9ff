"""The X API v2 source, on tweepy.Client (app-only bearer token).

tweepy hard-codes https://api.twitter.com; `X_API_URL` points the real client elsewhere by mounting a
transport adapter on its `requests` session that rewrites the host. Retries use tenacity: 429 waits
for `x-rate-limit-reset` (bounded), 5xx and connection errors back off exponentially (capped). We
never use tweepy's `wait_on_rate_limit`: it retries forever and hot-loops without a reset header.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests
import tweepy
from requests.adapters import HTTPAdapter
from tenacity import Retrying, retry_if_exception, stop_after_attempt

from bot.errors import PlumeError
from bot.logs import RedactTokens
from bot.sources.records import PostKind, PostRecord

REAL_HOST = "https://api.twitter.com"
POST_FIELDS = [
    "created_at",
    "public_metrics",
    "referenced_tweets",
    "in_reply_to_user_id",
    "lang",
    "entities",
    "edit_history_tweet_ids",
    "author_id",
]
USER_FIELDS = ["public_metrics", "protected", "created_at"]
BATCH = 100
PAGE_SIZE = 100
log = logging.getLogger(__name__)
# tweepy logs request headers, bearer token included, at DEBUG on "tweepy.client": scrub every record
# there whatever level or handler an operator configures.
logging.getLogger("tweepy.client").addFilter(RedactTokens())


class XAuthError(PlumeError):
    """401/403 for the app itself: the operator must fix the token or the app's access."""


class XCreditsExhausted(PlumeError):
    """402, or a usage-cap 429: polling stops until credits are added or the month turns."""


class XRateLimited(PlumeError):
    """A 429 whose reset is further away than we are willing to wait; the cycle stops here."""


class XUnavailable(PlumeError):
    """5xx or connection errors that outlasted the retries."""


class _HostAdapter(HTTPAdapter):
    """Sends requests meant for api.twitter.com to another base URL (staging, fake servers)."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        if request.url and request.url.startswith(REAL_HOST):
            request.url = self.base_url + request.url[len(REAL_HOST) :]
        return super().send(request, **kwargs)


def make_client(bearer_token: str, api_url: str = REAL_HOST) -> tweepy.Client:
    """A tweepy client returning raw JSON dicts, pointed at `api_url`."""
    client = tweepy.Client(bearer_token=bearer_token, return_type=dict, wait_on_rate_limit=False)
    if api_url.rstrip("/") != REAL_HOST:
        client.session.mount(REAL_HOST, _HostAdapter(api_url))
    return client


@dataclass(frozen=True, slots=True)
class XUser:
    """An X account as user lookup returns it."""

    id: int
    username: str
    followers: int
    following: int
    posts_count: int
    protected: bool


@dataclass(frozen=True, slots=True)
class UserLookup:
    """Found users, and the asked values X reported missing with why (`not_found`, `suspended`)."""

    users: list[XUser]
    missing: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TimelinePage:
    """One page of a user's timeline, newest first."""

    posts: list[PostRecord]
    superseded: list[int]
    newest_id: int | None
    next_token: str | None
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class PostLookup:
    """Posts found by id, and the ids X no longer serves (deleted, protected, suspended)."""

    posts: list[PostRecord]
    missing: list[int]


Sleep = Callable[[float], None]
Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class XSource:
    """Typed, retried reads from the X API v2. Every method is one billable kind of read."""

    def __init__(
        self,
        client: tweepy.Client,
        *,
        clock: Clock = _utc_now,
        sleep: Sleep = time.sleep,
        max_wait_seconds: float = 900,
        attempts: int = 5,
        backoff_cap_seconds: float = 60,
    ) -> None:
        self.client, self.clock, self.sleep = client, clock, sleep
        self.max_wait, self.attempts, self.backoff_cap = max_wait_seconds, attempts, backoff_cap_seconds

    def users_by_handles(self, handles: Sequence[str]) -> UserLookup:
        """Resolve up to 100 handles (GET /2/users/by)."""
        body = self._call(self.client.get_users, usernames=list(handles)[:BATCH], user_fields=USER_FIELDS)
        return UserLookup([_user(u) for u in body.get("data") or []], _missing(body))

    def users_by_ids(self, ids: Sequence[int]) -> UserLookup:
        """Look up to 100 accounts by id (GET /2/users)."""
        body = self._call(self.client.get_users, ids=[str(i) for i in ids][:BATCH], user_fields=USER_FIELDS)
        return UserLookup([_user(u) for u in body.get("data") or []], _missing(body))

    def timeline_page(
        self, user_id: int, *, since_id: int | None, start_time: datetime | None, token: str | None
    ) -> TimelinePage:
        """One page of posts newer than `since_id` and not before `start_time` (either may be None)."""
        body = self._call(
            self.client.get_users_tweets,
            id=user_id,
            since_id=since_id,
            start_time=start_time,
            pagination_token=token,
            max_results=PAGE_SIZE,
            tweet_fields=POST_FIELDS,
        )
        read_at = self.clock()
        posts = [parse_post(p, read_at) for p in body.get("data") or []]
        meta = body.get("meta") or {}
        newest = meta.get("newest_id")
        return TimelinePage(
            posts=posts,
            superseded=[i for p in body.get("data") or [] for i in _older_versions(p)],
            newest_id=int(newest) if newest else None,
            next_token=meta.get("next_token"),
            problem=_problem(body) if not posts else None,
        )

    def posts_by_ids(self, ids: Sequence[int]) -> PostLookup:
        """Re-read up to 100 posts by id (GET /2/tweets); ids reported missing are gone from X."""
        body = self._call(self.client.get_tweets, ids=[str(i) for i in ids][:BATCH], tweet_fields=POST_FIELDS)
        read_at = self.clock()
        posts = [parse_post(p, read_at) for p in body.get("data") or []]
        found = {p.x_id for p in posts}
        return PostLookup(posts, [i for i in ids[:BATCH] if i not in found])

    def _call(self, method: Callable[..., Any], **params: Any) -> dict[str, Any]:
        """Call tweepy with bounded, logged retries; translate fatal statuses into operator errors."""
        retrying = Retrying(
            stop=stop_after_attempt(self.attempts),
            retry=retry_if_exception(self._transient),
            wait=self._wait,
            sleep=self.sleep,
            reraise=True,
        )
        try:
            return retrying(method, **params) or {}
        except tweepy.TooManyRequests as exc:
            raise _rate_error(exc) from None
        except (tweepy.TwitterServerError, requests.RequestException) as exc:
            raise XUnavailable(f"X API unavailable after {self.attempts} tries: {_describe(exc)}") from None
        except (tweepy.Unauthorized, tweepy.Forbidden) as exc:
            raise XAuthError(
                f"X refused the app's credentials ({exc.response.status_code}): check X_BEARER_TOKEN and "
                "that the app has access to the v2 endpoints it reads."
            ) from None
        except tweepy.HTTPException as exc:
            if exc.response.status_code == 402:
                raise XCreditsExhausted("out of X credits/usage cap (HTTP 402): polling stopped.") from None
            raise XUnavailable(f"X API error: {_describe(exc)}") from None

    def _transient(self, exc: BaseException) -> bool:
        """Worth another try: 5xx, connection trouble, or a 429 that is no usage cap and resets soon."""
        if isinstance(exc, tweepy.TooManyRequests):
            too_far = exc.reset_time is not None and exc.reset_time - self.clock().timestamp() > self.max_wait
            return not _usage_capped(exc) and not too_far
        return isinstance(exc, tweepy.TwitterServerError | requests.ConnectionError | requests.Timeout)

    def _wait(self, state: Any) -> float:
        """Seconds before the next try: the rate-limit reset when given, else capped exponential."""
        exc = state.outcome.exception()
        if isinstance(exc, tweepy.TooManyRequests) and exc.reset_time is not None:
            return max(1.0, exc.reset_time - self.clock().timestamp())
        return float(min(self.backoff_cap, 2 ** (state.attempt_number - 1)))


def _usage_capped(exc: tweepy.TooManyRequests) -> bool:
    """X answers 429 with a UsageCapExceeded problem when the monthly cap is hit."""
    text = exc.response.text if exc.response is not None else ""
    return "UsageCapExceeded" in text or "usage-capped" in text


def _rate_error(exc: tweepy.TooManyRequests) -> PlumeError:
    """The error a 429 ends as once retries stop."""
    if _usage_capped(exc):
        return XCreditsExhausted("out of X credits/usage cap (monthly usage cap reached): polling stopped.")
    return XRateLimited("X rate limit reached; resuming at the next cycle.")


def _describe(exc: BaseException) -> str:
    """Status and reason, never headers (they carry the bearer token)."""
    response = getattr(exc, "response", None)
    if response is not None and getattr(response, "status_code", None):
        return f"HTTP {response.status_code} {response.reason}"
    return type(exc).__name__


def _user(raw: dict[str, Any]) -> XUser:
    """A user object, tolerant of missing metrics."""
    metrics = raw.get("public_metrics") or {}
    return XUser(
        id=int(raw["id"]),
        username=raw["username"],
        followers=int(metrics.get("followers_count", 0)),
        following=int(metrics.get("following_count", 0)),
        posts_count=int(metrics.get("tweet_count", metrics.get("post_count", 0))),
        protected=bool(raw.get("protected", False)),
    )


def _missing(body: dict[str, Any]) -> dict[str, str]:
    """Values X reported in `errors` (HTTP 200), with a short reason."""
    missing: dict[str, str] = {}
    for error in body.get("errors") or []:
        value = str(error.get("value") or error.get("resource_id") or "")
        detail = f"{error.get('title', '')} {error.get('detail', '')}".lower()
        missing[value] = "suspended" if "suspend" in detail else "not_found"
    return missing


def _problem(body: dict[str, Any]) -> str | None:
    """Why a timeline came back empty with errors: `protected`, `suspended` or `not_found`."""
    for error in body.get("errors") or []:
        detail = f"{error.get('title', '')} {error.get('detail', '')} {error.get('type', '')}".lower()
        if "suspend" in detail:
            return "suspended"
        if "authoriz" in detail or "protected" in detail:
            return "protected"
        return "not_found"
    return None


_KINDS = {"retweeted": PostKind.RETWEET, "quoted": PostKind.QUOTE, "replied_to": PostKind.REPLY}


def parse_post(raw: dict[str, Any], read_at: datetime) -> PostRecord:
    """A post object to a record; accepts both `referenced_tweets` and `referenced_posts` spellings."""
    refs = raw.get("referenced_tweets") or raw.get("referenced_posts") or []
    kinds = [_KINDS[r["type"]] for r in refs if r.get("type") in _KINDS]
    kind = next(
        (k for k in (PostKind.RETWEET, PostKind.QUOTE, PostKind.REPLY) if k in kinds), PostKind.ORIGINAL
    )
    metrics = raw.get("public_metrics") or {}
    reply_to = next((int(r["id"]) for r in refs if r.get("type") == "replied_to"), None)
    retweet = kind is PostKind.RETWEET  # a repost's counts belong to the original author
    return PostRecord(
        x_id=int(raw["id"]),
        created_at=datetime.fromisoformat(raw["created_at"].replace("Z", "+00:00")).astimezone(UTC),
        kind=kind,
        text=raw.get("text", ""),
        lang=raw.get("lang"),
        likes=0 if retweet else int(metrics.get("like_count", 0)),
        reposts=0 if retweet else int(metrics.get("retweet_count", metrics.get("repost_count", 0))),
        replies=0 if retweet else int(metrics.get("reply_count", 0)),
        quotes=0 if retweet else int(metrics.get("quote_count", 0)),
        in_reply_to_id=reply_to,
        metrics_read_at=read_at,
    )


def _older_versions(raw: dict[str, Any]) -> list[int]:
    """Ids of earlier versions of an edited post (the list includes the post's own id)."""
    history = raw.get("edit_history_tweet_ids") or raw.get("edit_history_post_ids") or []
    return [int(i) for i in history if str(i) != str(raw["id"])]
