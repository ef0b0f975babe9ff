"""Retention and erasure: old posts go after the retention window; uninstalled workspaces after a grace."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.services.workspaces.settings import workspace_settings
from bot.storage import repositories as repo
from bot.storage.tables import Ambassador, Post, ProcessedEvent, Workspace, XUsage

UNINSTALL_GRACE = timedelta(days=7)
# Handled events are kept for what may still come again: Slack retries an event within hours, and a
# command job whose worker died is retried within a minute (bot/jobs/command_tasks.py).
HANDLED_EVENTS_KEPT = timedelta(days=7)
# The X read ledger (x_usage) keeps this UTC month, which the budget is checked against, and the whole
# of the last, to check X's invoice against: the first of last month is never more than 61 days back.
# A rolling window deletes about one day a day (some 600,000 rows at 100,000 ambassadors), never a
# whole month at once.
USAGE_KEPT = timedelta(days=62)


@dataclass(frozen=True, slots=True)
class RetentionResult:
    """What a retention pass deleted."""

    posts: int
    workspaces: int
    events: int
    usage: int  # X read-ledger rows older than USAGE_KEPT


def purge_uninstalled(*, session: Session, now: datetime, grace: timedelta = UNINSTALL_GRACE) -> int:
    """Delete every workspace uninstalled more than `grace` ago, with all its people and their data."""
    purged = 0
    for workspace in list(session.scalars(select(Workspace))):
        marked = (workspace.settings or {}).get("purge_after")
        if not marked or datetime.fromisoformat(marked) + grace > now:
            continue
        accounts = [a.x_account_id for a in workspace.ambassadors]
        session.delete(workspace)
        session.flush()
        for account_id in accounts:
            if repo.count_ambassadors_of_account(session=session, x_account_id=account_id) == 0:
                repo.delete_account_data(session=session, x_account_id=account_id)
        purged += 1
    return purged


def purge_old_posts(*, session: Session, now: datetime) -> int:
    """Delete posts older than the longest retention window of the workspaces tracking them."""
    deleted = 0
    months_by_account: dict[int, int] = {}
    for amb in session.scalars(select(Ambassador)):
        months = int(workspace_settings(amb.workspace)["retention_months"])
        months_by_account[amb.x_account_id] = max(months, months_by_account.get(amb.x_account_id, 0))
    for account_id, months in months_by_account.items():
        cutoff = now - timedelta(days=round(months * 30.44))
        result = session.execute(
            delete(Post).where(Post.x_account_id == account_id, Post.created_at < cutoff)
        )
        deleted += result.rowcount or 0
    return deleted


def purge_handled_events(*, session: Session, now: datetime) -> int:
    """Forget the platform events and command jobs handled over HANDLED_EVENTS_KEPT ago."""
    cutoff = now - HANDLED_EVENTS_KEPT
    result = session.execute(delete(ProcessedEvent).where(ProcessedEvent.received_at < cutoff))
    return result.rowcount or 0


def purge_old_usage(*, session: Session, now: datetime) -> int:
    """Delete the X read ledger's days older than USAGE_KEPT (UTC days)."""
    result = session.execute(delete(XUsage).where(XUsage.day < usage_cutoff(now.date())))
    return result.rowcount or 0


def usage_cutoff(today: date) -> date:
    """The ledger's oldest day kept."""
    return today - USAGE_KEPT


def run_retention(*, session: Session, now: datetime) -> RetentionResult:
    """Every pass."""
    return RetentionResult(
        posts=purge_old_posts(session=session, now=now),
        workspaces=purge_uninstalled(session=session, now=now),
        events=purge_handled_events(session=session, now=now),
        usage=purge_old_usage(session=session, now=now),
    )
