"""Which gentle nudges would go out, with their numbers, after caps, snoozes and opt-outs."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pandas as pd

from bot.metrics.nudges import NudgeRules, shift_activity, triggered
from bot.services.reports.program import Program

SLOTS = 2
MIN_SLOT_POSTS = 2


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
    fired = triggered(shift_activity(local, rules, program.figures.history_days), rules)
    week_end = program.week + pd.Timedelta(weeks=1)
    fired = fired[(fired["shift_date"] >= program.week) & (fired["shift_date"] < week_end)]
    enabled = [pid for pid, p in program.people.items() if p.nudges_enabled]
    fired = fired[fired["ambassador_id"].isin(enabled)].sort_values(["ambassador_id", "shift_date"])
    if cap:  # a preview (the demo) caps what fired; delivery caps what was actually sent instead
        fired = fired[fired.groupby("ambassador_id").cumcount() < rules.per_week]
    slots = best_offhours_slots(local, program.week)
    return [
        NudgePlan(
            ambassador_id=int(row.ambassador_id),
            handle=program.people[int(row.ambassador_id)].handle,
            day=row.shift_date.date().isoformat(),
            rule=str(row.rule),
            work_posts=int(row.work_posts),
            bursts=int(row.bursts),
            weekday_median=None if pd.isna(row.weekday_median) else float(row.weekday_median),
            best_slots=slots.get(int(row.ambassador_id), ()),
        )
        for row in fired.itertuples(index=False)
    ]


def best_offhours_slots(
    local: pd.DataFrame, before: pd.Timestamp
) -> dict[int, tuple[tuple[int, int, float], ...]]:
    """Each person's best off-hours (weekday, hour, median engagement) slots from weeks before `before`."""
    history = local[(local["week"] < before) & ~local["work"] & local["own"]]
    by_slot = history.groupby(["ambassador_id", "weekday", "hour"])["engagement"].agg(["median", "size"])
    by_slot = by_slot[(by_slot["size"] >= MIN_SLOT_POSTS) & (by_slot["median"] > 0)].reset_index()
    by_slot = by_slot.sort_values(["ambassador_id", "median", "size"], ascending=[True, False, False])
    top = by_slot.groupby("ambassador_id").head(SLOTS)
    # One walk over the (sorted) rows, not a groupby loop: a batch of workspaces has thousands of people.
    slots: defaultdict[int, list[tuple[int, int, float]]] = defaultdict(list)
    for pid, w, h, m in zip(top["ambassador_id"], top["weekday"], top["hour"], top["median"], strict=True):
        slots[int(pid)].append((int(w), int(h), float(m)))
    return {pid: tuple(found) for pid, found in slots.items()}
