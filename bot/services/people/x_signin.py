"""Sign in with X, the database side: a pending sign-in bound to one chat person and one browser,
consumed once, and the verified link of the account the person signed in to.

The `state` is a bearer secret for ten minutes, so only its SHA-256 is stored. Opening and consuming
are conditional UPDATEs: a replay or a race of two callbacks uses a sign-in once, on SQLite and
PostgreSQL alike (the second UPDATE matches no row).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bot.errors import PlumeError
from bot.schedule import WorkSchedule
from bot.services.people.ambassadors import normalize_handle, schedule_of, track
from bot.sources.x_oauth import SignedIn, new_verifier
from bot.storage import repositories as repo
from bot.storage.tables import Ambassador, XAccount, XSignIn

STATE_TTL = timedelta(minutes=10)
KEEP_FINISHED = timedelta(days=1)  # used and expired rows stay this long, to say "used" or "expired"
X_SIGNIN_SOURCE = "x_signin"  # `ambassadors.consent_source` of a verified link


class SignInRefused(PlumeError):
    """A sign-in that cannot go on; `status` is the HTTP status of the page that says why."""

    def __init__(self, message: str, status: int, reason: str) -> None:
        super().__init__(message)
        self.status, self.reason = status, reason


@dataclass(frozen=True, slots=True)
class PendingSignIn:
    """What a consumed sign-in carries to the link: who asked, where, what they typed and were shown."""

    workspace_id: int
    platform: str
    chat_user_id: str
    handle: str
    timezone: str
    consent_text: str
    code_verifier: str
    state_hash: str


def digest(value: str) -> str:
    """SHA-256 hex of a state or browser nonce."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def start_signin(
    *,
    session: Session,
    workspace_id: int,
    platform: str,
    chat_user_id: str,
    handle: str,
    tz: str,
    consent_text: str,
    now: datetime,
) -> str:
    """A new pending sign-in for this chat person; returns its `state` (only the hash is kept)."""
    session.execute(delete(XSignIn).where(XSignIn.expires_at < now - KEEP_FINISHED))
    state = secrets.token_urlsafe(32)
    session.add(
        XSignIn(
            state_hash=digest(state),
            workspace_id=workspace_id,
            platform=platform,
            chat_user_id=chat_user_id,
            handle=normalize_handle(handle),
            timezone=tz,
            consent_text=consent_text,
            code_verifier=new_verifier(),
            created_at=now,
            expires_at=now + STATE_TTL,
        )
    )
    session.flush()
    return state


UNKNOWN = "This sign-in link is not one Plume made. Use the button Plume sent you in chat."
USED = "This sign-in link was already used. To try again, run join again in chat."
EXPIRED = "This sign-in link expired (links last 10 minutes). Run join again in chat for a new one."
OTHER_BROWSER = (
    "This sign-in was started in another browser, so it is not yours to finish here. Open the button "
    "Plume sent you in chat, in this browser, and sign in again."
)


def _refusal(row: XSignIn | None, now: datetime) -> SignInRefused:
    """Why a sign-in cannot be opened or consumed, as the row shows it."""
    if row is None:
        return SignInRefused(UNKNOWN, 404, "unknown_state")
    if row.used_at is not None:
        return SignInRefused(USED, 410, "used_state")
    if row.expires_at <= now:
        return SignInRefused(EXPIRED, 410, "expired_state")
    return SignInRefused(OTHER_BROWSER, 403, "other_browser")


def open_signin(*, session: Session, state: str, browser: str, now: datetime) -> str:
    """Bind the sign-in to the browser that opens it first (the same browser may reopen it); returns
    the PKCE verifier for the authorization URL."""
    key, mine = digest(state), digest(browser)
    bound = session.execute(
        update(XSignIn)
        .where(XSignIn.state_hash == key, XSignIn.used_at.is_(None), XSignIn.expires_at > now)
        .where((XSignIn.browser_hash.is_(None)) | (XSignIn.browser_hash == mine))
        .values(browser_hash=mine)
        .execution_options(synchronize_session=False)
    )
    row = session.get(XSignIn, key, populate_existing=True)
    if bound.rowcount != 1 or row is None:
        raise _refusal(row, now)
    return row.code_verifier


