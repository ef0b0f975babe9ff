"""A person's figures for one week, loaded from storage and run through the metrics engine."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from bot.metrics.engine import BASELINE_WEEKS, compute_figures
from bot.metrics.frames import people_frame, posts_frame, snapshots_frame
from bot.metrics.report import person_week
from bot.metrics.weeks import parse_week
from bot.schedule import WorkSchedule
from bot.services.ambassadors import get_by_handle, schedule_of
from bot.storage import repositories as repo

# Local weeks start up to 14 hours before or 12 hours after the same UTC Monday: load a day either side.
_MARGIN = timedelta(days=1)


def utc_window(week: pd.Timestamp, weeks_before: int) -> tuple[datetime, datetime]:
    """A UTC range surely covering local week `week` and the `weeks_before` before it, in any zone."""
    start = (week - pd.Timedelta(weeks=weeks_before)).to_pydatetime().replace(tzinfo=UTC) - _MARGIN
    end = (week + pd.Timedelta(weeks=1)).to_pydatetime().replace(tzinfo=UTC) + _MARGIN
    return start, end


def week_stats(
    *,
    session: Session,
    workspace_id: int,
    handle: str,
    week_text: str,
    overrides: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The `stats` object for one person and week; `overrides` replace schedule fields for this run only."""
    week = parse_week(week_text)
    ambassador = get_by_handle(session=session, workspace_id=workspace_id, handle=handle)
    schedule: WorkSchedule = replace(schedule_of(ambassador), **(overrides or {}))
    start, end = utc_window(week, BASELINE_WEEKS)
    ids = [ambassador.id]
    posts = posts_frame(repo.post_rows(session=session, ambassador_ids=ids, start=start, end=end))
    snaps = snapshots_frame(
        repo.snapshot_rows(session=session, ambassador_ids=ids, start=start - timedelta(weeks=4), end=end)
    )
    since = repo.history_starts(session=session, ambassador_ids=ids)
    people = people_frame([(ambassador.id, ambassador.x_account.handle, schedule)], since)
    weeks = pd.date_range(week - pd.Timedelta(weeks=BASELINE_WEEKS), week, freq="7D")
    figures = compute_figures(posts, people, snaps, weeks=weeks)
    report = person_week(figures, ambassador.id, week)
    return {
        "handle": ambassador.x_account.handle,
        "tz": schedule.tz,
        "hours": schedule.hours_text,
        "days": schedule.days_text,
        "country": schedule.country,
        "topics": list(schedule.topics),
        **report,
    }
