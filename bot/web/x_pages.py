"""`GET /x/connect` and `GET /x/callback`: Sign in with X from a person's browser.

`x_signin_page` is the whole flow as one framework-neutral function of a request's method, path,
raw query string and Cookie header, returning a `Page` (a 302 to X for connect). A hostile query
string gets a 400 page, never an exception. The callback consumes the sign-in first (once), then asks
X, then links; every refusal stores nothing, and the chat confirmation is best effort.
"""

from __future__ import annotations

import logging
import re
import secrets
from datetime import datetime
from urllib.parse import parse_qsl

from oauthlib.oauth2 import OAuth2Error
from sqlalchemy.exc import IntegrityError

from bot.config import Settings
from bot.messages.x_signin import linked_message
from bot.runtime import Runtime
from bot.schedule import WorkSchedule
from bot.services.delivery.notifiers import Notifiers
from bot.services.people.ambassadors import schedule_of
from bot.services.people.x_signin import (
    PendingSignIn,
    SignInRefused,
    consume_signin,
    link_verified,
    open_signin,
)
from bot.sources.x_oauth import XSignInFailed, authorize_url, sign_in
from bot.storage.db import transaction
from bot.web.pages import Page, page

CONNECT_PATH, CALLBACK_PATH = "/x/connect", "/x/callback"
PATHS = (CONNECT_PATH, CALLBACK_PATH)
COOKIE = "plume_x_signin"
COOKIE_SECONDS = 600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,200}$")  # our states and browser nonces; X's codes
_ERROR_CODE = re.compile(r"^[a-z_]{1,40}$")
BACK = "You can close this page and go back to chat."
DENIED = "You chose not to authorise Plume on X."
RACED = "Another sign-in changed this X account at the same moment. Run join again in chat."
X_FAILED = "X did not complete the sign-in. Run join again in chat to try again."
log = logging.getLogger(__name__)


def x_signin_page(
    settings: Settings,
    runtime: Runtime,
    *,
    method: str,
    path: str,
    query: str,
    cookie_header: str,
    now: datetime,
    notifiers: Notifiers | None = None,
) -> Page:
    """The answer to one browser request on /x/connect or /x/callback."""
    if path not in PATHS:
        return page(404, "Not found", "There is no page here.")
    if method != "GET":
        return page(405, "Not allowed", "Open this link in a browser.", extra=(("Allow", "GET"),))
    if not settings.x_signin_configured:
        return page(404, "Sign in with X is off", "Sign in with X is not set up on this Plume.", BACK)
    params = _params(query)
    state = params.get("state", "") if params is not None else ""
    if not _TOKEN.match(state):
        return page(400, "This link is incomplete", "Use the button Plume sent you in chat.", BACK)
    browser = _cookie(cookie_header)
    try:
        if path == CONNECT_PATH:
            return _connect(settings, runtime, state, browser, now)
        return _callback(settings, runtime, params or {}, state, browser, now, notifiers)
    except SignInRefused as refused:
        log.info("x sign-in refused", extra={"fields": {"reason": refused.reason}})
        return page(refused.status, "Nothing was linked", str(refused), BACK)


def _params(query: str) -> dict[str, str] | None:
    """The query's parameters, or None when it is malformed (bad escapes, repeats, too many)."""
    try:
        pairs = parse_qsl(query or "", keep_blank_values=True, max_num_fields=10, errors="strict")
    except ValueError:  # UnicodeDecodeError too
        return None
    params = dict(pairs)
    return params if len(params) == len(pairs) else None


