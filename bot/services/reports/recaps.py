"""Each person's private weekly recap, for a whole workspace from one metrics pass."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from bot.metrics.report import WeekReport, person_weeks
from bot.schedule import WorkSchedule
from bot.services.reports.digest import Highlight
from bot.services.reports.nudges import best_offhours_slots
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
    slots = best_offhours_slots(local, program.week + pd.Timedelta(weeks=1))
    best = _best_posts(local, program.week)
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


def _best_posts(local: pd.DataFrame, week: pd.Timestamp) -> dict[int, tuple[int, int, str]]:
    """Each person's most engaging own post of the week: (x_id, engagement, text)."""
    mask = (local["week"] == week) & local["own"] & (local["engagement"] > 0)
    top = (
        local.loc[mask]
        .sort_values(["engagement", "x_id"], ascending=[False, True])
        .drop_duplicates("ambassador_id")
    )
    return {
        int(a): (int(x), int(e), str(t))
        for a, x, e, t in zip(top["ambassador_id"], top["x_id"], top["engagement"], top["text"], strict=True)
    }
