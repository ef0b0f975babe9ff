"""X's OAuth 2.0 endpoints for the fake X (tests/fakes/x_server.py): the authorization page a
browser sees, the token exchange (PKCE S256 checked, client authentication checked, codes single-use),
`GET /2/users/me` with a user token, and revocation, each request recorded with its parsed form.

    fake.oauth.register(client_id="cid", client_secret=None, redirect_uri="https://plume/x/callback")
    fake.oauth.sign_in_as(1)      # the X user who approves at the authorization page
    fake.oauth.deny()             # the next approval is a refusal: error=access_denied
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.fakes.loopback import LoopbackHandler

AUTHORIZE_PATH = "/i/oauth2/authorize"
TOKEN_PATH, REVOKE_PATH, ME_PATH = "/2/oauth2/token", "/2/oauth2/revoke", "/2/users/me"
PATHS = (AUTHORIZE_PATH, TOKEN_PATH, REVOKE_PATH, ME_PATH)
KNOWN_SCOPES = {"users.read", "tweet.read", "offline.access", "follows.read", "like.read"}


@dataclass
class _Reply:
    status: int
    body: dict[str, Any] | str
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


@dataclass
class OAuthRecord:
    """One OAuth request: path, parsed query or form, and how the client authenticated."""

    path: str
    params: dict[str, str]
    client_auth: str  # "basic:<client id>", "body", or "none"
    status: int = 0


def _error(status: int, error: str, description: str) -> _Reply:
    return _Reply(status, {"error": error, "error_description": description})


def s256(verifier: str) -> str:
    """The S256 code challenge of a verifier (RFC 7636)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


class XOAuth:
    """State of the fake's OAuth: the registered client, codes, user tokens, revocations."""

    def __init__(self, fake: Any) -> None:
        self.fake = fake  # FakeX: its users and its lock
        self.client_id, self.client_secret, self.redirect_uri = "plume-client", None, ""
        self.signer: int | None = None
        self.denying = False
        self.records: list[OAuthRecord] = []
        self.codes: dict[str, dict[str, Any]] = {}  # code -> authorization and whether it was used
        self.tokens: dict[str, int] = {}  # live user token -> X user id
        self.revoked: list[str] = []

    def register(self, *, client_id: str, client_secret: str | None, redirect_uri: str) -> None:
        """The X app Plume is configured with."""
        self.client_id, self.client_secret, self.redirect_uri = client_id, client_secret, redirect_uri

    def sign_in_as(self, user_id: int) -> None:
        """Whoever opens the authorization page next approves as this X user."""
        self.signer, self.denying = user_id, False

    def deny(self) -> None:
        """The next approvals are refusals (the person pressed Cancel on X)."""
        self.denying = True

    def issued(self) -> list[str]:
        """Every user token handed out so far, live or revoked."""
        return [*self.tokens, *self.revoked]

    def handle(self, handler: LoopbackHandler, path: str, query: str) -> None:
        """Answer one request on an OAuth path."""
        form = parse_qs(handler.read_body().decode("utf-8", "replace")) if handler.command == "POST" else {}
        params = {k: v[0] for k, v in (form or parse_qs(query, keep_blank_values=True)).items()}
        record = OAuthRecord(path, params, self._client_auth(handler.headers.get("Authorization"), params))
        with self.fake._lock:
            self.records.append(record)
            reply = self._reply(handler, record)
            record.status = reply.status
        handler.send(reply)

    def _client_auth(self, header: str | None, params: dict[str, str]) -> str:
        if header and header.startswith("Basic "):
            client, _, secret = base64.b64decode(header[6:]).decode("utf-8", "replace").partition(":")
            return f"basic:{client}" if secret == self.client_secret else "basic:wrong-secret"
        return "body" if "client_id" in params else "none"

    def _client_ok(self, record: OAuthRecord) -> bool:
        """A confidential client authenticates with Basic; a public one names itself in the body."""
        if self.client_secret is not None:
            return record.client_auth == f"basic:{self.client_id}"
        return record.client_auth == "body" and record.params.get("client_id") == self.client_id

    def _reply(self, handler: LoopbackHandler, record: OAuthRecord) -> _Reply:
        if record.path == AUTHORIZE_PATH and handler.command == "GET":
            return self._authorize(record.params)
        if record.path == TOKEN_PATH and handler.command == "POST":
            return self._token(record)
        if record.path == REVOKE_PATH and handler.command == "POST":
            if not self._client_ok(record):
                return _error(401, "unauthorized_client", "Missing valid authorization header")
            token = record.params.get("token", "")
            if self.tokens.pop(token, None) is not None:
                self.revoked.append(token)
            return _Reply(200, {"revoked": True})
        if record.path == ME_PATH and handler.command == "GET":
            return self._me(handler.headers.get("Authorization") or "")
        return _Reply(404, {"title": "Not Found Error", "status": 404})

    def _authorize(self, p: dict[str, str]) -> _Reply:
        """X's consent page, approved at once: a 302 back to the app with a code (or an error)."""
        scopes = set(p.get("scope", "").split())
        problems = [
            p.get("response_type") != "code",
            p.get("client_id") != self.client_id,
            p.get("redirect_uri") != self.redirect_uri,
            not scopes or not scopes <= KNOWN_SCOPES,
            p.get("code_challenge_method") != "S256",
            not p.get("code_challenge"),
            not p.get("state"),
        ]
        if any(problems):
            return _Reply(400, "You weren't able to give access to the App.", {}, "text/html")
        if self.denying or self.signer is None:
            answer = {"error": "access_denied", "state": p["state"]}
        else:
            code = secrets.token_urlsafe(24)
            self.codes[code] = {"user": self.signer, "used": False, **p}
            answer = {"state": p["state"], "code": code}
        return _Reply(302, "", {"Location": f"{p['redirect_uri']}?{urlencode(answer)}"}, "text/html")

    def _token(self, record: OAuthRecord) -> _Reply:
        """The code grant: client authentication, a known unused code, same redirect_uri, PKCE."""
        p = record.params
        if not self._client_ok(record):
            return _error(401, "unauthorized_client", "Missing valid authorization header")
        grant = self.codes.get(p.get("code", ""))
        if p.get("grant_type") != "authorization_code" or grant is None or grant["used"]:
            return _error(400, "invalid_grant", "Value passed for the authorization code was invalid.")
        grant["used"] = True  # a code is good for one try, whatever happens to it
        pkce_ok = s256(p.get("code_verifier", "")) == grant["code_challenge"]
        if p.get("redirect_uri") != grant["redirect_uri"] or not pkce_ok:
            return _error(400, "invalid_request", "Value passed for the code_verifier was invalid.")
        token = secrets.token_urlsafe(32)
        self.tokens[token] = grant["user"]
        body = {"token_type": "bearer", "expires_in": 7200, "access_token": token, "scope": grant["scope"]}
        return _Reply(200, body)

    def _me(self, authorization: str) -> _Reply:
        user_id = self.tokens.get(authorization.removeprefix("Bearer "))
        user = self.fake._users.get(user_id) if user_id is not None else None
        if user is None:
            return _Reply(401, {"title": "Unauthorized", "type": "about:blank", "status": 401})
        return _Reply(200, {"data": {"id": str(user.id), "name": user.username, "username": user.username}})


def oauth_path(raw_path: str) -> tuple[str, str] | None:
    """(path, query) when a request is for one of the OAuth endpoints, else None."""
    split = urlsplit(raw_path)
    return (split.path, split.query) if split.path in PATHS else None
