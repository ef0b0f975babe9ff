"""The X cost ledger: billable reads per UTC day, deduplicated as X does, with spend and budget."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.storage.tables import ServiceState, XUsage

POST_READ_USD = 0.005
USER_READ_USD = 0.010
CREDITS_KEY = "x_credits_exhausted"


def record_reads(*, session: Session, day: date, kind: str, item_ids: Iterable[int]) -> None:
    """Note items read today; an item already read today costs nothing more."""
    rows = [{"day": day, "kind": kind, "item_id": int(i)} for i in set(item_ids)]
    if not rows:
        return
    insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
    session.execute(
        insert(XUsage).values(rows).on_conflict_do_nothing(index_elements=["day", "kind", "item_id"])
    )


@dataclass(frozen=True, slots=True)
class MonthUsage:
    """Reads and spend so far this UTC month, and the straight-line projection to month end."""

    month: str
    post_reads: int
    user_reads: int
    spend_usd: float
    projected_usd: float
    budget_usd: float | None

    @property
    def over_budget(self) -> bool:
        """Spend has reached the budget: polling must stop."""
        return self.budget_usd is not None and self.spend_usd >= self.budget_usd

    @property
    def budget_pressure(self) -> float:
        """How much the projection exceeds the budget (1.0 = on track or no budget)."""
        if not self.budget_usd or self.projected_usd <= self.budget_usd:
            return 1.0
        return self.projected_usd / self.budget_usd


def month_usage(*, session: Session, now: datetime, budget_usd: float | None) -> MonthUsage:
    """Usage of the month containing `now` (UTC)."""
    first = now.date().replace(day=1)
    stmt = select(XUsage.kind, func.count()).where(XUsage.day >= first).group_by(XUsage.kind)
    counts = dict(session.execute(stmt).all())
    posts, users = int(counts.get("post", 0)), int(counts.get("user", 0))
    spend = posts * POST_READ_USD + users * USER_READ_USD
    days = calendar.monthrange(now.year, now.month)[1]
    elapsed = (now - datetime(now.year, now.month, 1, tzinfo=now.tzinfo)).total_seconds() / 86400
    projected = spend / max(elapsed, 1.0) * days
    return MonthUsage(first.strftime("%Y-%m"), posts, users, round(spend, 4), round(projected, 2), budget_usd)


def get_state(*, session: Session, key: str) -> dict[str, Any] | None:
    """A stored service fact, if any."""
    row = session.get(ServiceState, key)
    return row.value if row else None


def set_state(*, session: Session, key: str, value: dict[str, Any] | None, now: datetime) -> None:
    """Store (or clear, with None) a service fact."""
    row = session.get(ServiceState, key)
    if value is None:
        if row:
            session.delete(row)
        return
    if row is None:
        session.add(ServiceState(key=key, value=value, updated_at=now))
    else:
        row.value, row.updated_at = value, now


def budget_message(usage: MonthUsage) -> str:
    """The operator-facing reason X reads stopped for the budget."""
    return f"X budget of ${usage.budget_usd:.2f} reached (${usage.spend_usd:.2f} spent in {usage.month})"
