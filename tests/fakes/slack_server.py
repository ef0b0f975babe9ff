"""A fake Slack Web API on loopback that answers like Slack, for tests through the real slack_sdk.

`FakeSlack` runs a `ThreadingHTTPServer` on 127.0.0.1 (a free port) in a daemon thread. Point the real
client at it and every Web API call lands on `<url><method>` exactly as slack_sdk sends it (always POST:
form-encoded, JSON or multipart; GET with a query string is served too):

    with FakeSlack() as fake:
        fake.add_user("U1", name="Alice", tz="Europe/Paris")
        fake.add_channel("C1", "general", members={"UBOT", "U1"})
        client = WebClient(token="xoxb-test-token", base_url=fake.url)
        client.chat_postMessage(channel="C1", text="hi")
        assert fake.messages("C1")[0]["text"] == "hi"

Like Slack:
- every API answer is JSON with `ok` and `content-type: application/json`; `ok: false` comes with
  HTTP 200, except `unknown_method` (HTTP 404) and `ratelimited` (HTTP 429 with `Retry-After`);
- auth by `Authorization: Bearer …` or a `token` param: none → `not_authed`, unknown → `invalid_auth`,
  revoked by auth.revoke / apps.uninstall → `token_revoked` (a new oauth.v2.access reinstates it);
- a token identifies its workspace (`add_workspace`); users, DMs, views and files belong to one;
- the bot posts to a public channel only when its user id is a member (`add_channel(members=…)` or
  conversations.join); a private channel it is not in does not exist for it (`channel_not_found`);
- chat.postMessage accepts a user id as `channel` (the app DM, answered with the `D…` id);
- conversations.history is newest first, top-level messages only, `metadata` only with
  `include_all_metadata`, `oldest`/`latest` exclusive unless `inclusive`, cursor pagination;
- files_upload_v2: files.getUploadURLExternal → POST of the bytes to the returned URL (answered
  `OK - <length>`) → files.completeUploadExternal.

Faults (`inject`, `close_connection`) are consumed in FIFO order before anything else, auth included;
an injected answer replaces the method (nothing changes). `"upload"` names the POST of file bytes to an
upload URL and `"*"` matches every method. `set_rate_limit` refuses chat.postMessage/chat.postEphemeral
beyond the limits (keyed by the `channel` param) with 429 and `Retry-After` (whole seconds, at least 1).

Observation: `calls` (every request, the upload POSTs as method "upload"), `messages()` (channel state:
chat.update edits, chat.delete removes; `calls_to("chat.postMessage")` keeps the raw history),
`ephemerals()`, `uploads`, `home_view()`, `opened_views`.

Deliberate simplifications: public/private channels are shared by all workspaces; scopes are not
enforced; `thread_ts` is not checked; file shares do not appear in channel history; only
conversations.history paginates.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import copy
import itertools
import json
import math
import mimetypes
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from email import policy
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit
from zoneinfo import ZoneInfo

from tests.fakes.loopback import LoopbackHandler, LoopbackServer, Served

API_PREFIX = "/api/"
UPLOAD_PREFIX = "/upload/"
UPLOAD_METHOD = "upload"  # how a POST of file bytes to an upload URL is named in `calls` and faults
DOWNLOAD_PREFIX = "/files-pri/"
DOWNLOAD_METHOD = "download"  # a GET of url_private_download: needs the bot token of the file's workspace
ANY_METHOD = "*"
APP_ID = "A0001"
BOT_NAME = "plume"
BOT_SCOPES = (
    "commands,chat:write,im:write,users:read,channels:read,channels:history,channels:join,groups:read,"
    "groups:history,im:history,dnd:read,files:write,files:read"
)
JSON_TYPE = "application/json; charset=utf-8"
TEXT_TYPE = "text/plain; charset=utf-8"
MAX_TEXT = 40_000
MAX_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
HISTORY_LIMIT, HISTORY_MAX_LIMIT = 100, 999
DEFAULT_ERRORS = {
    400: "invalid_arguments",
    401: "invalid_auth",
    403: "access_denied",
    404: "unknown_method",
    429: "ratelimited",
    500: "internal_error",
    503: "service_unavailable",
}


@dataclass
class SlackCall:
    """One request as the server saw it.

    `body` merges query and body params (form values are strings, JSON values stay objects, multipart
    files are bytes); header names are lower-cased; `status` is the HTTP status answered (0 while being
    answered or when the connection was dropped) and `response` the body sent."""

    method: str
    body: dict[str, Any]
    token: str | None
    headers: dict[str, str]
    at: float
    status: int = 0
    response: Any = None


@dataclass
class _Workspace:
    team_id: str
    name: str
    bot_token: str
    bot_user_id: str
    bot_id: str
    revoked: bool = False

    @property
    def domain(self) -> str:
        return re.sub(r"[^a-z0-9-]", "", self.name.lower()) or self.team_id.lower()


@dataclass
class _Dnd:
    enabled: bool
    snooze_enabled: bool
    next_start: int
    next_end: int
    snooze_endtime: int | None


@dataclass
class _User:
    id: str
    team_id: str
    name: str
    tz: str
    is_admin: bool = False
    is_owner: bool = False
    deleted: bool = False
    is_bot: bool = False
    dnd: _Dnd | None = None

    @property
    def handle(self) -> str:
        return re.sub(r"\s+", ".", self.name.strip().lower()) or self.id.lower()


@dataclass
class _Channel:
    id: str
    name: str
    created: int
    kind: str = "channel"  # "channel", "im" or "mpim"
    is_private: bool = False
    is_archived: bool = False
    members: set[str] = field(default_factory=set)
    team_id: str | None = None  # DMs and group DMs belong to one workspace
    im_user: str | None = None


@dataclass
class _File:
    id: str
    team_id: str
    filename: str
    length: int
    created: int
    alt_txt: str | None = None
    snippet_type: str | None = None
    content: bytes | None = None  # None until the bytes are POSTed to the upload URL
    title: str = ""
    channels: list[str] = field(default_factory=list)
    completed: bool = False
    user: str | None = None  # who shared it (`add_file`); None: the bot uploaded it


@dataclass
class _Code:
    team_id: str
    installer: str | None
    redirect_uri: str | None


@dataclass
class _Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False
    content_type: str = JSON_TYPE


@dataclass
class _Fault:
    """A queued answer for the next `remaining` calls of `method`; status None drops the connection."""

    method: str
    remaining: int
    status: int | None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None

    def reply(self) -> _Reply:
        if self.status is None:
            return _Reply(0, None, drop=True)
        headers = dict(self.headers)
        if self.status == 429 and not any(k.lower() == "retry-after" for k in headers):
            headers["Retry-After"] = "1"
        body = self.body
        if body is None:
            body = {"ok": False, "error": DEFAULT_ERRORS.get(self.status, "fatal_error")}
        return _Reply(
            self.status, body, headers, content_type=TEXT_TYPE if isinstance(body, str) else JSON_TYPE
        )


class _SlackError(Exception):
    """An `ok: false` answer (HTTP 200) with this error code and extra fields."""

    def __init__(self, code: str, **extra: Any) -> None:
        super().__init__(code)
        self.code, self.extra = code, extra


@dataclass
class _Request:
    """The params of one API call and the workspace its token belongs to (None for oauth.v2.access)."""

    params: dict[str, Any]
    headers: dict[str, str]
    workspace: _Workspace | None

    @property
    def ws(self) -> _Workspace:
        if self.workspace is None:
            raise RuntimeError("this method is not authenticated by a token")
        return self.workspace

    def text(self, name: str) -> str | None:
        value = self.params.get(name)
        if value is None:
            return None
        if isinstance(value, bytes):
            return value.decode("utf-8", "replace")
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, dict | list):
            return json.dumps(value)
        return str(value)

    def json(self, name: str, error: str) -> Any:
        """A param sent either as a JSON string (form) or as an object (JSON body); `error` if malformed."""
        value = self.params.get(name)
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if isinstance(value, str):
            if not value.strip():
                return None
            try:
                return json.loads(value)
            except ValueError:
                raise _SlackError(error) from None
        return value

    def flag(self, name: str) -> bool:
        return (self.text(name) or "").lower() in ("1", "true")

    def number(self, name: str, default: int | None) -> int | None:
        raw = self.text(name)
        if raw is None or raw == "":
            return default
        try:
            return int(raw)
        except ValueError:
            raise _SlackError("invalid_arguments") from None

    def id_list(self, name: str) -> list[str]:
        value = self.params.get(name)
        items = [str(v) for v in value] if isinstance(value, list) else (self.text(name) or "").split(",")
        return [item.strip() for item in items if item.strip()]


Handler = Callable[["FakeSlack", _Request], dict[str, Any]]


class FakeSlack(Served):
    """A loopback Slack Web API with controllable directory state, faults and rate limits."""

    thread_name = "fake-slack"

    def __init__(
        self,
        *,
        team_id: str = "T0001",
        team_name: str = "Acme",
        bot_token: str = "xoxb-test-token",
        bot_user_id: str = "UBOT",
        client_id: str | None = None,
        client_secret: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`client_id`/`client_secret`, when given, are checked by oauth.v2.access and apps.uninstall
        (otherwise any non-empty pair is accepted). `clock` drives message ts and the rate limiter."""
        self.team_id, self.bot_token, self.bot_user_id = team_id, bot_token, bot_user_id
        self.client_id, self.client_secret = client_id, client_secret
        self.calls: list[SlackCall] = []
        self.uploads: list[dict[str, Any]] = []
        self.opened_views: list[dict[str, Any]] = []
        self._clock = clock
        self._lock = threading.Lock()
        self._counter = itertools.count(1)
        self._workspaces: dict[str, _Workspace] = {}
        self._users: dict[str, _User] = {}
        self._channels: dict[str, _Channel] = {}
        self._messages: dict[str, list[dict[str, Any]]] = {}
        self._ephemerals: list[dict[str, Any]] = []
        self._files: dict[str, _File] = {}
        self._home_views: dict[str, dict[str, Any]] = {}
        self._codes: dict[str, _Code] = {}
        self._faults: list[_Fault] = []
        self._hold_after: dict[str, float] = {}
        self._per_channel_per_second: float | None = None
        self._per_workspace_per_minute: int | None = None
        self._channel_posts: dict[tuple[str, str], deque[float]] = {}
        self._workspace_posts: dict[str, deque[float]] = {}
        self._last_ts = 0
        self._server: LoopbackServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self.add_workspace(team_id, team_name, bot_token, bot_user_id)

    # ---- lifecycle -------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The Web API base URL, e.g. `http://127.0.0.1:54321/api/`: `WebClient(base_url=fake.url)`."""
        return self._origin + API_PREFIX

    @property
    def _origin(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # ---- directory state -------------------------------------------------------------------------

    def add_workspace(self, team_id: str, team_name: str, bot_token: str, bot_user_id: str = "UBOT2") -> None:
        """Install the app in another workspace: `bot_token` authenticates as its bot user."""
        with self._lock:
            if team_id in self._workspaces:
                raise ValueError(f"workspace {team_id} already exists")
            if any(ws.bot_token == bot_token for ws in self._workspaces.values()):
                raise ValueError("bot tokens must differ between workspaces")
            bot_id = f"B{len(self._workspaces) + 1:04d}"
            self._workspaces[team_id] = _Workspace(team_id, team_name, bot_token, bot_user_id, bot_id)
            self._users[bot_user_id] = _User(
                bot_user_id, team_id, BOT_NAME, "America/Los_Angeles", is_bot=True
            )

    def reinstall(self, team_id: str, bot_token: str) -> None:
        """The app reinstalled in a workspace with a new bot token: the old one is revoked."""
        with self._lock:
            workspace = self._workspaces[team_id]
            workspace.bot_token, workspace.revoked = bot_token, False

    def add_user(
        self,
        user_id: str,
        *,
        name: str = "",
        tz: str = "Europe/Paris",
        is_admin: bool = False,
        is_owner: bool = False,
        team_id: str | None = None,
        deleted: bool = False,
    ) -> None:
        """Add a member to a workspace (the first one by default); `tz` is an IANA zone name."""
        ZoneInfo(tz)  # fail here, not in users.info
        with self._lock:
            team = team_id or self.team_id
            if team not in self._workspaces:
                raise ValueError(f"unknown workspace {team}: add_workspace first")
            if user_id in self._users:
                raise ValueError(f"user {user_id} already exists")
            self._users[user_id] = _User(user_id, team, name, tz, is_admin, is_owner, deleted)

    def add_file(self, user_id: str, filename: str, content: bytes) -> tuple[str, str]:
        """A member shares a file in their DM with the bot: (file id, DM channel id), as the
        `file_shared` event names them. Its `url_private_download` is served here, bot token only."""
        with self._lock:
            user = self._user(user_id)
            dm = self._open_dm(user)[0].id
            file_id = self._new_id("F")
            self._files[file_id] = _File(
                file_id, user.team_id, filename, len(content), int(self._clock()), content=content,
                title=filename, channels=[dm], completed=True, user=user_id,
            )
            return file_id, dm

    def add_channel(
        self,
        channel_id: str,
        name: str,
        *,
        is_archived: bool = False,
        members: Iterable[str] = (),
        is_private: bool = False,
    ) -> None:
        """A channel; the bot can post to it only if its user id is in `members`."""
        with self._lock:
            if channel_id in self._channels:
                raise ValueError(f"channel {channel_id} already exists")
            self._channels[channel_id] = _Channel(
                channel_id,
                name,
                int(self._clock()),
                is_private=is_private,
                is_archived=is_archived,
                members=set(members),
            )

    def set_dnd(
        self,
        user_id: str,
        *,
        snooze_enabled: bool,
        next_dnd_start_ts: int = 0,
        next_dnd_end_ts: int = 0,
        snooze_endtime: int | None = None,
        dnd_enabled: bool = True,
    ) -> None:
        """What dnd.info reports for the user (unset: DND disabled, next start/end 1, no snooze)."""
        with self._lock:
            self._user(user_id).dnd = _Dnd(
                dnd_enabled, snooze_enabled, next_dnd_start_ts, next_dnd_end_ts, snooze_endtime
            )

    def add_oauth_code(
        self, code: str, team_id: str, *, installer: str | None = None, redirect_uri: str | None = None
    ) -> None:
        """oauth.v2.access with this (single-use) code returns the installation of `team_id`. With
        `redirect_uri`, the exchange must repeat it (`bad_redirect_uri` otherwise)."""
        with self._lock:
            if team_id not in self._workspaces:
                raise ValueError(f"unknown workspace {team_id}: add_workspace first")
            self._codes[code] = _Code(team_id, installer, redirect_uri)

    def add_message(
        self,
        channel: str,
        text: str,
        *,
        user: str,
        ts: str | None = None,
        metadata: dict[str, Any] | None = None,
        thread_ts: str | None = None,
    ) -> str:
        """A message someone else posted (for conversations.history); returns its ts."""
        with self._lock:
            channel_obj = self._channels.get(channel)
            if channel_obj is None:
                raise ValueError(f"unknown channel {channel}")
            team = channel_obj.team_id or self._user(user).team_id
            msg: dict[str, Any] = {"type": "message", "user": user, "text": text, "team": team}
            msg["ts"] = ts or self._next_ts()
            if metadata is not None:
                msg["metadata"] = copy.deepcopy(metadata)
            if thread_ts:
                msg["thread_ts"] = thread_ts
                self._note_reply(channel, thread_ts, msg)
            self._messages.setdefault(channel, []).append(msg)
            return msg["ts"]

    def dm_id(self, user_id: str) -> str:
        """The id of the bot's DM with the user (what conversations.open answers)."""
        with self._lock:
            return self._open_dm(self._user(user_id))[0].id

    # ---- faults ----------------------------------------------------------------------------------

    def inject(
        self,
        method: str,
        *,
        status: int = 200,
        body: dict[str, Any] | str | None = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Queue (FIFO) a canned answer for the next `times` calls of `method` ("*": any), before auth.

        Default body: Slack's error for the status (429 → `ratelimited`, 500 → `internal_error`…); a
        429 without `Retry-After` gets `Retry-After: 1`. A str body is sent as text (a proxy's page)."""
        if status == 200 and body is None:
            raise ValueError("an injected 200 needs a body")
        with self._lock:
            self._faults.append(_Fault(method, times, status, dict(headers or {}), copy.deepcopy(body)))

    def hold_after_accepting(self, method: str, seconds: float) -> None:
        """Process `method` calls (a post is stored) but wait `seconds` before answering (0 to stop)."""
        with self._lock:
            self._hold_after[method] = seconds

    def close_connection(self, method: str, times: int = 1) -> None:
        """Queue (FIFO, with `inject`) dropping the next `times` calls of `method` without an answer."""
        with self._lock:
            self._faults.append(_Fault(method, times, None))

    def set_rate_limit(
        self, *, per_channel_per_second: float | None = None, per_workspace_per_minute: int | None = None
    ) -> None:
        """Refuse chat.postMessage / chat.postEphemeral beyond these rates (None: unlimited) with HTTP 429
        `ratelimited` and `Retry-After`. Windows slide; refused calls do not count."""
        with self._lock:
            self._per_channel_per_second = per_channel_per_second
            self._per_workspace_per_minute = per_workspace_per_minute
            self._channel_posts.clear()
            self._workspace_posts.clear()

    # ---- observation -----------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[SlackCall]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def messages(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Messages now in the channel (all channels if None), oldest first, each with its `channel`."""
        with self._lock:
            found = [
                {**copy.deepcopy(msg), "channel": channel_id}
                for channel_id, msgs in self._messages.items()
                if channel is None or channel_id == channel
                for msg in msgs
            ]
        return sorted(found, key=lambda msg: Decimal(msg["ts"]))

    def ephemerals(self, channel: str | None = None) -> list[dict[str, Any]]:
        """What chat.postEphemeral accepted: channel, user, message_ts, text, blocks."""
        with self._lock:
            return [copy.deepcopy(e) for e in self._ephemerals if channel is None or e["channel"] == channel]

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        """The latest view views.publish stored for the user."""
        with self._lock:
            view = self._home_views.get(user_id)
            return copy.deepcopy(view) if view else None

    # ---- request handling (called from server threads) ------------------------------------------

    def _handle(self, handler: LoopbackHandler) -> None:
        """Record, answer (or drop) one request."""
        split = urlsplit(handler.path)
        raw = handler.read_body()
        headers = {name.lower(): value for name, value in handler.headers.items()}
        parse_error = None
        if split.path.startswith(UPLOAD_PREFIX):
            method = UPLOAD_METHOD
            params: dict[str, Any] = {"file_id": split.path[len(UPLOAD_PREFIX) :], "length": len(raw)}
        elif split.path.startswith(DOWNLOAD_PREFIX):
            method, params = DOWNLOAD_METHOD, {"path": split.path}
        else:
            method = split.path[len(API_PREFIX) :] if split.path.startswith(API_PREFIX) else split.path
            params, parse_error = _parse_params(split.query, headers.get("content-type", ""), raw)
        call = SlackCall(method, params, _token(headers, params), headers, self._clock())
        with self._lock:
            self.calls.append(call)
            try:
                reply = self._reply(call, split.path, raw, parse_error)
            except Exception as exc:  # a bug in the fake: say so instead of dropping the connection
                reply = _Reply(500, {"ok": False, "error": "internal_error", "fake_exception": repr(exc)})
            call.status = 0 if reply.drop else reply.status
            call.response = None if reply.drop else reply.body
            hold = self._hold_after.get(call.method, 0.0)
        if hold:  # accepted, but the answer is late: a client killed now never learns it succeeded
            time.sleep(hold)
        if reply.drop:
            handler.drop()
        else:
            handler.send(reply)

    def _reply(self, call: SlackCall, path: str, raw: bytes, parse_error: str | None) -> _Reply:
        """The answer (lock held): a queued fault, the upload receipt, or the method's JSON."""
        fault = self._take_fault(call.method)
        if fault is not None:
            return fault.reply()
        if path.startswith(UPLOAD_PREFIX):
            return self._receive_upload(call.body["file_id"], raw)
        if path.startswith(DOWNLOAD_PREFIX):
            return self._serve_download(path, call.token)
        handler = _METHODS.get(call.method) if path.startswith(API_PREFIX) else None
        if handler is None:
            return _Reply(404, {"ok": False, "error": "unknown_method", "req_method": call.method})
        workspace = None
        try:
            if parse_error:
                raise _SlackError(parse_error)
            if call.method not in _CLIENT_AUTH:
                workspace = self._authenticate(call.token)
            if call.method in _RATE_LIMITED and workspace is not None:
                retry_after = self._admit(workspace, str(call.body.get("channel")))
                if retry_after:
                    body = {"ok": False, "error": "ratelimited"}
                    return _Reply(429, body, {"Retry-After": str(retry_after)})
            result = handler(self, _Request(call.body, call.headers, workspace))
        except _SlackError as err:
            return _Reply(200, {"ok": False, "error": err.code, **err.extra}, self._scope_headers(workspace))
        return _Reply(200, {"ok": True, **result}, self._scope_headers(workspace))

    def _take_fault(self, method: str) -> _Fault | None:
        for fault in self._faults:
            if fault.method in (method, ANY_METHOD):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def _authenticate(self, token: str | None) -> _Workspace:
        if not token:
            raise _SlackError("not_authed")
        workspace = next((ws for ws in self._workspaces.values() if ws.bot_token == token), None)
        if workspace is None:
            raise _SlackError("invalid_auth")
        if workspace.revoked:
            raise _SlackError("token_revoked")
        return workspace

    @staticmethod
    def _scope_headers(workspace: _Workspace | None) -> dict[str, str]:
        return {"x-oauth-scopes": BOT_SCOPES} if workspace is not None else {}

    def _admit(self, workspace: _Workspace, channel: str) -> int | None:
        """Seconds to wait (Retry-After) if a post to `channel` now exceeds a limit; else count it."""
        now = self._clock()
        windows: list[tuple[deque[float], float, int]] = []
        if self._per_channel_per_second:
            rate = self._per_channel_per_second
            span = max(1.0, 1.0 / rate)
            posts = self._channel_posts.setdefault((workspace.team_id, channel), deque())
            windows.append((posts, span, max(1, int(rate * span))))
        if self._per_workspace_per_minute:
            posts = self._workspace_posts.setdefault(workspace.team_id, deque())
            windows.append((posts, 60.0, self._per_workspace_per_minute))
        wait = 0.0
        for posts, span, capacity in windows:
            while posts and posts[0] <= now - span:
                posts.popleft()
            if len(posts) >= capacity:
                wait = max(wait, posts[len(posts) - capacity] + span - now)
        if wait > 0:
            return max(1, math.ceil(wait))
        for posts, _, _ in windows:
            posts.append(now)
        return None

    def _receive_upload(self, file_id: str, raw: bytes) -> _Reply:
        """The POST of a file's bytes to its upload URL: plain text, like files.slack.com."""
        pending = self._files.get(file_id)
        if pending is None or pending.completed:
            return _Reply(404, "Not Found", content_type=TEXT_TYPE)
        pending.content = raw
        return _Reply(200, f"OK - {len(raw)}", content_type=TEXT_TYPE)

    def _serve_download(self, path: str, token: str | None) -> _Reply:
        """A file's bytes at its url_private_download, for its workspace's bot token only."""
        match = re.fullmatch(r"/files-pri/(T\w+)-(F\w+)/download/[^/]+", path)
        stored = self._files.get(match[2]) if match else None
        ws = self._workspaces.get(stored.team_id) if stored else None
        if stored is None or ws is None or stored.content is None or not stored.completed:
            return _Reply(404, "Not Found", content_type=TEXT_TYPE)
        if token != ws.bot_token or ws.revoked:
            # Slack answers a missing or wrong token with its sign-in page, not the file.
            return _Reply(200, "<html>Sign in to Slack</html>", content_type="text/html; charset=utf-8")
        return _Reply(200, stored.content, content_type="application/zip")

    # ---- Web API methods (lock held) -------------------------------------------------------------

    def _auth_test(self, req: _Request) -> dict[str, Any]:
        ws = req.ws
        return {
            "url": f"https://{ws.domain}.slack.com/",
            "team": ws.name,
            "user": BOT_NAME,
            "team_id": ws.team_id,
            "user_id": ws.bot_user_id,
            "bot_id": ws.bot_id,
            "is_enterprise_install": False,
        }

    def _auth_revoke(self, req: _Request) -> dict[str, Any]:
        test = req.flag("test")
        if not test:
            req.ws.revoked = True
        return {"revoked": not test}

    def _apps_uninstall(self, req: _Request) -> dict[str, Any]:
        self._check_client(req)
        req.ws.revoked = True
        return {}

    def _users_info(self, req: _Request) -> dict[str, Any]:
        user_json = self._user_json(self._member(req.ws, req.text("user")))
        if req.flag("include_locale"):
            user_json["locale"] = "en-US"
        return {"user": user_json}

    def _chat_post_message(self, req: _Request) -> dict[str, Any]:
        ws = req.ws
        channel = self._postable(ws, req.text("channel"), users_as_dm=True)
        msg = self._bot_message(ws)
        msg.update(_content(req, required=True))
        metadata = _metadata(req)
        if metadata is not None:
            msg["metadata"] = metadata
        thread_ts = req.text("thread_ts")
        if thread_ts:
            msg["thread_ts"] = thread_ts
            if req.flag("reply_broadcast"):
                msg.update(subtype="thread_broadcast", reply_broadcast=True)
            self._note_reply(channel.id, thread_ts, msg)
        self._messages.setdefault(channel.id, []).append(msg)
        return {"channel": channel.id, "ts": msg["ts"], "message": copy.deepcopy(msg)}

    def _chat_post_ephemeral(self, req: _Request) -> dict[str, Any]:
        channel = self._postable(req.ws, req.text("channel"))
        user = self._member(req.ws, req.text("user"))
        if not _is_in(channel, user.id):
            raise _SlackError("user_not_in_channel")
        ephemeral = {"channel": channel.id, "user": user.id, "message_ts": self._next_ts()}
        ephemeral.update(_content(req, required=True))
        self._ephemerals.append(ephemeral)
        return {"message_ts": ephemeral["message_ts"]}

    def _chat_update(self, req: _Request) -> dict[str, Any]:
        ws = req.ws
        channel = self._postable(ws, req.text("channel"))
        msg = self._own_message(ws, channel, req.text("ts"), "cant_update_message")
        changes = _content(req, required=False)
        if not changes and "metadata" not in req.params:
            raise _SlackError("no_text")
        for key in ("blocks", "attachments"):
            if key in req.params and key not in changes:
                msg.pop(key, None)  # an empty list clears them
        msg.update(changes)
        metadata = _metadata(req)
        if metadata is not None:
            msg["metadata"] = metadata
        msg["edited"] = {"user": ws.bot_user_id, "ts": self._next_ts()}
        return {"channel": channel.id, "ts": msg["ts"], "text": msg["text"], "message": copy.deepcopy(msg)}

    def _chat_delete(self, req: _Request) -> dict[str, Any]:
        channel = self._conversation(req.ws, req.text("channel"))
        msg = self._own_message(req.ws, channel, req.text("ts"), "cant_delete_message")
        self._messages[channel.id].remove(msg)
        return {"channel": channel.id, "ts": msg["ts"]}

    def _chat_get_permalink(self, req: _Request) -> dict[str, Any]:
        channel = self._conversation(req.ws, req.text("channel"))
        ts = req.text("message_ts") or ""
        if self._find_message(channel.id, ts) is None:
            raise _SlackError("message_not_found")
        link = f"https://{req.ws.domain}.slack.com/archives/{channel.id}/p{ts.replace('.', '')}"
        return {"channel": channel.id, "permalink": link}

    def _conversations_open(self, req: _Request) -> dict[str, Any]:
        ws = req.ws
        ids = req.id_list("users")
        if not ids:
            raise _SlackError("users_list_not_supplied")
        users = [self._member(ws, user_id) for user_id in ids]
        if any(user.deleted for user in users):
            raise _SlackError("user_disabled")
        if len(users) == 1:
            if users[0].is_bot:
                raise _SlackError("cannot_dm_bot")
            channel, existed = self._open_dm(users[0])
        else:
            channel, existed = self._open_group_dm(ws, users)
        body: dict[str, Any] = {"channel": {"id": channel.id}}
        if existed:
            body.update(no_op=True, already_open=True)
        if req.flag("return_im"):
            body["channel"] = self._channel_json(ws, channel)
        return body

    def _conversations_history(self, req: _Request) -> dict[str, Any]:
        ws = req.ws
        channel = self._conversation(ws, req.text("channel"))
        if channel.kind == "channel" and ws.bot_user_id not in channel.members:
            raise _SlackError("not_in_channel")
        limit = req.number("limit", HISTORY_LIMIT) or 0
        if limit < 1:
            raise _SlackError("invalid_limit")
        oldest = _ts_param(req, "oldest", "invalid_ts_oldest")
        latest = _ts_param(req, "latest", "invalid_ts_latest")
        below = _decode_cursor(req.text("cursor"))
        inclusive, with_metadata = req.flag("inclusive"), req.flag("include_all_metadata")

        def wanted(ts: Decimal) -> bool:
            after = oldest is None or ts > oldest or (inclusive and ts == oldest)
            before = latest is None or ts < latest or (inclusive and ts == latest)
            return after and before and (below is None or ts <= below)

        top_level = [
            msg
            for msg in self._messages.get(channel.id, [])
            if msg.get("thread_ts", msg["ts"]) == msg["ts"] or msg.get("reply_broadcast")
        ]
        selected = sorted(
            (msg for msg in top_level if wanted(Decimal(msg["ts"]))),
            key=lambda msg: Decimal(msg["ts"]),
            reverse=True,
        )
        page, rest = selected[: min(limit, HISTORY_MAX_LIMIT)], selected[min(limit, HISTORY_MAX_LIMIT) :]
        messages = []
        for msg in page:
            shown = copy.deepcopy(msg)
            if not with_metadata:
                shown.pop("metadata", None)
            messages.append(shown)
        return {
            "messages": messages,
            "has_more": bool(rest),
            "pin_count": 0,
            "response_metadata": {"next_cursor": _encode_cursor(rest[0]["ts"]) if rest else ""},
        }

    def _conversations_info(self, req: _Request) -> dict[str, Any]:
        channel = self._conversation(req.ws, req.text("channel"))
        return {"channel": self._channel_json(req.ws, channel, req.flag("include_num_members"))}

    def _conversations_join(self, req: _Request) -> dict[str, Any]:
        ws = req.ws
        channel = self._conversation(ws, req.text("channel"))
        if channel.kind != "channel" or channel.is_private:
            raise _SlackError("method_not_supported_for_channel_type")
        if channel.is_archived:
            raise _SlackError("is_archived")
        body: dict[str, Any] = {}
        if ws.bot_user_id in channel.members:
            body.update(warning="already_in_channel", response_metadata={"warnings": ["already_in_channel"]})
        channel.members.add(ws.bot_user_id)
        return {"channel": self._channel_json(ws, channel), **body}

    def _dnd_info(self, req: _Request) -> dict[str, Any]:
        user = self._member(req.ws, req.text("user") or req.ws.bot_user_id)
        dnd = user.dnd
        if dnd is None:
            return {
                "dnd_enabled": False,
                "next_dnd_start_ts": 1,
                "next_dnd_end_ts": 1,
                "snooze_enabled": False,
            }
        body: dict[str, Any] = {
            "dnd_enabled": dnd.enabled,
            "next_dnd_start_ts": dnd.next_start,
            "next_dnd_end_ts": dnd.next_end,
            "snooze_enabled": dnd.snooze_enabled,
        }
        if dnd.snooze_enabled and dnd.snooze_endtime is not None:
            remaining = max(0, dnd.snooze_endtime - int(self._clock()))
            body.update(snooze_endtime=dnd.snooze_endtime, snooze_remaining=remaining)
        return body

    def _views_publish(self, req: _Request) -> dict[str, Any]:
        ws = req.ws
        user = self._member(ws, req.text("user_id"))
        view = _view_param(req, "home")
        current = self._home_views.get(user.id)
        expected = req.text("hash")
        if expected and current is not None and expected != current["hash"]:
            raise _SlackError("hash_conflict")
        stored = self._view_json(ws, view, current["id"] if current else self._new_id("V"))
        self._home_views[user.id] = stored
        return {"view": copy.deepcopy(stored)}

    def _views_open(self, req: _Request) -> dict[str, Any]:
        trigger_id = req.text("trigger_id")
        if not trigger_id:
            raise _SlackError("invalid_trigger_id")
        stored = self._view_json(req.ws, _view_param(req, "modal"), self._new_id("V"))
        self.opened_views.append({"trigger_id": trigger_id, "view": stored})
        return {"view": copy.deepcopy(stored)}

    def _files_get_upload_url(self, req: _Request) -> dict[str, Any]:
        filename = req.text("filename")
        length = req.number("length", None)
        if not filename or length is None or length < 0:
            raise _SlackError("invalid_arguments")
        file_id = self._new_id("F")
        self._files[file_id] = _File(
            file_id,
            req.ws.team_id,
            filename,
            length,
            int(self._clock()),
            alt_txt=req.text("alt_txt"),
            snippet_type=req.text("snippet_type"),
        )
        return {"upload_url": f"{self._origin}{UPLOAD_PREFIX}{file_id}", "file_id": file_id}

    def _files_complete_upload(self, req: _Request) -> dict[str, Any]:
        ws = req.ws
        items = req.json("files", "invalid_arguments")
        if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
            raise _SlackError("invalid_arguments")
        targets = req.id_list("channels")
        channel_id = req.text("channel_id")
        if not targets and channel_id:
            targets = [channel_id]
        channels = [self._postable(ws, target, users_as_dm=True) for target in targets]
        thread_ts = req.text("thread_ts")
        if thread_ts and len(channels) != 1:
            raise _SlackError("invalid_arguments")
        files = []
        for item in items:
            pending = self._files.get(str(item.get("id")))
            if (
                pending is None
                or pending.team_id != ws.team_id
                or pending.content is None
                or pending.completed
            ):
                raise _SlackError("file_not_found")
            files.append((pending, item.get("title")))
        for pending, title in files:
            pending.title = str(title or pending.filename)
            pending.channels = [channel.id for channel in channels]
            pending.completed = True
            self.uploads.append(
                {
                    "id": pending.id,
                    "team_id": ws.team_id,
                    "filename": pending.filename,
                    "title": pending.title,
                    "content": pending.content,
                    "length": pending.length,
                    "channels": list(pending.channels),
                    "channel": pending.channels[0] if pending.channels else None,
                    "initial_comment": req.text("initial_comment"),
                    "thread_ts": thread_ts,
                    "alt_txt": pending.alt_txt,
                    "snippet_type": pending.snippet_type,
                }
            )
        return {"files": [self._file_json(ws, pending) for pending, _ in files]}

    def _files_info(self, req: _Request) -> dict[str, Any]:
        found = self._files.get(req.text("file") or "")
        if found is None or found.team_id != req.ws.team_id or not found.completed:
            raise _SlackError("file_not_found")
        return {
            "file": self._file_json(req.ws, found),
            "comments": [],
            "response_metadata": {"next_cursor": ""},
        }

    def _files_delete(self, req: _Request) -> dict[str, Any]:
        """The bot deletes a file of its workspace; files.info then answers file_not_found."""
        found = self._files.get(req.text("file") or "")
        if found is None or found.team_id != req.ws.team_id or not found.completed:
            raise _SlackError("file_not_found")
        del self._files[found.id]
        return {}

    def _oauth_v2_access(self, req: _Request) -> dict[str, Any]:
        self._check_client(req)
        if req.text("grant_type") == "refresh_token":
            raise _SlackError("invalid_refresh_token")
        code = req.text("code") or ""
        grant = self._codes.get(code)
        if grant is None:
            raise _SlackError("invalid_code")
        if grant.redirect_uri is not None and req.text("redirect_uri") != grant.redirect_uri:
            raise _SlackError("bad_redirect_uri")
        del self._codes[code]  # single use
        ws = self._workspaces[grant.team_id]
        ws.revoked = False
        return {
            "access_token": ws.bot_token,
            "token_type": "bot",
            "scope": BOT_SCOPES,
            "bot_user_id": ws.bot_user_id,
            "app_id": APP_ID,
            "team": {"name": ws.name, "id": ws.team_id},
            "enterprise": None,
            "authed_user": {
                "id": grant.installer or self._installer(ws),
                "scope": "",
                "access_token": None,
                "token_type": None,
            },
            "is_enterprise_install": False,
        }

    # ---- helpers (lock held) ---------------------------------------------------------------------

    def _next_ts(self) -> str:
        """A unique, increasing message ts from the clock: seconds.microseconds."""
        micros = max(int(self._clock() * 1_000_000), self._last_ts + 1)
        self._last_ts = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._counter):09d}"

    def _user(self, user_id: str) -> _User:
        if user_id not in self._users:
            raise KeyError(f"unknown user {user_id}")
        return self._users[user_id]

    def _member(self, ws: _Workspace, user_id: str | None) -> _User:
        """A user of the caller's workspace, or `user_not_found`."""
        user = self._users.get(user_id or "")
        if user is None or user.team_id != ws.team_id:
            raise _SlackError("user_not_found")
        return user

    def _installer(self, ws: _Workspace) -> str:
        humans = [u for u in self._users.values() if u.team_id == ws.team_id and not u.is_bot]
        admins = [u for u in humans if u.is_owner or u.is_admin]
        return (admins or humans)[0].id if humans else "U0INSTALLER"

    def _check_client(self, req: _Request) -> None:
        """Client credentials from HTTP Basic auth or the client_id/client_secret params."""
        client_id, client_secret = req.text("client_id"), req.text("client_secret")
        authorization = req.headers.get("authorization", "")
        if authorization.lower().startswith("basic "):
            with contextlib.suppress(binascii.Error, UnicodeDecodeError, ValueError):
                decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
                client_id, _, client_secret = decoded.partition(":")
        if not client_id or (self.client_id is not None and client_id != self.client_id):
            raise _SlackError("invalid_client_id")
        if not client_secret or (self.client_secret is not None and client_secret != self.client_secret):
            raise _SlackError("bad_client_secret")

    def _open_dm(self, user: _User) -> tuple[_Channel, bool]:
        """The bot's DM with the user: created once, then the same id."""
        for channel in self._channels.values():
            if channel.kind == "im" and channel.im_user == user.id:
                return channel, True
        channel_id = f"D{user.id[1:]}"
        if channel_id in self._channels:
            channel_id = f"D{user.id}"
        ws = self._workspaces[user.team_id]
        channel = _Channel(
            channel_id,
            "",
            int(self._clock()),
            kind="im",
            is_private=True,
            members={user.id, ws.bot_user_id},
            team_id=user.team_id,
            im_user=user.id,
        )
        self._channels[channel_id] = channel
        return channel, False

    def _open_group_dm(self, ws: _Workspace, users: list[_User]) -> tuple[_Channel, bool]:
        members = {user.id for user in users} | {ws.bot_user_id}
        for channel in self._channels.values():
            if channel.kind == "mpim" and channel.members == members:
                return channel, True
        name = "mpdm-" + "--".join(sorted(u.handle for u in users)) + "-1"
        channel = _Channel(
            self._new_id("G"),
            name,
            int(self._clock()),
            kind="mpim",
            is_private=True,
            members=members,
            team_id=ws.team_id,
        )
        self._channels[channel.id] = channel
        return channel, False

    def _conversation(self, ws: _Workspace, raw: str | None, *, users_as_dm: bool = False) -> _Channel:
        """A conversation the bot can see: by id (or `#name`), or a user id as the app DM."""
        raw = (raw or "").strip()
        user = self._users.get(raw)
        if users_as_dm and user is not None and user.team_id == ws.team_id and not user.is_bot:
            return self._open_dm(user)[0]
        channel = self._channels.get(raw)
        if channel is None and raw:
            name = raw.removeprefix("#")
            channel = next(
                (c for c in self._channels.values() if c.kind == "channel" and c.name == name), None
            )
        if channel is None:
            raise _SlackError("channel_not_found")
        if channel.kind != "channel" and channel.team_id != ws.team_id:
            raise _SlackError("channel_not_found")
        if channel.is_private and ws.bot_user_id not in channel.members:
            raise _SlackError("channel_not_found")
        return channel

    def _postable(self, ws: _Workspace, raw: str | None, *, users_as_dm: bool = False) -> _Channel:
        channel = self._conversation(ws, raw, users_as_dm=users_as_dm)
        if channel.is_archived:
            raise _SlackError("is_archived")
        if ws.bot_user_id not in channel.members:
            raise _SlackError("not_in_channel")
        return channel

    def _bot_message(self, ws: _Workspace) -> dict[str, Any]:
        return {
            "type": "message",
            "user": ws.bot_user_id,
            "bot_id": ws.bot_id,
            "app_id": APP_ID,
            "text": "",
            "ts": self._next_ts(),
            "team": ws.team_id,
        }

    def _find_message(self, channel_id: str, ts: str | None) -> dict[str, Any] | None:
        return next((m for m in self._messages.get(channel_id, []) if m["ts"] == ts), None)

    def _own_message(self, ws: _Workspace, channel: _Channel, ts: str | None, error: str) -> dict[str, Any]:
        msg = self._find_message(channel.id, ts)
        if msg is None:
            raise _SlackError("message_not_found")
        if msg.get("bot_id") != ws.bot_id:
            raise _SlackError(error)
        return msg

    def _note_reply(self, channel_id: str, parent_ts: str, reply: dict[str, Any]) -> None:
        parent = self._find_message(channel_id, parent_ts)
        if parent is None or parent is reply:
            return
        parent["thread_ts"] = parent_ts
        parent["reply_count"] = parent.get("reply_count", 0) + 1
        parent["latest_reply"] = reply["ts"]
        users = parent.setdefault("reply_users", [])
        if reply["user"] not in users:
            users.append(reply["user"])

    def _user_json(self, user: _User) -> dict[str, Any]:
        now = self._clock()
        local = datetime.fromtimestamp(now, ZoneInfo(user.tz))
        offset = local.utcoffset()
        real_name = user.name or user.id
        profile: dict[str, Any] = {
            "real_name": real_name,
            "real_name_normalized": real_name,
            "display_name": user.name,
            "display_name_normalized": user.name,
            "status_text": "",
            "status_emoji": "",
            "image_48": f"https://avatars.slack-edge.com/{user.id}_48.png",
            "team": user.team_id,
        }
        if user.is_bot:
            profile["bot_id"] = self._workspaces[user.team_id].bot_id
        return {
            "id": user.id,
            "team_id": user.team_id,
            "name": user.handle,
            "deleted": user.deleted,
            "color": "9f69e7",
            "real_name": real_name,
            "tz": user.tz,
            "tz_label": local.tzname(),
            "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
            "profile": profile,
            "is_admin": user.is_admin,
            "is_owner": user.is_owner,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": user.is_bot,
            "is_app_user": False,
            "updated": int(now),
        }

    def _channel_json(self, ws: _Workspace, channel: _Channel, num_members: bool = False) -> dict[str, Any]:
        if channel.kind == "im":
            user = self._users.get(channel.im_user or "")
            return {
                "id": channel.id,
                "created": channel.created,
                "is_im": True,
                "is_org_shared": False,
                "context_team_id": ws.team_id,
                "user": channel.im_user,
                "is_user_deleted": bool(user and user.deleted),
                "priority": 0,
            }
        body: dict[str, Any] = {
            "id": channel.id,
            "name": channel.name,
            "is_channel": channel.kind == "channel",
            "is_group": False,
            "is_im": False,
            "is_mpim": channel.kind == "mpim",
            "is_private": channel.is_private,
            "created": channel.created,
            "is_archived": channel.is_archived,
            "is_general": False,
            "name_normalized": channel.name,
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "is_member": ws.bot_user_id in channel.members,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
        }
        if num_members:
            body["num_members"] = len(channel.members)
        return body

    def _view_json(self, ws: _Workspace, view: dict[str, Any], view_id: str) -> dict[str, Any]:
        stored = {
            "id": view_id,
            "team_id": ws.team_id,
            "type": view["type"],
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(self._clock())}.{next(self._counter):08d}",
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "root_view_id": view_id,
            "previous_view_id": None,
            "app_id": APP_ID,
            "external_id": view.get("external_id", ""),
            "app_installed_team_id": ws.team_id,
            "bot_id": ws.bot_id,
        }
        for key in ("title", "close", "submit"):
            if key in view:
                stored[key] = view[key]
        return stored

    def _file_json(self, ws: _Workspace, stored: _File) -> dict[str, Any]:
        name = quote(stored.filename)
        mimetype = mimetypes.guess_type(stored.filename)[0] or "application/octet-stream"
        filetype = stored.filename.rsplit(".", 1)[-1].lower() if "." in stored.filename else "binary"
        kinds = {cid: self._channels[cid] for cid in stored.channels if cid in self._channels}
        return {
            "id": stored.id,
            "created": stored.created,
            "timestamp": stored.created,
            "name": stored.filename,
            "title": stored.title,
            "mimetype": mimetype,
            "filetype": filetype,
            "pretty_type": filetype.upper(),
            "user": stored.user or ws.bot_user_id,
            "user_team": ws.team_id,
            "editable": False,
            "size": len(stored.content or b""),
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": any(c.kind == "channel" and not c.is_private for c in kinds.values()),
            "public_url_shared": False,
            "display_as_bot": False,
            "username": "",
            "url_private": f"https://files.slack.com/files-pri/{ws.team_id}-{stored.id}/{name}",
            "url_private_download": f"{self._origin}{DOWNLOAD_PREFIX}{ws.team_id}-{stored.id}/download/{name}",  # noqa: E501
            "permalink": f"https://{ws.domain}.slack.com/files/{ws.bot_user_id}/{stored.id}/{name}",
            "permalink_public": f"https://slack-files.com/{ws.team_id}-{stored.id}-0000000000",
            "comments_count": 0,
            "is_starred": False,
            "shares": {},
            "channels": [cid for cid, c in kinds.items() if c.kind == "channel" and not c.is_private],
            "groups": [cid for cid, c in kinds.items() if c.kind != "im" and c.is_private],
            "ims": [cid for cid, c in kinds.items() if c.kind == "im"],
            "has_more_shares": False,
            "has_rich_preview": False,
            "file_access": "visible",
            **({"alt_txt": stored.alt_txt} if stored.alt_txt else {}),
        }


