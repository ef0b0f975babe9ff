"""A person's figures for one week, loaded from storage and run through the metrics engine."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.metrics.bursts import BurstRule
from bot.metrics.engine import BASELINE_WEEKS, Figures, figures_from_rows
from bot.metrics.report import WeekReport, person_week
from bot.metrics.weeks import parse_week, utc_window
from bot.schedule import WorkSchedule
from bot.services.people.ambassadors import get_by_handle, schedule_of
from bot.storage import repositories as repo


def figures_around(
    *,
    session: Session,
    people: Sequence[tuple[int, str, WorkSchedule]],
    week: datetime,
    history: int,
    rule: BurstRule | None = None,
) -> Figures:
    """The metrics pass for these (id, handle, schedule) people over `week` and `history` weeks before."""
    ids = [pid for pid, _, _ in people]
    start, end = utc_window(week, history)
    posts = repo.post_rows(session=session, ambassador_ids=ids, start=start, end=end)
    # Snapshots from four weeks earlier still: the first week's change needs the reading before it.
    snaps = repo.snapshot_rows(session=session, ambassador_ids=ids, start=start - timedelta(weeks=4), end=end)
    starts = repo.history_starts(session=session, ambassador_ids=ids)
    return figures_from_rows(posts, snaps, people, starts, week, history, rule)


def week_stats(
    *,
    session: Session,
    workspace_id: int,
    handle: str,
    week_text: str,
    overrides: dict[str, Any] | None = None,
) -> WeekReport:
    """One person's week report; `overrides` replace schedule fields for this run only."""
    week = parse_week(week_text)
    ambassador = get_by_handle(session=session, workspace_id=workspace_id, handle=handle)
    schedule: WorkSchedule = replace(schedule_of(ambassador), **(overrides or {}))
    figures = figures_around(
        session=session,
        people=[(ambassador.id, ambassador.x_account.handle, schedule)],
        week=week,
        history=BASELINE_WEEKS,
    )
    return WeekReport(ambassador.x_account.handle, schedule, person_week(figures, ambassador.id, week))
