"""A fake X API v2 on loopback that speaks the documented JSON, for tests.

`FakeX` runs a `ThreadingHTTPServer` on 127.0.0.1 (a free port) in a daemon thread and answers the four
read endpoints Plume uses, with X's shapes: `data` / `errors` / `meta` bodies, partial errors with
HTTP 200, problem JSON for failures, `x-rate-limit-*` headers, opaque pagination tokens.

    with FakeX(bearer="b") as fake:
        fake.add_user(1, "alice")
        fake.add_post(1, 100, datetime(2026, 11, 9, 10, tzinfo=UTC), "hello")
        client = make_client("b", fake.url)

State (users, posts), faults (`inject`, `close_connection`, `set_delay`) and observations (`requests`,
billing counters) are all guarded by one lock; the HTTP threads only hold it while building a reply.

Billing follows X's pay-per-use rule: a post (or user) object returned in `data` is billed once per
UTC day, however often it is read that day. Responses without `data` are free.

Deliberate simplifications: rate-limit headers count requests per endpoint in a 15-minute window but
never refuse on their own (inject a 429 for that); `previous_token`, `includes` and `entities` are not
produced; only GET is served.
"""

from __future__ import annotations

import hashlib
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.loopback import LoopbackHandler, LoopbackServer, Served
from tests.fakes.x_compliance import ComplianceJobs
from tests.fakes.x_oauth import XOAuth, oauth_path

Query = dict[str, list[str]]
Body = dict[str, Any] | str

NOT_FOUND_TYPE = "https://api.twitter.com/2/problems/resource-not-found"
NOT_AUTHORIZED_TYPE = "https://api.twitter.com/2/problems/not-authorized-for-resource"
INVALID_REQUEST_TYPE = "https://api.twitter.com/2/problems/invalid-request"
UNAUTHORIZED_BODY = {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
TOO_MANY_REQUESTS_BODY = {
    "title": "Too Many Requests",
    "detail": "Too Many Requests",
    "type": "about:blank",
    "status": 429,
}
USAGE_CAP_BODY = {
    "title": "UsageCapExceeded",
    "detail": "Usage cap exceeded: Monthly product cap",
    "type": "https://api.twitter.com/2/problems/usage-capped",
    "period": "Monthly",
    "scope": "Product",
}
PAYMENT_REQUIRED_BODY = {
    "title": "Payment Required",
    "detail": "Your enrolled account does not have any credits to fulfill this request.",
    "type": "about:blank",
    "status": 402,
}

KINDS = ("original", "reply", "retweet", "quote")
MAX_IDS = 100
TIMELINE_DEPTH = 3200  # X serves only the most recent 3,200 posts of a timeline
RATE_WINDOW_SECONDS = 900
RATE_LIMITS = {"users/by": 300, "users": 300, "timeline": 1500, "tweets": 3500, "other": 300}
ID_PATTERN = re.compile(r"^[0-9]{1,19}$")
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_]{1,15}$")
DEFAULT_REF_OFFSET = 1_000_000_000  # a referenced post's id when add_post is not told one
SOMEONE_ID = 999_999  # the author of referenced posts when add_post is not told one

