"""Loading a workspace's program (people, posts, snapshots) for a week and running the metrics pass."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy.orm import Session

from bot.metrics.bursts import BurstRule
from bot.metrics.engine import BASELINE_WEEKS, Figures
from bot.schedule import WorkSchedule
from bot.services.ambassadors import schedule_of
from bot.services.stats import figures_around
from bot.storage import repositories as repo


@dataclass(frozen=True, slots=True)
class Person:
    """What messages may know about a person: their handle and their sharing choices."""

    ambassador_id: int
    handle: str
    chat_user_id: str | None
    highlights_allowed: bool
    nudges_enabled: bool
    schedule: WorkSchedule | None = None
    snoozed_until: datetime | None = None
    threshold_factor: float = 1.0


@dataclass(frozen=True, slots=True)
class Program:
    """A workspace's people and their figures around one week."""

    week: pd.Timestamp
    people: dict[int, Person]
    figures: Figures


def load_program(
    *, session: Session, workspace_id: int, week: pd.Timestamp, rule: BurstRule | None = None
) -> Program:
    """Figures for everyone in the workspace, for `week` and the weeks its baselines need."""
    members = repo.ambassadors_in(session=session, workspace_id=workspace_id)
    # One week more than the baselines: the previous week's figures, for week-over-week change.
    figures = figures_around(
        session=session,
        people=[(m.id, m.x_account.handle, schedule_of(m)) for m in members],
        week=week,
        history=BASELINE_WEEKS + 1,
        rule=rule,
    )
    persons = {
        m.id: Person(
            m.id,
            m.x_account.handle,
            m.chat_user_id,
            m.highlights_allowed,
            m.nudges_enabled,
            schedule_of(m),
            m.nudges_snoozed_until,
            float((m.nudge_overrides or {}).get("threshold_factor", 1.0)),
        )
        for m in members
    }
    return Program(week=week, people=persons, figures=figures)
