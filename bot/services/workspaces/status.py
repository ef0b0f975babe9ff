"""Program health for admins: counts, last poll, errors, and X usage; never per-person figures."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.services.ingest.usage import month_usage
from bot.storage.tables import Ambassador, Post, Workspace, XAccount


def program_status(
    *, session: Session, workspace_id: int, now: datetime, budget_usd: float | None, with_ledger: bool
) -> dict[str, object]:
    """The status figures of one workspace's program, by label. `with_ledger` adds this month's X reads,
    which span every workspace: only for an install that serves a single organisation."""
    members = select(Ambassador.x_account_id).where(Ambassador.workspace_id == workspace_id)
    accounts = list(session.scalars(select(XAccount).where(XAccount.id.in_(members))))
    posts = session.scalar(select(func.count()).select_from(Post).where(Post.x_account_id.in_(members)))
    workspace = session.get(Workspace, workspace_id)
    last_poll = max((a.last_polled_at for a in accounts if a.last_polled_at), default=None)
    verified = session.scalar(
        select(func.count())
        .select_from(Ambassador)
        .where(Ambassador.workspace_id == workspace_id, Ambassador.x_verified_at.is_not(None))
    )
    people = session.scalar(
        select(func.count()).select_from(Ambassador).where(Ambassador.workspace_id == workspace_id)
    )
    figures: dict[str, object] = {
        "Ambassadors": len(accounts),
        "Verified by X sign-in": int(verified or 0),
        "Not verified": int(people or 0) - int(verified or 0),
        "Posts stored": int(posts or 0),
        "Digest channel": workspace.digest_channel or "not set",
        "Last poll": last_poll.strftime("%Y-%m-%d %H:%M UTC") if last_poll else "never",
        "Accounts with errors": sum(1 for a in accounts if a.last_error or a.status != "active"),
    }
    if with_ledger:
        usage = month_usage(session=session, now=now, budget_usd=budget_usd)
        figures[f"X reads {usage.month}"] = (
            f"{usage.post_reads} posts, {usage.user_reads} users, ${usage.spend_usd:.2f}"
        )
    return figures
