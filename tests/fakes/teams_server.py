"""A fake Bot Framework for Teams on loopback: the signing keys of inbound activities and the Bot
Connector the bot calls, answering like Teams.

`FakeTeams` serves, on 127.0.0.1 (a free port, a daemon thread: the SDK fetches the keys synchronously
inside its event loop, so they must come from another thread):

- `GET /v1/.well-known/openidconfiguration` and `GET /v1/.well-known/keys` (one RSA key, with `kid`):
  point TEAMS_OPENID_METADATA_URL at `openid_metadata_url`; `activity_token(...)` signs inbound JWTs;
- the Bot Connector, with `url` as the service URL: `POST /v3/conversations` (a 1:1, the same id for
  the same member and tenant), `POST /v3/conversations/{id}/activities`, `PUT`/`DELETE
  …/activities/{activityId}`, `GET /v3/conversations/{id}/members[/{userId}]`.

Like Teams, every connector call needs `Authorization: Bearer <token>` issued by the fake login
(`tests.fakes.teams_login.FakeLogin`, reached by MSAL through `tests.fakes.login_proxy.LoginProxy`),
else 401; errors are `{"error": {"code", "message"}}`; a body over 28 KB is 413 `MessageSizeTooBig`;
a conversation the bot is not in is 403 `BotNotInConversationRoster` (`refuse`), an unknown one 404
`ConversationNotFound`. `set_rate_limit(per_second=7)` answers 429 with `Retry-After` beyond that many
sends (POST/PUT of activities) per conversation in any second; `inject` queues answers (429, 5xx, a
dropped connection) for a conversation's next sends; `hold_answers` stores sends at once but answers
them late (for a client killed in between).

Observation: `calls` (every request: method, path, parsed JSON body, bearer token, status),
`activities(conversation)` (current state, updates applied), `created` (bodies of 1:1 creations).

`TeamsCloud` starts the three (connector, login, proxy with its test CA) and gives the environment
and settings a test needs: `cloud.env()`, `cloud.settings_env()`.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Self
from urllib.parse import unquote, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.fakes.login_proxy import LoginProxy, Reply, TestCA
from tests.fakes.loopback import LoopbackHandler, LoopbackServer, Served
from tests.fakes.teams_login import HOST as LOGIN_HOST
from tests.fakes.teams_login import MULTI_TENANT, FakeLogin

APP_ID = "00000000-0000-0000-0000-00000000b0b1"
APP_PASSWORD = "fake-teams-secret"
TENANT = "11111111-1111-1111-1111-111111111111"
KID = "plume-test-key"
ISSUER = "https://api.botframework.com"
MAX_ACTIVITY_BYTES = 28 * 1024  # Teams refuses a message over about 28 KB
UNAUTHORIZED = {"message": "Authorization has been denied for this request."}
ROSTER = "BotNotInConversationRoster"
NOT_FOUND = "ConversationNotFound"


@lru_cache(maxsize=1)
def test_key() -> rsa.RSAPrivateKey:
    """The process's RSA signing key (2048 bits take a while to make: once)."""
    return new_key()


test_key.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def new_key() -> rsa.RSAPrivateKey:
    """Another RSA key (for tokens the fake's keys do not verify)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwk_of(key: rsa.RSAPrivateKey, kid: str = KID) -> dict[str, Any]:
    """The public JWK of `key`, as Bot Framework publishes its keys."""
    jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {**jwk, "kid": kid, "use": "sig", "alg": "RS256", "endorsements": ["msteams"]}


def activity_token(
    app_id: str,
    service_url: str,
    *,
    key: rsa.RSAPrivateKey | None = None,
    aud: str | None = None,
    iss: str = ISSUER,
    exp_in: int = 600,
    kid: str = KID,
    now: float | None = None,
) -> str:
    """An inbound activity's JWT as Bot Framework signs it (RS256); every part can be made wrong."""
    issued = int(time.time() if now is None else now)
    claims = {
        "iss": iss,
        "aud": app_id if aud is None else aud,
        "serviceurl": service_url,
        "nbf": issued - 5,
        "iat": issued - 5,
        "exp": issued + exp_in,
    }
    return jwt.encode(claims, key or test_key(), algorithm="RS256", headers={"kid": kid})


@dataclass
class TeamsCall:
    """One request as the fake saw it; `status` is what it answered (0: dropped, or not yet)."""

    method: str
    path: str
    body: Any
    token: str | None
    headers: dict[str, str]
    at: float
    status: int = 0
    response: Any = None


