"""Sign in with X: OAuth 2.0 Authorization Code with PKCE (S256), on requests-oauthlib.

Plume reads public posts with its app token. A person's user token serves one call (`GET
/2/users/me`: who signed in) and is revoked at once: none is kept, none is logged (requests-oauthlib
logs tokens at DEBUG; bot.logs keeps its logger at WARNING). oauthlib refuses plain-http endpoints
unless OAUTHLIB_INSECURE_TRANSPORT is set, which only the tests on loopback do.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from urllib.parse import urlencode

import requests
from oauthlib.oauth2 import OAuth2Error, WebApplicationClient
from requests.auth import HTTPBasicAuth
from requests_oauthlib import OAuth2Session

from bot.config import Settings
from bot.errors import PlumeError

SCOPES = ["users.read", "tweet.read"]
TIMEOUT = 10  # seconds per call to X: a person is waiting on the callback page
VERIFIER_LENGTH = 64  # RFC 7636 allows 43 to 128 characters
_ID = re.compile(r"^[0-9]{1,19}$")
_USERNAME = re.compile(r"^[A-Za-z0-9_]{1,15}$")
log = logging.getLogger(__name__)


class XSignInFailed(PlumeError):
    """X did not complete the sign-in (token exchange or `users/me`); `reason` is a short code for logs."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"X did not complete the sign-in ({reason}).")
        self.reason = reason


@dataclass(frozen=True, slots=True)
class SignedIn:
    """The X account a person signed in to."""

    user_id: int
    username: str


def redirect_uri(settings: Settings) -> str:
    """Where X sends the browser back: `{PLUME_PUBLIC_URL}/x/callback`."""
    return f"{settings.PLUME_PUBLIC_URL}/x/callback"


def connect_url(settings: Settings, state: str) -> str:
    """The chat button's link: `{PLUME_PUBLIC_URL}/x/connect?state=…`."""
    return f"{settings.PLUME_PUBLIC_URL}/x/connect?{urlencode({'state': state})}"


def new_verifier() -> str:
    """A fresh PKCE code verifier."""
    return WebApplicationClient(None).create_code_verifier(VERIFIER_LENGTH)


def _session(settings: Settings) -> tuple[OAuth2Session, WebApplicationClient]:
    client = WebApplicationClient(settings.X_CLIENT_ID)
    oauth = OAuth2Session(client=client, redirect_uri=redirect_uri(settings), scope=SCOPES)
    return oauth, client


def authorize_url(settings: Settings, state: str, verifier: str) -> str:
    """X's authorization URL for this sign-in, with the S256 challenge of its stored verifier."""
    oauth, client = _session(settings)
    challenge = client.create_code_challenge(verifier, "S256")
    url, _ = oauth.authorization_url(
        settings.X_AUTHORIZE_URL, state=state, code_challenge=challenge, code_challenge_method="S256"
    )
    return url


def _client_auth(settings: Settings) -> HTTPBasicAuth | None:
    """Basic auth for a confidential client; None for a public one (client_id goes in the body)."""
    if settings.X_CLIENT_SECRET is None:
        return None
    return HTTPBasicAuth(settings.X_CLIENT_ID or "", settings.X_CLIENT_SECRET.get_secret_value())


def sign_in(settings: Settings, code: str, verifier: str) -> SignedIn:
    """Exchange the code (with the verifier), read who signed in, and revoke the token whatever happens."""
    oauth, _ = _session(settings)
    auth = _client_auth(settings)
    try:
        token = oauth.fetch_token(
            f"{settings.X_API_URL}/2/oauth2/token",
            code=code,
            code_verifier=verifier,
            auth=auth,
            include_client_id=auth is None,
            timeout=TIMEOUT,
        )
    except OAuth2Error as exc:  # X's error JSON (invalid_grant…): its code, never the request's
        raise XSignInFailed(f"token_{exc.error or 'error'}") from None
    except Warning:  # oauthlib's way of saying X granted other scopes than asked
        raise XSignInFailed("token_scope_changed") from None
    except (requests.RequestException, ValueError):
        raise XSignInFailed("token_unreachable") from None
    try:
        return _users_me(oauth, settings)
    finally:
        revoke(settings, str(token.get("access_token", "")))


def _users_me(oauth: OAuth2Session, settings: Settings) -> SignedIn:
    """`GET /2/users/me` with the user token: the account's id and username, checked."""
    try:
        response = oauth.get(f"{settings.X_API_URL}/2/users/me", timeout=TIMEOUT)
        data = response.json().get("data") if response.status_code == 200 else None
    except (requests.RequestException, ValueError, AttributeError):
        raise XSignInFailed("me_unreachable") from None
    if not isinstance(data, dict):
        raise XSignInFailed(f"me_status_{response.status_code}")
    user_id, username = str(data.get("id", "")), str(data.get("username", ""))
    if not (_ID.match(user_id) and _USERNAME.match(username)):
        raise XSignInFailed("me_malformed")
    return SignedIn(int(user_id), username)


def revoke(settings: Settings, access_token: str) -> bool:
    """`POST /2/oauth2/revoke`: Plume keeps no user token. A failure is logged (never the token)."""
    if not access_token:
        return False
    auth = _client_auth(settings)
    body = {"token": access_token, "token_type_hint": "access_token"}
    if auth is None:
        body["client_id"] = settings.X_CLIENT_ID or ""
    try:
        response = requests.post(
            f"{settings.X_API_URL}/2/oauth2/revoke", data=body, auth=auth, timeout=TIMEOUT
        )
        ok = response.status_code == 200
    except requests.RequestException:
        ok, response = False, None
    if not ok:
        status = response.status_code if response is not None else "unreachable"
        log.warning("x token revocation failed", extra={"fields": {"status": status}})
    return ok
