"""Weekly follower snapshots by batched user lookup, which also notices renames and lost accounts."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.services.ingest.polling import record_user, tracked_accounts
from bot.services.ingest.usage import record_reads
from bot.sources.x_api import UserLookup, XSource
from bot.storage import repositories as repo
from bot.storage.db import transaction
from bot.storage.tables import FollowerSnapshot, XAccount

SNAPSHOT_EVERY = timedelta(days=7)


def snapshots_due(*, sessions: sessionmaker[Session], now: datetime) -> list[tuple[int, int]]:
    """(account id, X user id) of resolved accounts whose last snapshot is a week old or missing.

    Suspended and vanished accounts too: the weekly lookup is how a reinstated account is noticed
    (and polled again), for one user read a week."""
    with transaction(sessions) as session:
        latest = dict(
            session.execute(
                select(FollowerSnapshot.x_account_id, func.max(FollowerSnapshot.taken_at)).group_by(
                    FollowerSnapshot.x_account_id
                )
            ).all()
        )
        return [
            (a.id, a.x_user_id)
            for a in tracked_accounts(session)
            if a.x_user_id is not None
            and (a.id not in latest or _aware(latest[a.id]) <= now - SNAPSHOT_EVERY)
        ]


def _aware(moment: datetime) -> datetime:
    """Aggregates bypass the column type on SQLite; make the moment UTC-aware again."""
    return repo.as_utc(moment)


def take_snapshots(*, sessions: sessionmaker[Session], source: XSource, now: datetime) -> int:
    """One user lookup per 100 due accounts; returns how many snapshots were stored."""
    due = snapshots_due(sessions=sessions, now=now)
    stored = 0
    for start in range(0, len(due), 100):
        batch = dict((uid, aid) for aid, uid in due[start : start + 100])
        lookup = source.users_by_ids(list(batch))
        with transaction(sessions) as session:
            record_reads(session=session, day=now.date(), kind="user", item_ids=[u.id for u in lookup.users])
            stored += _apply_lookup(session, lookup, batch, now)
    return stored


def _apply_lookup(session: Session, lookup: UserLookup, account_of: dict[int, int], now: datetime) -> int:
    """Store counts, follow renames, and mark accounts X no longer serves."""
    stored = 0
    for user in lookup.users:
        account = session.get(XAccount, account_of[user.id])
        if account is None:  # opted out meanwhile
            continue
        if user.username.lower() != account.handle_key:
            rename(session, account, user.username)
        record_user(session, account, user, now)
        stored += 1
    for value, reason in lookup.missing.items():
        account = session.get(XAccount, account_of.get(int(value), -1)) if value.isdigit() else None
        if account is not None:
            account.status, account.last_error = reason, f"X says the account is {reason}"
    return stored


def rename(session: Session, account: XAccount, username: str) -> None:
    """Follow a handle change; an old row holding the new handle (a stale, unresolved one) gives it up."""
    stale = repo.get_account_by_handle(session=session, handle_key=username.lower())
    if stale is not None and stale.id != account.id:
        stale.handle_key = f"~{stale.id}:{stale.handle_key}"[:64]
        session.flush()
    account.handle, account.handle_key = username, username.lower()
