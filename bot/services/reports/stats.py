"""A person's figures for one week, loaded from storage and run through the metrics engine."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from bot.metrics.bursts import BurstRule
from bot.metrics.engine import BASELINE_WEEKS, Figures, compute_figures
from bot.metrics.frames import people_frame, posts_frame, snapshots_frame
from bot.metrics.report import WeekReport, person_week
from bot.metrics.weeks import parse_week
from bot.schedule import WorkSchedule
from bot.services.people.ambassadors import get_by_handle, schedule_of
from bot.storage import repositories as repo

# Local weeks start up to 14 hours before or 12 hours after the same UTC Monday: load a day either side.
_MARGIN = timedelta(days=1)


def utc_window(week: pd.Timestamp, weeks_before: int) -> tuple[datetime, datetime]:
    """A UTC range surely covering local week `week` and the `weeks_before` before it, in any zone."""
    start = (week - pd.Timedelta(weeks=weeks_before)).to_pydatetime().replace(tzinfo=UTC) - _MARGIN
    end = (week + pd.Timedelta(weeks=1)).to_pydatetime().replace(tzinfo=UTC) + _MARGIN
    return start, end


def figures_around(
    *,
    session: Session,
    people: Sequence[tuple[int, str, WorkSchedule]],
    week: pd.Timestamp,
    history: int,
    rule: BurstRule | None = None,
) -> Figures:
    """The metrics pass for these (id, handle, schedule) people over `week` and `history` weeks before."""
    ids = [pid for pid, _, _ in people]
    start, end = utc_window(week, history)
    posts = posts_frame(repo.post_rows(session=session, ambassador_ids=ids, start=start, end=end))
    # Snapshots from four weeks earlier still: the first week's change needs the reading before it.
    snaps = snapshots_frame(
        repo.snapshot_rows(session=session, ambassador_ids=ids, start=start - timedelta(weeks=4), end=end)
    )
    frame = people_frame(people, repo.history_starts(session=session, ambassador_ids=ids))
    weeks = pd.date_range(week - pd.Timedelta(weeks=history), week, freq="7D")
    return compute_figures(posts, frame, snaps, rule=rule, weeks=weeks)


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