def _cookie(header: str) -> str | None:
    """This browser's sign-in nonce from the Cookie header, if it carries a well-formed one."""
    for part in (header or "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE and _TOKEN.match(value):
            return value
    return None


def _connect(settings: Settings, runtime: Runtime, state: str, browser: str | None, now: datetime) -> Page:
    """Bind the sign-in to this browser and send it to X's authorization page."""
    browser = browser or secrets.token_urlsafe(32)
    with transaction(runtime.sessions) as session:
        verifier = open_signin(session=session, state=state, browser=browser, now=now)
    try:
        target = authorize_url(settings, state, verifier)
    except OAuth2Error:  # oauthlib refuses a plain-http authorization URL: the operator's setting
        log.error("x sign-in misconfigured", extra={"fields": {"setting": "X_AUTHORIZE_URL"}})
        return page(502, "Sign in with X is misconfigured", "Tell your program admin.", BACK)
    secure = "; Secure" if (settings.PLUME_PUBLIC_URL or "").startswith("https://") else ""
    cookie = f"{COOKIE}={browser}; Max-Age={COOKIE_SECONDS}; Path=/x/; HttpOnly; SameSite=Lax{secure}"
    moved = page(302, "Continue on X", "Sign-in continues on X.")
    return Page(302, moved.html, (*moved.headers, ("Location", target), ("Set-Cookie", cookie)))


def _callback(
    settings: Settings,
    runtime: Runtime,
    params: dict[str, str],
    state: str,
    browser: str | None,
    now: datetime,
    notifiers: Notifiers | None,
) -> Page:
    """Use the sign-in once, ask X who signed in (the token is revoked at once), link, tell the chat."""
    with transaction(runtime.sessions) as session:
        pending = consume_signin(session=session, state=state, browser=browser, now=now)
    if "error" in params:
        error = params["error"] if _ERROR_CODE.match(params["error"]) else "unreadable"
        log.info("x sign-in not authorised", extra={"fields": {"reason": error}})
        why = DENIED if error == "access_denied" else "X refused the sign-in."
        return page(403, "Nothing was linked", why, "To try again, run join again in chat.", BACK)
    code = params.get("code", "")
    if not _TOKEN.match(code):
        return page(400, "Nothing was linked", "X sent no usable sign-in code. Run join again in chat.", BACK)
    try:
        signed_in = sign_in(settings, code, pending.code_verifier)
    except XSignInFailed as failed:
        log.warning("x sign-in failed", extra={"fields": {"reason": failed.reason}})
        return page(502, "Nothing was linked", X_FAILED, BACK)
    try:
        with transaction(runtime.sessions) as session:
            ambassador = link_verified(session=session, pending=pending, signed_in=signed_in, now=now)
            handle, schedule = ambassador.x_account.handle, schedule_of(ambassador)
    except IntegrityError:  # another sign-in linked the same account at the same moment
        raise SignInRefused(RACED, 409, "concurrent_link") from None
    log.info("x account linked", extra={"fields": {"workspace": pending.workspace_id}})
    _tell_chat(notifiers, pending, handle, schedule)
    lines = [f"Plume now tracks your X account @{handle}, verified by your sign-in."]
    if handle.casefold() != pending.handle.casefold():
        lines.append(f"You typed @{pending.handle} in chat; the account you signed in to is the one tracked.")
    return page(200, "Your X account is linked", *lines, BACK)


def _tell_chat(
    notifiers: Notifiers | None, pending: PendingSignIn, handle: str, schedule: WorkSchedule
) -> None:
    """The confirmation in chat, best effort: a failure is logged and the link stands."""
    try:
        notifier = notifiers.notifier_for(pending.workspace_id) if notifiers else None
        if notifier is None:
            fields = {"platform": pending.platform}
            log.warning("x sign-in confirmation: no notifier", extra={"fields": fields})
            return
        notifier.direct(
            workspace_id=pending.workspace_id,
            user_id=pending.chat_user_id,
            message=linked_message(handle, pending.handle, schedule),
            key=f"x-signin-{pending.state_hash[:16]}",
        )
    except Exception as exc:  # any platform failure: the person still sees the page
        log.warning("x sign-in confirmation failed", extra={"fields": {"error": type(exc).__name__}})