@dataclass
class Member:
    """Someone in a tenant's roster."""

    aad_object_id: str
    name: str
    tenant: str
    email: str
    upn: str

    @property
    def id(self) -> str:
        """Their id in Bot Framework conversations (`29:…`)."""
        return "29:1" + hashlib.sha256(self.aad_object_id.encode()).hexdigest()[:40]

    def account(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "aadObjectId": self.aad_object_id,
            "email": self.email,
            "userPrincipalName": self.upn,
            "tenantId": self.tenant,
            "userRole": "user",
        }


@dataclass
class _Conversation:
    id: str
    tenant: str
    kind: str  # "channel" or "personal"
    member: str | None = None  # the person of a 1:1 (aadObjectId)
    activities: list[dict[str, Any]] = field(default_factory=list)


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, {"error": {"code": code, "message": message}}, headers or {})


@dataclass
class _Fault:
    remaining: int
    status: int | None  # None drops the connection
    headers: dict[str, str]
    body: Any

    def reply(self) -> Reply:
        if self.status is None:
            return Reply(0, None, drop=True)
        body = self.body
        if body is None:
            code = {429: "TooManyRequests", 500: "InternalServerError", 502: "BadGateway"}
            body = {"error": {"code": code.get(self.status, "ServiceError"), "message": "injected"}}
        return Reply(self.status, body, dict(self.headers))


