"""Reading new posts from X: handle resolution, per-account timeline polls, adaptive cadence.

Each account's poll is one transaction: its new posts and its `since_id` cursor commit together, so
a process killed mid-poll loses nothing and duplicates nothing on restart (the same posts are read
again, which X bills once per UTC day, as our ledger does).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.services.ingest.usage import record_reads
from bot.sources.records import PostRecord
from bot.sources.x_api import TimelinePage, XSource, XUser
from bot.storage import repositories as repo
from bot.storage.db import transaction
from bot.storage.tables import Ambassador, Post, XAccount

log = logging.getLogger(__name__)
ACTIVE = "active"


@dataclass(frozen=True, slots=True)
class PollConfig:
    """Cadence and backfill: the base interval adapts between a floor and a ceiling."""

    base_interval: timedelta = timedelta(minutes=15)
    backfill: timedelta = timedelta(days=28)
    floor: timedelta = timedelta(minutes=5)
    ceiling: timedelta = timedelta(hours=4)


def next_interval(posts_last_week: int, config: PollConfig, pressure: float = 1.0) -> timedelta:
    """Busy accounts more often, dormant ones less; stretched when the budget is under pressure."""
    per_day = posts_last_week / 7
    factor = 0.5 if per_day >= 20 else 1.0 if per_day >= 5 else 2.0 if per_day >= 1 else 4.0
    interval = config.base_interval * factor * pressure
    return max(config.floor, min(config.ceiling * pressure, interval))


def tracked_accounts(session: Session) -> list[XAccount]:
    """Accounts that at least one ambassador (in any workspace) still tracks."""
    stmt = select(XAccount).where(XAccount.id.in_(select(Ambassador.x_account_id))).order_by(XAccount.id)
    return list(session.scalars(stmt))


def resolve_handles(*, sessions: sessionmaker[Session], source: XSource, now: datetime) -> int:
    """Give unresolved accounts their stable X user id (100 handles per call); returns how many."""
    with transaction(sessions) as session:
        pending = [a.handle for a in tracked_accounts(session) if a.x_user_id is None and a.status == ACTIVE]
    resolved = 0
    for start in range(0, len(pending), 100):
        lookup = source.users_by_handles(pending[start : start + 100])
        with transaction(sessions) as session:
            record_reads(session=session, day=now.date(), kind="user", item_ids=[u.id for u in lookup.users])
            for user in lookup.users:
                account = repo.get_account_by_handle(session=session, handle_key=user.username.lower())
                if account is None:  # opted out while we were asking
                    continue
                account = merge_into_known(session, account, user.id)
                account.x_user_id, account.handle = user.id, user.username
                # The lookup already carries the counts: it doubles as the first follower snapshot.
                record_user(session, account, user, now)
                resolved += 1
            for handle, reason in lookup.missing.items():
                account = repo.get_account_by_handle(session=session, handle_key=handle.lower())
                if account is not None:
                    account.status, account.last_error = reason, f"X says @{handle} is {reason}"
    return resolved


def record_user(session: Session, account: XAccount, user: XUser, now: datetime) -> None:
    """What a user lookup tells about an account: whether it is protected, and its counts now."""
    account.status = "protected" if user.protected else ACTIVE
    repo.add_snapshot(
        session=session,
        x_account_id=account.id,
        taken_at=now,
        followers=user.followers,
        following=user.following,
        posts_count=user.posts_count,
    )


def merge_into_known(session: Session, account: XAccount, user_id: int) -> XAccount:
    """If this X user is already known under an older handle row, move the new row's people onto it.

    Happens when someone renamed on X and the new handle was tracked before a snapshot noticed.
    """
    known = session.scalars(select(XAccount).where(XAccount.x_user_id == user_id)).first()
    if known is None or known.id == account.id:
        return account
    for ambassador in session.scalars(select(Ambassador).where(Ambassador.x_account_id == account.id)):
        duplicate = session.scalars(
            select(Ambassador).where(
                Ambassador.workspace_id == ambassador.workspace_id, Ambassador.x_account_id == known.id
            )
        ).first()
        if duplicate is None:
            ambassador.x_account_id = known.id
        else:
            session.delete(ambassador)
    session.flush()
    repo.delete_account_data(session=session, x_account_id=account.id)
    session.flush()
    known.handle_key = account.handle_key
    return known


def due_accounts(*, sessions: sessionmaker[Session], now: datetime, every: bool = False) -> list[int]:
    """Resolved, active accounts whose next poll time has come (`every`: all of them, whatever their
    cadence), oldest-polled first."""
    with transaction(sessions) as session:
        accounts = [
            a
            for a in tracked_accounts(session)
            if a.x_user_id is not None
            and a.status == ACTIVE
            and (every or a.next_poll_at is None or a.next_poll_at <= now)
        ]
        accounts.sort(key=lambda a: a.last_polled_at or datetime.min.replace(tzinfo=now.tzinfo))
        return [a.id for a in accounts]


def fetch_new_posts(
    source: XSource, user_id: int, since_id: int | None, start_time: datetime | None, on_page=None
) -> tuple[list[TimelinePage], str | None]:
    """Every page of posts newer than the cursor; stops at the first page reporting a problem."""
    pages: list[TimelinePage] = []
    token: str | None = None
    while True:
        page = source.timeline_page(user_id, since_id=since_id, start_time=start_time, token=token)
        if on_page is not None:
            on_page(page)
        pages.append(page)
        if page.problem or not page.next_token:
            return pages, page.problem
        token = page.next_token


def poll_account(
    *,
    sessions: sessionmaker[Session],
    source: XSource,
    account_id: int,
    now: datetime,
    config: PollConfig,
    pressure: float = 1.0,
) -> int:
    """Read one account's new posts and store them with the moved cursor; returns how many were new."""
    with transaction(sessions) as session:
        account = session.get(XAccount, account_id)
        if account is None or account.x_user_id is None:
            return 0
        user_id, since_id = account.x_user_id, account.since_id or _newest_stored(session, account_id)
        # The first poll backfills a window (baselines from day one) and skips what an archive brought.
        start = now - config.backfill if account.since_id is None else None

    def bill(page: TimelinePage) -> None:
        # Each page is billed when X serves it, even if a later page fails: record it now.
        with transaction(sessions) as session:
            record_reads(session=session, day=now.date(), kind="post", item_ids=[p.x_id for p in page.posts])

    pages, problem = fetch_new_posts(source, user_id, since_id, start, on_page=bill)
    posts = [p for page in pages for p in page.posts]
    with transaction(sessions) as session:
        account = session.get(XAccount, account_id)
        if account is None or not repo.count_ambassadors_of_account(session=session, x_account_id=account_id):
            return 0  # opted out mid-cycle: nothing about them may be stored
        new = _store_page_posts(session, account, pages, posts)
        account.status = problem or ACTIVE
        account.last_error = f"X says the account is {problem}" if problem else None
        account.last_polled_at = now
        account.next_poll_at = now + next_interval(
            _posts_last_week(session, account_id, now), config, pressure
        )
    log.info("polled", extra={"fields": {"account": account_id, "pages": len(pages), "new": new}})
    return new


def _store_page_posts(
    session: Session, account: XAccount, pages: list[TimelinePage], posts: list[PostRecord]
) -> int:
    """Upsert the posts, drop superseded edit versions, and move the cursor past the newest."""
    new = repo.upsert_posts(session=session, x_account_id=account.id, records=posts, source="api")
    superseded = [i for page in pages for i in page.superseded]
    if superseded:
        session.execute(delete(Post).where(Post.x_id.in_(superseded), Post.x_account_id == account.id))
    newest = max([p.newest_id for p in pages if p.newest_id] + [p.x_id for p in posts], default=None)
    if newest is not None:
        account.since_id = max(newest, account.since_id or 0)
    return new


def _newest_stored(session: Session, account_id: int) -> int | None:
    """The newest post we already hold (from an archive import, say), so a first poll skips it."""
    return session.scalar(select(func.max(Post.x_id)).where(Post.x_account_id == account_id))


def _posts_last_week(session: Session, account_id: int, now: datetime) -> int:
    """How many posts the account made in the last 7 days (drives its cadence)."""
    stmt = (
        select(func.count())
        .select_from(Post)
        .where(Post.x_account_id == account_id, Post.created_at >= now - timedelta(days=7))
    )
    return int(session.scalar(stmt) or 0)