# ---- method table -----------------------------------------------------------------------------------

_METHODS: dict[str, Handler] = {
    "auth.test": FakeSlack._auth_test,
    "auth.revoke": FakeSlack._auth_revoke,
    "apps.uninstall": FakeSlack._apps_uninstall,
    "users.info": FakeSlack._users_info,
    "chat.postMessage": FakeSlack._chat_post_message,
    "chat.postEphemeral": FakeSlack._chat_post_ephemeral,
    "chat.update": FakeSlack._chat_update,
    "chat.delete": FakeSlack._chat_delete,
    "chat.getPermalink": FakeSlack._chat_get_permalink,
    "conversations.open": FakeSlack._conversations_open,
    "conversations.history": FakeSlack._conversations_history,
    "conversations.info": FakeSlack._conversations_info,
    "conversations.join": FakeSlack._conversations_join,
    "dnd.info": FakeSlack._dnd_info,
    "views.publish": FakeSlack._views_publish,
    "views.open": FakeSlack._views_open,
    "files.getUploadURLExternal": FakeSlack._files_get_upload_url,
    "files.completeUploadExternal": FakeSlack._files_complete_upload,
    "files.info": FakeSlack._files_info,
    "files.delete": FakeSlack._files_delete,
    "oauth.v2.access": FakeSlack._oauth_v2_access,
}
_CLIENT_AUTH = frozenset({"oauth.v2.access"})  # client credentials, no token
_RATE_LIMITED = frozenset({"chat.postMessage", "chat.postEphemeral"})