TWEET_FIELDS = frozenset(
    {
        "article",
        "attachments",
        "author_id",
        "card_uri",
        "community_id",
        "context_annotations",
        "conversation_id",
        "created_at",
        "display_text_range",
        "edit_controls",
        "edit_history_tweet_ids",
        "entities",
        "geo",
        "id",
        "in_reply_to_user_id",
        "lang",
        "media_metadata",
        "non_public_metrics",
        "note_tweet",
        "organic_metrics",
        "possibly_sensitive",
        "promoted_metrics",
        "public_metrics",
        "referenced_tweets",
        "reply_settings",
        "scopes",
        "source",
        "text",
        "withheld",
    }
)
USER_FIELDS = frozenset(
    {
        "affiliation",
        "connection_status",
        "created_at",
        "description",
        "entities",
        "id",
        "location",
        "most_recent_tweet_id",
        "name",
        "pinned_tweet_id",
        "profile_banner_url",
        "profile_image_url",
        "protected",
        "public_metrics",
        "receives_your_dm",
        "subscription_type",
        "url",
        "username",
        "verified",
        "verified_type",
        "withheld",
    }
)
_LOOKUP_PARAMS = ("expansions", "tweet.fields", "user.fields", "media.fields", "place.fields", "poll.fields")
ALLOWED_PARAMS = {
    "users/by": frozenset(("usernames", *_LOOKUP_PARAMS)),
    "users": frozenset(("ids", *_LOOKUP_PARAMS)),
    "tweets": frozenset(("ids", *_LOOKUP_PARAMS)),
    "timeline": frozenset(
        (
            "max_results",
            "since_id",
            "until_id",
            "start_time",
            "end_time",
            "pagination_token",
            "exclude",
            *_LOOKUP_PARAMS,
        )
    ),
}
_METRICS = {
    "reposts": "retweet_count",
    "replies": "reply_count",
    "likes": "like_count",
    "quotes": "quote_count",
    "bookmarks": "bookmark_count",
    "impressions": "impression_count",
}
_REF_TYPES = {"reply": "replied_to", "retweet": "retweeted", "quote": "quoted"}


@dataclass
class RecordedRequest:
    """One request as the server saw it. `status` is 0 while it is being answered or if it was dropped."""

    method: str
    path: str
    query: Query
    status: int
    authorization: str | None


@dataclass
class _User:
    id: int
    username: str
    followers: int
    following: int
    protected: bool
    suspended: bool = False
    deleted: bool = False
    created_at: datetime = datetime(2020, 1, 1, tzinfo=UTC)


@dataclass
class _Post:
    id: int
    author_id: int
    created_at: datetime
    text: str
    kind: str
    lang: str
    metrics: dict[str, int]
    edit_history: list[int]
    ref_id: int | None
    ref_user_id: int | None
    deleted: bool = False
    superseded: bool = False  # an older version of an edited post: gone from timelines

    @property
    def visible_in_timeline(self) -> bool:
        return not (self.deleted or self.superseded)


@dataclass
class _Fault:
    """A queued answer for the next `remaining` requests under `prefix`; status None drops the connection."""

    prefix: str
    remaining: int
    status: int | None
    headers: dict[str, str] = field(default_factory=dict)
    body: Body | None = None


@dataclass
class _Reply:
    status: int
    body: Body | None
    headers: dict[str, str]
    drop: bool = False


class _BadRequest(Exception):
    """A parameter X would reject with HTTP 400 (`invalid-request` problem)."""

    def __init__(self, parameter: str, value: str, message: str) -> None:
        super().__init__(message)
        self.parameter, self.value, self.message = parameter, value, message

    def body(self) -> dict[str, Any]:
        return {
            "errors": [{"parameters": {self.parameter: [self.value]}, "message": self.message}],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": INVALID_REQUEST_TYPE,
        }


def _utc_today() -> date:
    return datetime.now(UTC).date()