def consume_signin(*, session: Session, state: str, browser: str | None, now: datetime) -> PendingSignIn:
    """Use the sign-in once, from the browser that opened it; refused otherwise (nothing changes)."""
    key, count = digest(state), 0
    if browser:
        count = session.execute(
            update(XSignIn)
            .where(XSignIn.state_hash == key, XSignIn.used_at.is_(None), XSignIn.expires_at > now)
            .where(XSignIn.browser_hash == digest(browser))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
    row = session.get(XSignIn, key, populate_existing=True)
    if count != 1 or row is None:
        raise _refusal(row, now)
    return PendingSignIn(
        row.workspace_id,
        row.platform,
        row.chat_user_id,
        row.handle,
        row.timezone,
        row.consent_text,
        row.code_verifier,
        key,
    )


TAKEN = (
    "This X account is already verified by someone else in this workspace, so it cannot be linked to "
    "you. If it is yours, ask a program admin of this workspace."
)


def link_verified(
    *, session: Session, pending: PendingSignIn, signed_in: SignedIn, now: datetime
) -> Ambassador:
    """Link the account the person signed in to (it wins over the handle they typed), verified, with
    their consent: the wording they were shown and the account X vouched for."""
    account = _account_of(session, signed_in, now)
    holder = session.scalars(
        select(Ambassador).where(
            Ambassador.workspace_id == pending.workspace_id, Ambassador.x_account_id == account.id
        )
    ).one_or_none()
    if holder is not None and holder.chat_user_id != pending.chat_user_id:
        if holder.x_verified_at is not None or holder.chat_user_id is None:
            raise SignInRefused(TAKEN, 409, "verified_by_someone_else")
        session.delete(holder)  # a claim on someone's word loses to the owner's proof
        session.flush()
    current = session.scalars(
        select(Ambassador).where(
            Ambassador.workspace_id == pending.workspace_id,
            Ambassador.chat_user_id == pending.chat_user_id,
            Ambassador.x_account_id != account.id,
        )
    ).first()
    if current is not None:
        raise SignInRefused(
            f"You already track @{current.x_account.handle} in this workspace. Leave Plume in chat "
            "first to switch accounts; nothing was changed.",
            409,
            "tracks_another_account",
        )
    mine = holder if holder is not None and holder.chat_user_id == pending.chat_user_id else None
    amb = track(
        session=session,
        workspace_id=pending.workspace_id,
        handle=account.handle,
        schedule=schedule_of(mine) if mine else WorkSchedule(tz=pending.timezone),
        consent_text="",
        consent_source=X_SIGNIN_SOURCE,
        chat_user_id=pending.chat_user_id,
        now=lambda: now,
    )
    amb.consent_text = (
        f"{pending.consent_text}\n\nVerified by X sign-in: signed in to X as @{account.handle} "
        f"(X user id {signed_in.user_id})."
    )
    amb.consent_source, amb.consent_at, amb.x_verified_at = X_SIGNIN_SOURCE, now, now
    session.flush()
    return amb


def _account_of(session: Session, signed_in: SignedIn, now: datetime) -> XAccount:
    """The stored account of this X user (found by id, else by handle), its handle brought up to date."""
    key = signed_in.username.lower()
    account = session.scalars(select(XAccount).where(XAccount.x_user_id == signed_in.user_id)).one_or_none()
    named = repo.get_account_by_handle(session=session, handle_key=key)
    if named is not None and account is None and named.x_user_id is None:
        account = named  # the handle was tracked before its X id was known
    elif named is not None and named is not account:
        # The name has moved on (renamed, or now another user's): that row keeps its data, out of the way.
        named.handle_key = f"~{named.id}"
        session.flush()
    if account is None:
        account = XAccount(handle=signed_in.username, handle_key=key, status="active", created_at=now)
        session.add(account)
    account.x_user_id, account.handle, account.handle_key = signed_in.user_id, signed_in.username, key
    session.flush()
    return account
