"""Which gentle nudges would go out, with their numbers, after caps, snoozes and opt-outs."""

from __future__ import annotations

from dataclasses import dataclass

from bot.metrics.nudges import NudgeRules, fired_nudges
from bot.metrics.slots import best_offhours_slots
from bot.services.reports.program import Program


@dataclass(frozen=True, slots=True)
class NudgePlan:
    """One nudge for one person and one work shift, with the facts that justify it."""

    ambassador_id: int
    handle: str
    day: str
    rule: str
    work_posts: int
    bursts: int
    weekday_median: float | None
    best_slots: tuple[tuple[int, int, float], ...]

    @property
    def window_key(self) -> str:
        """The unique key a delivery claims: one nudge per person, rule and day."""
        return f"{self.rule}:{self.day}"


def plan_nudges(program: Program, rules: NudgeRules | None = None, *, cap: bool = True) -> list[NudgePlan]:
    """Nudges for the program's week in time order: at most `per_day` a day and `per_week` a week each."""
    rules = rules or NudgeRules()
    local = program.figures.local
    enabled = [pid for pid, p in program.people.items() if p.nudges_enabled]
    fired = fired_nudges(local, program.figures.history_days, rules, program.week, enabled, cap=cap)
    slots = best_offhours_slots(local, program.week)
    return [
        NudgePlan(
            ambassador_id=f.ambassador_id,
            handle=program.people[f.ambassador_id].handle,
            day=f.day,
            rule=f.rule,
            work_posts=f.work_posts,
            bursts=f.bursts,
            weekday_median=f.weekday_median,
            best_slots=slots.get(f.ambassador_id, ()),
        )
        for f in fired
    ]
