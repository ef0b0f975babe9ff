"""Once per digest period: re-read that period's posts by id (metrics grow after the first read), and
purge the ones X no longer serves, since X's developer policy requires removing deleted posts."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.metrics.weeks import week_label
from bot.services.ingest.usage import budget_message, month_usage, record_reads
from bot.sources.x_api import XSource
from bot.storage.db import transaction
from bot.storage.tables import Ambassador, Post

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RefreshResult:
    """What one refresh did."""

    period: str
    refreshed: int
    purged: int
    stopped: str | None = None  # the budget ran out before the last batch


def previous_period(now: datetime) -> tuple[str, datetime, datetime]:
    """The last complete ISO week in UTC: (label, start, end)."""
    monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    start = monday - timedelta(days=7)
    return week_label(start.replace(tzinfo=None)), start.astimezone(UTC), monday.astimezone(UTC)


def refresh_period(
    *, sessions: sessionmaker[Session], source: XSource, now: datetime, budget_usd: float | None = None
) -> RefreshResult:
    """Refresh every tracked post of the last complete week not yet refreshed for it (100 per call),
    stopping before a call once the month's X budget is spent (the rest waits for the next cycle)."""
    label, start, end = previous_period(now)
    with transaction(sessions) as session:
        ids = list(
            session.scalars(
                select(Post.x_id)
                .where(Post.created_at >= start, Post.created_at < end)
                .where((Post.refreshed_for.is_(None)) | (Post.refreshed_for != label))
                .where(Post.x_account_id.in_(select(Ambassador.x_account_id)))
                .order_by(Post.x_id)
            )
        )
    refreshed = purged = 0
    for offset in range(0, len(ids), 100):
        with transaction(sessions) as session:
            usage = month_usage(session=session, now=now, budget_usd=budget_usd)
        if usage.over_budget:
            return RefreshResult(label, refreshed, purged, stopped=budget_message(usage))
        batch = ids[offset : offset + 100]
        lookup = source.posts_by_ids(batch)
        with transaction(sessions) as session:
            record_reads(
                session=session, day=now.date(), kind="post", item_ids=[p.x_id for p in lookup.posts]
            )
            refreshed += _store_metrics(session, lookup.posts, label)
            if lookup.missing:
                session.execute(delete(Post).where(Post.x_id.in_(lookup.missing)))
                purged += len(lookup.missing)
    if ids:
        log.info("refreshed", extra={"fields": {"period": label, "refreshed": refreshed, "purged": purged}})
    return RefreshResult(label, refreshed, purged)


def _store_metrics(session: Session, posts: list, label: str) -> int:
    """New counts for the re-read posts, marked as refreshed for the period."""
    for post in posts:
        session.execute(
            update(Post)
            .where(Post.x_id == post.x_id)
            .values(
                likes=post.likes,
                reposts=post.reposts,
                replies=post.replies,
                quotes=post.quotes,
                metrics_read_at=post.metrics_read_at,
                refreshed_for=label,
            )
        )
    return len(posts)
