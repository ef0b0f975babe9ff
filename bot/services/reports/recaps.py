"""Each person's private weekly recap, for a whole workspace from one metrics pass."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.metrics.highlights import best_posts
from bot.metrics.report import WeekReport, person_weeks
from bot.metrics.slots import best_offhours_slots
from bot.schedule import WorkSchedule
from bot.services.reports.digest import Highlight
from bot.services.reports.program import Program


@dataclass(frozen=True, slots=True)
class Recap:
    """One person's week beside their baseline, their best post and their best off-hours slots."""

    report: WeekReport
    best_post: Highlight | None
    best_slots: tuple[tuple[int, int, float], ...]


def recaps(program: Program) -> dict[int, Recap]:
    """Recaps of the program's week for everyone in it, vectorized (a whole program of many workspaces
    costs about what one does). A recap is private, so every person's best post counts, whatever
    they chose for the public digest's highlights."""
    local = program.figures.local
    # Slots from everything up to the end of the recapped week: it is history by the time they read it.
    slots = best_offhours_slots(local, program.week + timedelta(weeks=1))
    best = best_posts(local, program.week)
    weeks = person_weeks(program.figures, program.week, list(program.people))
    result = {}
    for pid, person in program.people.items():
        report = WeekReport(person.handle, person.schedule or WorkSchedule(), weeks[pid])
        post = best.get(pid)
        result[pid] = Recap(
            report=report,
            best_post=Highlight(person.handle, *post) if post else None,
            best_slots=slots.get(pid, ()),
        )
    return result