# ---- pure helpers -----------------------------------------------------------------------------------


def _parse_params(query: str, content_type: str, raw: bytes) -> tuple[dict[str, Any], str | None]:
    """Query and body params merged (body wins), and the error Slack gives a malformed body."""
    params: dict[str, Any] = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    kind = content_type.split(";")[0].strip().lower()
    if not raw:
        return params, None
    if kind == "application/json":
        try:
            data = json.loads(raw)
        except ValueError:
            return params, "invalid_json"
        if not isinstance(data, dict):
            return params, "invalid_json"
        params.update(data)
    elif kind == "multipart/form-data":
        params.update(_parse_multipart(content_type, raw))
    else:
        try:
            form = parse_qs(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            return params, "invalid_form_data"
        params.update({k: v[-1] for k, v in form.items()})
    return params, None


def _parse_multipart(content_type: str, raw: bytes) -> dict[str, Any]:
    """Fields of a multipart/form-data body: str values, bytes for file parts."""
    message = BytesParser(policy=policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + raw
    )
    fields: dict[str, Any] = {}
    for part in message.iter_parts():  # type: ignore[attr-defined]
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        fields[str(name)] = payload if part.get_filename() else payload.decode("utf-8", "replace")
    return fields


def _token(headers: dict[str, str], params: dict[str, Any]) -> str | None:
    authorization = headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        return authorization[7:].strip() or None
    token = params.get("token")
    return str(token) if token else None


def _content(req: _Request, *, required: bool) -> dict[str, Any]:
    """text / blocks / attachments as given (blocks parsed from JSON strings); `no_text` if none."""
    content: dict[str, Any] = {}
    text = req.text("text")
    if text is not None:
        if len(text) > MAX_TEXT:
            raise _SlackError("msg_too_long")
        content["text"] = text
    blocks = req.json("blocks", "invalid_blocks_format")
    if blocks is not None:
        if not isinstance(blocks, list):
            raise _SlackError("invalid_blocks_format")
        if len(blocks) > MAX_BLOCKS or not all(isinstance(b, dict) and b.get("type") for b in blocks):
            raise _SlackError("invalid_blocks")
        if blocks:
            content["blocks"] = blocks
    attachments = req.json("attachments", "invalid_attachments")
    if attachments:
        if not isinstance(attachments, list):
            raise _SlackError("invalid_attachments")
        content["attachments"] = attachments
    if required:
        if not (content.get("text") or content.get("blocks") or content.get("attachments")):
            raise _SlackError("no_text")
        content.setdefault("text", "")
    return content


def _metadata(req: _Request) -> dict[str, Any] | None:
    """Message metadata `{event_type, event_payload}` from a JSON string or an object."""
    metadata = req.json("metadata", "invalid_metadata_format")
    if metadata is None:
        return None
    if (
        not isinstance(metadata, dict)
        or not isinstance(metadata.get("event_type"), str)
        or not metadata["event_type"]
        or not isinstance(metadata.get("event_payload", {}), dict)
    ):
        raise _SlackError("invalid_metadata_schema")
    return {"event_type": metadata["event_type"], "event_payload": metadata.get("event_payload", {})}


def _view_param(req: _Request, kind: str) -> dict[str, Any]:
    view = req.json("view", "invalid_arguments")
    problem = None
    if not isinstance(view, dict) or view.get("type") != kind:
        problem = f"[ERROR] must be a {kind} view [json-pointer:/view/type]"
    elif kind == "modal" and not view.get("title"):
        problem = "[ERROR] missing required field: title [json-pointer:/view]"
    elif not isinstance(view.get("blocks", []), list) or len(view.get("blocks", [])) > MAX_VIEW_BLOCKS:
        problem = "[ERROR] invalid blocks [json-pointer:/view/blocks]"
    if problem is not None:
        raise _SlackError("invalid_arguments", response_metadata={"messages": [problem]})
    assert isinstance(view, dict)
    return view


def _ts_param(req: _Request, name: str, error: str) -> Decimal | None:
    raw = req.text(name)
    if raw is None or raw == "":
        return None
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise _SlackError(error) from None


def _encode_cursor(ts: str) -> str:
    return base64.b64encode(f"next_ts:{ts}".encode()).decode()


def _decode_cursor(cursor: str | None) -> Decimal | None:
    """The ts a conversations.history cursor continues at (inclusive), or `invalid_cursor`."""
    if not cursor:
        return None
    try:
        prefix, _, ts = base64.b64decode(cursor, validate=True).decode().partition(":")
        if prefix != "next_ts":
            raise ValueError(cursor)
        return Decimal(ts)
    except (ValueError, binascii.Error, UnicodeDecodeError, InvalidOperation):
        raise _SlackError("invalid_cursor") from None


def _is_in(channel: _Channel, user_id: str) -> bool:
    return channel.im_user == user_id if channel.kind == "im" else user_id in channel.members