class FakeX(Served):
    """A loopback X API v2 server with controllable state, faults, and billing counters."""

    thread_name = "fake-x"

    def __init__(self, *, bearer: str = "test-bearer", today: Callable[[], date] | None = None) -> None:
        self.bearer = bearer
        self.today = today or _utc_today
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._users: dict[int, _User] = {}
        self._posts: dict[int, _Post] = {}
        self._faults: list[_Fault] = []
        self._delays: dict[str, float] = {}
        self._tokens: dict[str, tuple[int, int]] = {}  # token -> (user id, serve ids below this)
        self._windows: dict[str, tuple[float, int]] = {}  # endpoint -> (window start, requests)
        self._billed_posts: set[tuple[date, int]] = set()
        self._billed_users: set[tuple[date, int]] = set()
        self._posts_served = 0
        self._server: LoopbackServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self.compliance = ComplianceJobs(self)  # batch compliance: tests/fakes/x_compliance.py
        self.oauth = XOAuth(self)  # Sign in with X: tests/fakes/x_oauth.py

    # ---- lifecycle -------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL, e.g. `http://127.0.0.1:54321`; valid after `start()`."""
        if self._server is None:
            raise RuntimeError("FakeX is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def _starting(self) -> None:
        self._stopping.clear()

    def _stopping_now(self) -> None:
        self._stopping.set()  # delayed answers end now

    # ---- state -----------------------------------------------------------------------------------

    def add_user(
        self, user_id: int, username: str, *, followers: int = 0, following: int = 0, protected: bool = False
    ) -> None:
        """Create an account. Usernames follow X's rule (1-15 of A-Z, a-z, 0-9, _)."""
        _check_username(username)
        with self._lock:
            if user_id in self._users:
                raise ValueError(f"user {user_id} already exists")
            self._users[user_id] = _User(user_id, username, followers, following, protected)

    def add_post(
        self,
        user_id: int,
        post_id: int,
        created_at: datetime,
        text: str = "post",
        *,
        kind: str = "original",
        likes: int = 0,
        reposts: int = 0,
        replies: int = 0,
        quotes: int = 0,
        lang: str = "en",
        edit_history: list[int] | None = None,
        ref_id: int | None = None,
        ref_user_id: int | None = None,
    ) -> None:
        """Publish a post. Replies, retweets and quotes reference `ref_id` by `ref_user_id` (defaults are
        synthetic). `edit_history` (oldest first) makes this the latest version of an edited post: the
        older versions leave timelines but stay readable by id."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
        if created_at.tzinfo is None:
            raise ValueError("created_at must be timezone-aware")
        history = [int(i) for i in edit_history or []]
        if post_id not in history:
            history.append(post_id)
        with self._lock:
            if user_id not in self._users:
                raise ValueError(f"unknown user {user_id}: add_user first")
            if post_id in self._posts:
                raise ValueError(f"post {post_id} already exists")
            ref_user = ref_user_id if ref_user_id is not None else SOMEONE_ID
            if kind == "retweet":
                text = f"RT @{self._handle_of(ref_user)}: {text}"
            metrics = dict.fromkeys(_METRICS.values(), 0)
            metrics.update(like_count=likes, retweet_count=reposts, reply_count=replies, quote_count=quotes)
            self._posts[post_id] = _Post(
                id=post_id,
                author_id=user_id,
                created_at=created_at.astimezone(UTC),
                text=text,
                kind=kind,
                lang=lang,
                metrics=metrics,
                edit_history=history,
                ref_id=None if kind == "original" else (ref_id or DEFAULT_REF_OFFSET + post_id),
                ref_user_id=None if kind == "original" else ref_user,
            )
            self._supersede(post_id)

    def set_metrics(self, post_id: int, **counts: int) -> None:
        """Change public counts: likes, reposts, replies, quotes, bookmarks, impressions."""
        unknown = set(counts) - set(_METRICS)
        if unknown:
            raise TypeError(f"unknown metrics {sorted(unknown)}; use {sorted(_METRICS)}")
        with self._lock:
            post = self._post(post_id)
            for name, value in counts.items():
                post.metrics[_METRICS[name]] = int(value)

    def delete_post(self, post_id: int) -> None:
        """The post is gone: timelines skip it, lookups report it not found."""
        with self._lock:
            self._post(post_id).deleted = True

    def rename(self, user_id: int, username: str) -> None:
        """Change the handle; the old one stops resolving."""
        _check_username(username)
        with self._lock:
            self._user(user_id).username = username

    def suspend(self, user_id: int) -> None:
        """X suspends the account: lookups and timelines answer with a Forbidden error."""
        with self._lock:
            self._user(user_id).suspended = True

    def protect(self, user_id: int) -> None:
        """The account goes private: still found by lookup, but its posts are not authorized."""
        with self._lock:
            self._user(user_id).protected = True

    def restore(self, user_id: int) -> None:
        """Undo `suspend` and `protect`."""
        with self._lock:
            user = self._user(user_id)
            user.suspended = user.protected = False

    def delete_user(self, user_id: int) -> None:
        """The account is deactivated: not found everywhere, its posts too."""
        with self._lock:
            self._user(user_id).deleted = True

    # ---- faults ----------------------------------------------------------------------------------

    def inject(
        self,
        path_prefix: str,
        status: int,
        *,
        headers: dict[str, str] | None = None,
        body: Body | None = None,
        times: int = 1,
    ) -> None:
        """Queue (FIFO) a canned answer for the next `times` requests whose path starts with the prefix.

        It is sent before any auth check, with exactly `headers` (plus content type/length: a 429 without
        `x-rate-limit-reset` has none) and `body` (default: X's problem JSON for `status`)."""
        with self._lock:
            self._faults.append(_Fault(path_prefix, times, status, dict(headers or {}), body))

    def close_connection(self, path_prefix: str, times: int = 1) -> None:
        """Queue (FIFO, with `inject`) dropping the next `times` matching requests without an answer."""
        with self._lock:
            self._faults.append(_Fault(path_prefix, times, None))

    def set_delay(self, path_prefix: str, seconds: float) -> None:
        """Sleep before answering matching requests (longest prefix wins; 0 removes). `stop()` wakes
        sleepers, which then drop their connection."""
        with self._lock:
            if seconds > 0:
                self._delays[path_prefix] = seconds
            else:
                self._delays.pop(path_prefix, None)

    # ---- observation -----------------------------------------------------------------------------

    def billed_post_reads(self) -> int:
        """Post objects returned in `data`, each id counted once per UTC day, summed over days."""
        with self._lock:
            return len(self._billed_posts)

    def billed_user_reads(self) -> int:
        """User objects returned in `data` by user lookups, each id counted once per UTC day."""
        with self._lock:
            return len(self._billed_users)

    def post_objects_served(self) -> int:
        """Every post object returned in `data`, without dedup."""
        with self._lock:
            return self._posts_served

    # ---- request handling (called from server threads) ------------------------------------------

    def _handle(self, handler: LoopbackHandler) -> None:
        """Record, delay, answer (or drop) one request."""
        if (oauth := oauth_path(handler.path)) is not None:
            self.oauth.handle(handler, *oauth)
            return
        split = urlsplit(handler.path)
        record = RecordedRequest(
            method=handler.command,
            path=split.path,
            query=parse_qs(split.query, keep_blank_values=True),
            status=0,
            authorization=handler.headers.get("Authorization"),
        )
        with self._lock:
            self.requests.append(record)
            delay = _longest_match(self._delays, record.path, default=0.0)
        if self.compliance.owns(record.path):
            self.compliance.handle(handler, record)
            return
        if delay and self._stopping.wait(delay):
            handler.drop()
            return
        with self._lock:
            reply = self._reply(record)
            record.status = 0 if reply.drop else reply.status
        if reply.drop:
            handler.drop()
        else:
            handler.send(reply)

    def _reply(self, req: RecordedRequest) -> _Reply:
        """The answer to a request (lock held): a queued fault, a 401, a 400, or the endpoint's JSON."""
        endpoint, user_id = _route(req.method, req.path)
        rate = self._rate_headers(endpoint or "other")
        fault = self._take_fault(req.path)
        if fault is not None:
            if fault.status is None:
                return _Reply(0, None, {}, drop=True)
            return _Reply(fault.status, _default_body(fault.status, fault.body), fault.headers)
        if req.authorization != f"Bearer {self.bearer}":
            return _Reply(401, UNAUTHORIZED_BODY, rate)
        if endpoint is None:
            return _Reply(404, _problem(404), rate)
        try:
            _check_params(endpoint, req.query)
            body = self._serve(endpoint, user_id, req.query)
        except _BadRequest as bad:
            return _Reply(400, bad.body(), rate)
        return _Reply(200, body, rate)

    def _serve(self, endpoint: str, user_id: str | None, query: Query) -> dict[str, Any]:
        if endpoint == "users/by":
            return self._users_by_usernames(query)
        if endpoint == "users":
            return self._users_by_ids(query)
        if endpoint == "tweets":
            return self._tweets_by_ids(query)
        return self._timeline(user_id or "", query)

    def _take_fault(self, path: str) -> _Fault | None:
        """Consume one use of the first queued fault matching `path`."""
        for fault in self._faults:
            if path.startswith(fault.prefix):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def _rate_headers(self, endpoint: str) -> dict[str, str]:
        """Count this request in the endpoint's 15-minute window and describe the window."""
        now = time.time()
        start, count = self._windows.get(endpoint, (now, 0))
        if now >= start + RATE_WINDOW_SECONDS:
            start, count = now, 0
        self._windows[endpoint] = (start, count + 1)
        limit = RATE_LIMITS[endpoint]
        return {
            "x-rate-limit-limit": str(limit),
            "x-rate-limit-remaining": str(max(0, limit - count - 1)),
            "x-rate-limit-reset": str(int(start + RATE_WINDOW_SECONDS)),
        }

    # ---- endpoints (lock held) -------------------------------------------------------------------

    def _users_by_usernames(self, query: Query) -> dict[str, Any]:
        """GET /2/users/by?usernames=a,b: case-insensitive match."""
        names = _list_param(query, "usernames", USERNAME_PATTERN)
        fields = _fields(query, "user.fields", USER_FIELDS)
        by_name = {u.username.lower(): u for u in self._users.values() if not u.deleted}
        found, errors = [], []
        for name in names:
            user = by_name.get(name.lower())
            if user is None:
                errors.append(_user_not_found(name, "usernames"))
            elif user.suspended:
                errors.append(_user_suspended(name, "usernames"))
            else:
                found.append(user)
        return self._user_body(found, errors, fields)

    def _users_by_ids(self, query: Query) -> dict[str, Any]:
        """GET /2/users?ids=1,2."""
        ids = _list_param(query, "ids", ID_PATTERN)
        fields = _fields(query, "user.fields", USER_FIELDS)
        found, errors = [], []
        for raw in ids:
            user = self._users.get(int(raw))
            if user is None or user.deleted:
                errors.append(_user_not_found(raw, "ids"))
            elif user.suspended:
                errors.append(_user_suspended(raw, "ids"))
            else:
                found.append(user)
        return self._user_body(found, errors, fields)

    def _user_body(
        self, users: list[_User], errors: list[dict[str, Any]], fields: set[str]
    ) -> dict[str, Any]:
        """`data` (billed) and `errors`; no `data` key when nothing was found."""
        body: dict[str, Any] = {}
        if users:
            day = self.today()
            self._billed_users.update((day, u.id) for u in users)
            body["data"] = [self._user_json(u, fields) for u in users]
        if errors:
            body["errors"] = errors
        return body

    def _timeline(self, raw_id: str, query: Query) -> dict[str, Any]:
        """GET /2/users/:id/tweets: newest first, filtered, paged with opaque tokens."""
        if not ID_PATTERN.match(raw_id):
            raise _BadRequest(
                "id", raw_id, f"The `id` query parameter value [{raw_id}] does not match {_pat()}"
            )
        max_results = _int_param(query, "max_results", default=10) or 0
        if not 5 <= max_results <= 100:
            raise _BadRequest(
                "max_results",
                str(max_results),
                f"The `max_results` query parameter value [{max_results}] is not between 5 and 100",
            )
        fields = _fields(query, "tweet.fields", TWEET_FIELDS)
        matches = self._timeline_matches(int(raw_id), query)  # validates the filters first, like X
        problem = self._timeline_problem(self._users.get(int(raw_id)), raw_id)
        if problem is not None:
            return {"errors": [problem]}
        page, more = matches[:max_results], len(matches) > max_results
        body: dict[str, Any] = {"meta": {"result_count": len(page)}}
        if page:
            body["data"] = self._post_data(page, fields)
            body["meta"].update(newest_id=str(page[0].id), oldest_id=str(page[-1].id))
        if more:
            body["meta"]["next_token"] = self._token(int(raw_id), page[-1].id)
        return body

    def _timeline_matches(self, user_id: int, query: Query) -> list[_Post]:
        """The user's visible posts (most recent 3,200) that pass the query's filters, newest first.

        since_id/until_id are exclusive; start_time/end_time are inclusive (second granularity)."""
        since_id = _int_param(query, "since_id")
        until_id = _int_param(query, "until_id")
        start, end = _time_param(query, "start_time"), _time_param(query, "end_time")
        if start and end and start > end:
            raise _BadRequest(
                "start_time", _one(query, "start_time") or "", "The `start_time` must not be after `end_time`"
            )
        excluded = {_EXCLUDE[v] for v in _list_param(query, "exclude", _EXCLUDE_PATTERN, required=False)}
        below = self._token_cursor(user_id, _one(query, "pagination_token"))
        posts = sorted(
            (p for p in self._posts.values() if p.author_id == user_id and p.visible_in_timeline),
            key=lambda p: p.id,
            reverse=True,
        )[:TIMELINE_DEPTH]
        return [
            p
            for p in posts
            if (since_id is None or p.id > since_id)
            and (until_id is None or p.id < until_id)
            and (start is None or p.created_at >= start)
            and (end is None or p.created_at <= end)
            and (below is None or p.id < below)
            and p.kind not in excluded
        ]

    def _timeline_problem(self, user: _User | None, raw_id: str) -> dict[str, Any] | None:
        """The `errors` entry replacing a timeline that cannot be shown, or None."""
        if user is None or user.deleted:
            return _error(
                raw_id, "user", "id", "Not Found Error", f"Could not find user with id: [{raw_id}]."
            )
        if user.suspended:
            return _user_suspended(raw_id, "id")
        if user.protected:
            detail = f"Sorry, you are not authorized to see the user with id: [{raw_id}]."
            return _error(raw_id, "user", "id", "Authorization Error", detail, NOT_AUTHORIZED_TYPE)
        return None

    def _tweets_by_ids(self, query: Query) -> dict[str, Any]:
        """GET /2/tweets?ids=1,2: found posts in request order; the rest as errors (HTTP 200)."""
        ids = _list_param(query, "ids", ID_PATTERN)
        fields = _fields(query, "tweet.fields", TWEET_FIELDS)
        found, errors = [], []
        for raw in ids:
            post = self._posts.get(int(raw))
            author = self._users.get(post.author_id) if post else None
            if post is None or post.deleted or author is None or author.deleted:
                errors.append(
                    _error(raw, "tweet", "ids", "Not Found Error", f"Could not find tweet with ids: [{raw}].")
                )
            elif author.protected or author.suspended:
                detail = f"Sorry, you are not authorized to see the Tweet with ids: [{raw}]."
                errors.append(_error(raw, "tweet", "ids", "Authorization Error", detail, NOT_AUTHORIZED_TYPE))
            else:
                found.append(post)
        body: dict[str, Any] = {}
        if found:
            body["data"] = self._post_data(found, fields)
        if errors:
            body["errors"] = errors
        return body

    # ---- helpers (lock held) ---------------------------------------------------------------------

    def _post_data(self, posts: list[_Post], fields: set[str]) -> list[dict[str, Any]]:
        """Serialize posts for `data`, billing each once per day."""
        day = self.today()
        self._billed_posts.update((day, p.id) for p in posts)
        self._posts_served += len(posts)
        return [_post_json(p, fields) for p in posts]

    def _user_json(self, user: _User, fields: set[str]) -> dict[str, Any]:
        obj: dict[str, Any] = {"id": str(user.id), "name": user.username, "username": user.username}
        if "protected" in fields:
            obj["protected"] = user.protected
        if "created_at" in fields:
            obj["created_at"] = _timestamp(user.created_at)
        if "public_metrics" in fields:
            posts = sum(1 for p in self._posts.values() if p.author_id == user.id and not p.deleted)
            obj["public_metrics"] = {
                "followers_count": user.followers,
                "following_count": user.following,
                "tweet_count": posts,
                "listed_count": 0,
            }
        return obj

    def _token(self, user_id: int, last_id: int) -> str:
        """An opaque, stable token meaning "continue below `last_id`"."""
        token = hashlib.sha1(f"{user_id}:{last_id}".encode()).hexdigest()[:26]
        self._tokens[token] = (user_id, last_id)
        return token

    def _token_cursor(self, user_id: int, token: str | None) -> int | None:
        if token is None:
            return None
        owner, below = self._tokens.get(token, (None, 0))
        if owner != user_id:
            raise _BadRequest(
                "pagination_token",
                token,
                f"The `pagination_token` query parameter value [{token}] is not valid",
            )
        return below

    def _supersede(self, latest_id: int) -> None:
        """Older versions of an edited post leave timelines and share the latest's edit history."""
        history = self._posts[latest_id].edit_history
        for old_id in history:
            old = self._posts.get(old_id)
            if old is not None and old_id != latest_id:
                old.superseded = True
                old.edit_history = list(history)

    def _handle_of(self, user_id: int) -> str:
        user = self._users.get(user_id)
        return user.username if user else "someone"

    def _post(self, post_id: int) -> _Post:
        if post_id not in self._posts:
            raise KeyError(f"unknown post {post_id}")
        return self._posts[post_id]

    def _user(self, user_id: int) -> _User:
        if user_id not in self._users:
            raise KeyError(f"unknown user {user_id}")
        return self._users[user_id]


# ---- pure helpers -----------------------------------------------------------------------------------

_TIMELINE_PATH = re.compile(r"^/2/users/([^/]+)/tweets$")
_EXCLUDE = {"retweets": "retweet", "replies": "reply"}
_EXCLUDE_PATTERN = re.compile(r"^(retweets|replies)$")


def _route(method: str, path: str) -> tuple[str | None, str | None]:
    """(endpoint name, user id from the path) or (None, None) for anything not served."""
    if method != "GET":
        return None, None
    if path in ("/2/users/by", "/2/users", "/2/tweets"):
        return path.removeprefix("/2/"), None
    match = _TIMELINE_PATH.match(path)
    return ("timeline", match.group(1)) if match else (None, None)


def _check_params(endpoint: str, query: Query) -> None:
    """X rejects query parameters an endpoint does not know."""
    allowed = ALLOWED_PARAMS[endpoint]
    for name, values in query.items():
        if name not in allowed:
            listed = ",".join(sorted(allowed))
            raise _BadRequest(name, values[0], f"The query parameter [{name}] is not one of [{listed}]")


def _one(query: Query, name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def _list_param(query: Query, name: str, pattern: re.Pattern[str], *, required: bool = True) -> list[str]:
    """A comma-separated list parameter: validated, deduplicated, at most 100 values."""
    raw = _one(query, name)
    if not raw:
        if required:
            raise _BadRequest(name, "", f"The `{name}` query parameter can not be empty")
        return []
    values = list(dict.fromkeys(raw.split(",")))
    if len(values) > MAX_IDS:
        message = (
            f"The number of values in the `{name}` query parameter list [{len(values)}] "
            f"is not between 1 and {MAX_IDS}"
        )
        raise _BadRequest(name, raw, message)
    for value in values:
        if not pattern.match(value):
            raise _BadRequest(
                name, value, f"The `{name}` query parameter value [{value}] does not match {pattern.pattern}"
            )
    return values


def _fields(query: Query, name: str, allowed: frozenset[str]) -> set[str]:
    """Requested `*.fields`; unknown names are a 400 like on X."""
    values = set(filter(None, (_one(query, name) or "").split(",")))
    unknown = sorted(values - allowed)
    if unknown:
        listed = ",".join(sorted(allowed))
        message = f"The `{name}` query parameter value [{unknown[0]}] is not one of [{listed}]"
        raise _BadRequest(name, unknown[0], message)
    return values


def _int_param(query: Query, name: str, default: int | None = None) -> int | None:
    raw = _one(query, name)
    if raw is None:
        return default
    if not ID_PATTERN.match(raw):
        raise _BadRequest(name, raw, f"The `{name}` query parameter value [{raw}] does not match {_pat()}")
    return int(raw)


def _time_param(query: Query, name: str) -> datetime | None:
    """An RFC 3339 timestamp with a zone (tweepy sends `YYYY-MM-DDTHH:MM:SSZ`)."""
    raw = _one(query, name)
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise _BadRequest(name, raw, f"Invalid '{name}':'{raw}'. '{name}' must be a valid RFC 3339 date/time")
    return moment.astimezone(UTC)


def _pat() -> str:
    return ID_PATTERN.pattern


def _longest_match(table: dict[str, float], path: str, default: float) -> float:
    prefixes = [p for p in table if path.startswith(p)]
    return table[max(prefixes, key=len)] if prefixes else default


def _check_username(username: str) -> None:
    if not USERNAME_PATTERN.match(username):
        raise ValueError(f"X usernames are 1-15 of A-Z a-z 0-9 _: {username!r}")


def _timestamp(moment: datetime) -> str:
    """X's timestamp format: `2026-11-09T10:00:00.000Z`."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _post_json(post: _Post, fields: set[str]) -> dict[str, Any]:
    """A post object with the default fields plus those requested in `tweet.fields`."""
    obj: dict[str, Any] = {
        "id": str(post.id),
        "text": post.text,
        "edit_history_tweet_ids": [str(i) for i in post.edit_history],
    }
    optional = {
        "created_at": lambda: _timestamp(post.created_at),
        "author_id": lambda: str(post.author_id),
        "lang": lambda: post.lang,
        "public_metrics": lambda: dict(post.metrics),
        "conversation_id": lambda: str(post.ref_id if post.kind == "reply" else post.id),
    }
    obj.update({name: make() for name, make in optional.items() if name in fields})
    if "referenced_tweets" in fields and post.kind in _REF_TYPES:
        obj["referenced_tweets"] = [{"type": _REF_TYPES[post.kind], "id": str(post.ref_id)}]
    if "in_reply_to_user_id" in fields and post.kind == "reply":
        obj["in_reply_to_user_id"] = str(post.ref_user_id)
    return obj


def _error(
    value: str, resource: str, parameter: str, title: str, detail: str, kind: str = NOT_FOUND_TYPE
) -> dict[str, Any]:
    """One partial-error entry as X puts it in `errors` next to (or instead of) `data`."""
    return {
        "value": value,
        "detail": detail,
        "title": title,
        "resource_type": resource,
        "parameter": parameter,
        "resource_id": value,
        "type": kind,
    }


def _user_not_found(value: str, parameter: str) -> dict[str, Any]:
    return _error(
        value, "user", parameter, "Not Found Error", f"Could not find user with {parameter}: [{value}]."
    )


def _user_suspended(value: str, parameter: str) -> dict[str, Any]:
    return _error(value, "user", parameter, "Forbidden", f"User has been suspended: [{value}].")


def _problem(status: int) -> dict[str, Any]:
    """X's generic problem JSON for an HTTP status."""
    if status == 401:
        return dict(UNAUTHORIZED_BODY)
    if status == 402:
        return dict(PAYMENT_REQUIRED_BODY)
    if status == 429:
        return dict(TOO_MANY_REQUESTS_BODY)
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return {"title": phrase, "detail": phrase, "type": "about:blank", "status": status}


def _default_body(status: int, body: Body | None) -> Body:
    return _problem(status) if body is None else body
