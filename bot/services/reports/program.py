"""Loading a workspace's program (people, posts, snapshots) for a week and running the metrics pass."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.metrics.bursts import BurstRule
from bot.metrics.engine import BASELINE_WEEKS, Figures
from bot.metrics.split import empty_figures, split_figures
from bot.schedule import WorkSchedule
from bot.services.people.ambassadors import schedule_of
from bot.services.reports.stats import figures_around
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
    workspace_id: int = 0


@dataclass(frozen=True, slots=True)
class Program:
    """A workspace's people and their figures around one week."""

    # A pd.Timestamp at runtime (from `parse_week`); services only need it as a datetime.
    week: datetime
    people: dict[int, Person]
    figures: Figures


def load_program(
    *, session: Session, workspace_id: int, week: datetime, rule: BurstRule | None = None
) -> Program:
    """Figures for everyone in the workspace, for `week` and the weeks its baselines need."""
    return load_programs(session=session, workspace_ids=[workspace_id], week=week, rule=rule)[workspace_id]


def load_programs(
    *, session: Session, workspace_ids: Sequence[int], week: datetime, rule: BurstRule | None = None
) -> dict[int, Program]:
    """Each workspace's program from one metrics pass over all their people (vectorized: 500
    workspaces cost one pass, not 500), split so no workspace's figures hold another's people."""
    whole = load_whole(session=session, workspace_ids=workspace_ids, week=week, rule=rule)
    return split_program(whole, workspace_ids)


def load_whole(
    *, session: Session, workspace_ids: Sequence[int], week: datetime, rule: BurstRule | None = None
) -> Program:
    """One program holding the people of several workspaces (`Person.workspace_id` says whose): for
    per-person work done once for everyone, never for anything shown to a workspace as a whole."""
    members = repo.ambassadors_in(session=session, workspace_ids=workspace_ids)
    # One week more than the baselines: the previous week's figures, for week-over-week change.
    figures = figures_around(
        session=session,
        people=[(m.id, m.x_account.handle, schedule_of(m)) for m in members],
        week=week,
        history=BASELINE_WEEKS + 1,
        rule=rule,
    )
    people = {
        m.id: Person(
            m.id,
            m.x_account.handle,
            m.chat_user_id,
            m.highlights_allowed,
            m.nudges_enabled,
            schedule_of(m),
            m.nudges_snoozed_until,
            float((m.nudge_overrides or {}).get("threshold_factor", 1.0)),
            m.workspace_id,
        )
        for m in members
    }
    return Program(week=week, people=people, figures=figures)


def workspace_owners(program: Program) -> dict[int, int]:
    """Ambassador id -> their workspace id, for everyone in `program`."""
    return {pid: p.workspace_id for pid, p in program.people.items()}


def split_program(whole: Program, workspace_ids: Sequence[int]) -> dict[int, Program]:
    """Each workspace's own program out of a whole one."""
    parts = split_figures(whole.figures, workspace_owners(whole))
    people: dict[int, dict[int, Person]] = {wid: {} for wid in workspace_ids}
    for pid, person in whole.people.items():
        people[person.workspace_id][pid] = person
    return {
        wid: Program(
            week=whole.week, people=people[wid], figures=parts.get(wid) or empty_figures(whole.figures)
        )
        for wid in workspace_ids
    }