class FakeTeams(Served):
    """The keys and the Bot Connector; `login` decides which bearer tokens are good."""

    thread_name = "fake-teams"

    def __init__(
        self,
        login: FakeLogin,
        *,
        tenant: str = TENANT,
        key: rsa.RSAPrivateKey | None = None,
        kid: str = KID,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.login, self.tenant, self.kid = login, tenant, kid
        self.key = key or test_key()
        self.calls: list[TeamsCall] = []
        self.created: list[dict[str, Any]] = []  # bodies of POST /v3/conversations that were answered 200
        self._clock = clock
        self._members: dict[str, Member] = {}  # by aadObjectId
        self._conversations: dict[str, _Conversation] = {}
        self._refused: dict[str, str] = {}  # conversation -> error code
        self._faults: dict[str, deque[_Fault]] = {}
        self._per_second: int | None = None
        self._files: dict[str, bytes] = {}
        self._late: dict[str, float] = {}
        self._sends: dict[str, deque[float]] = {}
        self._ids = itertools.count(1_733_300_000_000)
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._server: LoopbackServer | None = None
        self._thread: threading.Thread | None = None

    # ---- where it is ----------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """`http://127.0.0.1:<port>`: the service URL of the tenant's activities."""
        if self._server is None:
            raise RuntimeError("FakeTeams is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def openid_metadata_url(self) -> str:
        """For TEAMS_OPENID_METADATA_URL (the SDK derives the keys' URL from it)."""
        return f"{self.url}/v1/.well-known/openidconfiguration"

    def activity_token(self, app_id: str | None = None, service_url: str | None = None, **kwargs: Any) -> str:
        """An inbound JWT signed with this fake's key (see the module's `activity_token`)."""
        kwargs.setdefault("key", self.key)
        kwargs.setdefault("kid", self.kid)
        return activity_token(app_id or self.login.app_id, service_url or self.url, **kwargs)

    # ---- what a test sets up --------------------------------------------------------------------------

    def add_member(
        self,
        aad_object_id: str,
        name: str,
        *,
        tenant: str | None = None,
        email: str | None = None,
        upn: str | None = None,
    ) -> Member:
        """Someone in a tenant (this fake's by default) whom the bot can reach."""
        handle = name.lower().replace(" ", ".")
        member = Member(
            aad_object_id,
            name,
            tenant or self.tenant,
            email or f"{handle}@example.com",
            upn or f"{handle}@example.com",
        )
        with self._lock:
            self._members[aad_object_id] = member
        return member

    def add_channel(self, conversation_id: str, *, tenant: str | None = None) -> None:
        """A team channel the bot is installed in."""
        with self._lock:
            self._conversations[conversation_id] = _Conversation(
                conversation_id, tenant or self.tenant, "channel"
            )

    def personal_id(self, aad_object_id: str, tenant: str | None = None) -> str:
        """The id Teams gives the bot's 1:1 with this person (stable, like Teams)."""
        digest = hashlib.sha256(f"{tenant or self.tenant}|{aad_object_id}".encode()).hexdigest()
        return f"a:1{digest[:48]}"

    def open_personal(self, aad_object_id: str, tenant: str | None = None) -> str:
        """The 1:1 a person opens by writing to the bot (they must be a member): its id."""
        tenant = tenant or self.tenant
        conversation_id = self.personal_id(aad_object_id, tenant)
        with self._lock:
            self._conversations.setdefault(
                conversation_id, _Conversation(conversation_id, tenant, "personal", aad_object_id)
            )
        return conversation_id

    def add_file(self, name: str, content: bytes) -> dict[str, Any]:
        """A file a person sends the bot in their 1:1: the attachment Teams puts on the message (its
        download URL is pre-authorised: no token needed, like Teams' short-lived one)."""
        file_id = hashlib.sha256(content + name.encode()).hexdigest()[:16]
        with self._lock:
            self._files[file_id] = content
        return {
            "contentType": "application/vnd.microsoft.teams.file.download.info",
            "name": name,
            "contentUrl": f"https://contoso.sharepoint.com/personal/{file_id}/{name}",
            "content": {"downloadUrl": f"{self.url}/files/{file_id}", "uniqueId": file_id, "fileType": "zip"},
        }

    def refuse(self, conversation_id: str, code: str = ROSTER) -> None:
        """From now on the conversation refuses the bot: 403 BotNotInConversationRoster, or 404 with
        `code=ConversationNotFound`."""
        with self._lock:
            self._refused[conversation_id] = code

    def inject(
        self,
        conversation_id: str,
        status: int | None,
        *,
        times: int = 1,
        headers: dict[str, str] | None = None,
        body: Any = None,
    ) -> None:
        """The conversation's next `times` sends (POST/PUT of activities) get this answer and change
        nothing; `status=None` drops the connection without an answer."""
        with self._lock:
            self._faults.setdefault(conversation_id, deque()).append(
                _Fault(times, status, dict(headers or {}), body)
            )

    def rate_limit(self, conversation_id: str, retry_after: float = 1, *, times: int = 1) -> None:
        """The conversation's next `times` sends get 429 with this Retry-After."""
        self.inject(conversation_id, 429, times=times, headers={"Retry-After": f"{retry_after:g}"})

    def hold_answers(self, conversation_id: str, seconds: float) -> None:
        """Sends to the conversation are stored at once but answered `seconds` later: a client killed
        meanwhile never learns that its message arrived."""
        with self._lock:
            self._late[conversation_id] = seconds

    def set_rate_limit(self, per_second: int | None = 7) -> None:
        """At most `per_second` sends per conversation in any second (429, Retry-After: 1, beyond it)."""
        with self._lock:
            self._per_second = per_second

    # ---- what a test reads ---------------------------------------------------------------------------

    def activities(self, conversation_id: str) -> list[dict[str, Any]]:
        """The bot's messages now in a conversation, oldest first (updates applied, deletions gone)."""
        with self._lock:
            conversation = self._conversations.get(conversation_id)
            return copy.deepcopy(conversation.activities) if conversation else []

    def calls_to(self, method: str, path_part: str = "") -> list[TeamsCall]:
        """Calls with this HTTP method whose path contains `path_part`."""
        with self._lock:
            return [c for c in self.calls if c.method == method and path_part in c.path]

    def sends(self, conversation_id: str) -> list[TeamsCall]:
        """Every POST and PUT of an activity to the conversation, refused ones too."""
        prefix = f"/v3/conversations/{conversation_id}/activities"
        with self._lock:
            return [c for c in self.calls if c.method in ("POST", "PUT") and c.path.startswith(prefix)]

    # ---- serving -----------------------------------------------------------------------------------

    def _handle(self, handler: LoopbackHandler) -> None:
        split = urlsplit(handler.path)
        raw = handler.read_body()
        headers = {name.lower(): value for name, value in handler.headers.items()}
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode("utf-8", "replace")
        auth = headers.get("authorization", "")
        token = auth[len("Bearer ") :] if auth.startswith("Bearer ") else None
        call = TeamsCall(handler.command, unquote(split.path), body, token, headers, self._clock())
        with self._lock:
            self.calls.append(call)
            try:
                reply = self._reply(call, len(raw))
            except Exception as exc:  # a bug in the fake: say so instead of dropping the connection
                reply = _error(500, "FakeException", repr(exc))
            call.status = 0 if reply.drop else reply.status
            call.response = None if reply.drop else reply.body
            late = self._late.get(_conversation_of(call.path), 0.0) if call.method in ("POST", "PUT") else 0.0
        if late:
            time.sleep(late)
        if reply.drop:
            handler.drop()
        else:
            handler.send(reply)

    def _reply(self, call: TeamsCall, size: int) -> Reply:
        """The answer (lock held)."""
        if call.method == "GET" and call.path == "/v1/.well-known/keys":
            return Reply(200, {"keys": [jwk_of(self.key, self.kid)]})
        if call.method == "GET" and call.path == "/v1/.well-known/openidconfiguration":
            return Reply(200, self._openid_configuration())
        if call.method == "GET" and call.path.startswith("/files/"):
            content = self._files.get(call.path.removeprefix("/files/"))
            if content is None:
                return _error(404, "NotFound", "no such file")
            return Reply(200, content, content_type="application/octet-stream")
        if not call.path.startswith("/v3/conversations"):
            return _error(404, "NotFound", f"no route {call.method} {call.path}")
        if not self.login.accepts(call.token):
            return Reply(401, UNAUTHORIZED)
        parts = call.path.strip("/").split("/")[2:]  # after v3/conversations
        if not parts:
            return self._create(call) if call.method == "POST" else _error(405, "BadArgument", "POST only")
        conversation_id, rest = parts[0], parts[1:]
        if rest[:1] == ["members"] and call.method == "GET":
            return self._members_of(conversation_id, rest[1] if len(rest) > 1 else None)
        if rest[:1] == ["activities"] and len(rest) <= 2:
            return self._activity(call, conversation_id, rest[1] if len(rest) == 2 else None, size)
        return _error(404, "NotFound", f"no route {call.method} {call.path}")

    def _openid_configuration(self) -> dict[str, Any]:
        return {
            "issuer": ISSUER,
            "authorization_endpoint": "https://invalid.botframework.com",
            "jwks_uri": f"{self.url}/v1/.well-known/keys",
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        }

    def _create(self, call: TeamsCall) -> Reply:
        body = call.body if isinstance(call.body, dict) else {}
        members = body.get("members") or []
        tenant = body.get("tenantId") or (body.get("channelData") or {}).get("tenant", {}).get("id")
        if not tenant:
            return _error(400, "BadArgument", "tenantId is required to create a conversation")
        if body.get("isGroup") or len(members) != 1:
            return _error(400, "BadArgument", "a bot creates 1:1 conversations with exactly one member")
        wanted = str(members[0].get("id", ""))
        member = self._members.get(wanted) or next(
            (m for m in self._members.values() if m.id == wanted), None
        )
        if member is None or member.tenant != tenant:
            return _error(403, "Forbidden", "The bot is not installed for this user in this tenant")
        conversation_id = self.personal_id(member.aad_object_id, tenant)
        if conversation_id in self._refused:
            return _error(
                403, self._refused[conversation_id], "The bot is not part of the conversation roster."
            )
        self._conversations.setdefault(
            conversation_id, _Conversation(conversation_id, tenant, "personal", member.aad_object_id)
        )
        self.created.append(copy.deepcopy(body))
        return Reply(201, {"id": conversation_id})

    def _members_of(self, conversation_id: str, user_id: str | None) -> Reply:
        conversation = self._conversations.get(conversation_id)
        if conversation is None:
            return _error(404, NOT_FOUND, "Conversation not found.")
        if conversation.kind == "personal":
            people = [self._members[conversation.member]] if conversation.member else []
        else:
            people = [m for m in self._members.values() if m.tenant == conversation.tenant]
        if user_id is None:
            return Reply(200, [m.account() for m in people])
        found = next((m for m in people if user_id in (m.id, m.aad_object_id)), None)
        if found is None:
            return _error(404, "MemberNotFoundInConversation", "The member is not in the conversation.")
        return Reply(200, found.account())

    def _activity(self, call: TeamsCall, conversation_id: str, activity_id: str | None, size: int) -> Reply:
        # `19:…@thread.tacv2;messageid=N` is a thread of the channel: a reply there lands in the channel.
        conversation_id = conversation_id.split(";", 1)[0]
        conversation = self._conversations.get(conversation_id)
        if conversation_id in self._refused:
            code = self._refused[conversation_id]
            return _error(404 if code == NOT_FOUND else 403, code, "The bot cannot post here.")
        if conversation is None:
            return _error(404, NOT_FOUND, "Conversation not found.")
        if call.method == "DELETE" and activity_id:
            kept = [a for a in conversation.activities if a["id"] != activity_id]
            if len(kept) == len(conversation.activities):
                return _error(404, "ActivityNotFound", "Activity not found.")
            conversation.activities = kept
            return Reply(200, {})
        if call.method not in ("POST", "PUT") or (call.method == "PUT") != bool(activity_id):
            return _error(405, "BadArgument", f"{call.method} is not allowed here")
        refused = self._admit(conversation_id, size)
        if refused is not None:
            return refused
        if not isinstance(call.body, dict) or call.body.get("type") != "message":
            return _error(400, "BadArgument", "the activity must be a JSON object of type message")
        return self._store(conversation, activity_id, call.body)

    def _admit(self, conversation_id: str, size: int) -> Reply | None:
        """A queued fault, the size limit, the rate limit: a refusal, or None to go on."""
        faults = self._faults.get(conversation_id)
        if faults:
            fault = faults[0]
            fault.remaining -= 1
            if fault.remaining <= 0:
                faults.popleft()
            return fault.reply()
        if size > MAX_ACTIVITY_BYTES:
            return _error(413, "MessageSizeTooBig", f"Message size too big ({size} bytes).")
        if self._per_second is not None:
            now = self._clock()
            window = self._sends.setdefault(conversation_id, deque())
            while window and window[0] <= now - 1.0:
                window.popleft()
            if len(window) >= self._per_second:
                return _error(429, "TooManyRequests", "Too many requests.", {"Retry-After": "1"})
            window.append(now)
        return None

    def _store(self, conversation: _Conversation, activity_id: str | None, body: dict[str, Any]) -> Reply:
        if activity_id is None:
            stored = {**copy.deepcopy(body), "id": str(next(self._ids))}
            conversation.activities.append(stored)
            return Reply(201, {"id": stored["id"]})
        for index, existing in enumerate(conversation.activities):
            if existing["id"] == activity_id:
                conversation.activities[index] = {**copy.deepcopy(body), "id": activity_id}
                return Reply(200, {"id": activity_id})
        return _error(404, "ActivityNotFound", "Activity not found.")


def _conversation_of(path: str) -> str:
    """The conversation id of a `/v3/conversations/{id}/…` path ("" for others)."""
    parts = path.strip("/").split("/")
    return parts[2] if len(parts) > 2 and parts[:2] == ["v3", "conversations"] else ""


class TeamsCloud:
    """The fake login (behind the intercepting proxy, with its test CA) and the fake Bot Framework,
    started and stopped together."""

    def __init__(
        self, *, tenant: str = TENANT, app_id: str = APP_ID, app_password: str = APP_PASSWORD
    ) -> None:
        self.tenant = tenant
        self.login = FakeLogin(app_id, app_password, (MULTI_TENANT, tenant))
        self.ca = TestCA()
        self.proxy = LoginProxy(self.ca, {LOGIN_HOST: self.login})
        self.teams = FakeTeams(self.login, tenant=tenant)

    def start(self) -> Self:
        self.proxy.start()
        self.teams.start()
        return self

    def stop(self) -> None:
        self.teams.stop()
        self.proxy.stop()
        self.ca.close()

    def env(self) -> dict[str, str]:
        """What the process's environment needs: egress through the proxy (loopback direct), trust
        in the test CA."""
        ca = str(self.ca.pem_path)
        return {
            "HTTPS_PROXY": self.proxy.url,
            "https_proxy": self.proxy.url,
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
            "REQUESTS_CA_BUNDLE": ca,
            "SSL_CERT_FILE": ca,
        }

    def settings_env(self, *, single_tenant: bool = False) -> dict[str, str]:
        """TEAMS_* settings for a bot served by these fakes (the login URL stays Microsoft's)."""
        values = {
            "TEAMS_APP_ID": self.login.app_id,
            "TEAMS_APP_PASSWORD": self.login.app_password,
            "TEAMS_OPENID_METADATA_URL": self.teams.openid_metadata_url,
        }
        if single_tenant:
            values["TEAMS_TENANT_ID"] = self.tenant
        return values

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
