"""The weekly program digest's content: totals, week-over-week change, highlights and charts' data."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bot.metrics.activity import activity_matrix
from bot.metrics.program import ProgramWeek, program_week
from bot.metrics.weeks import week_label
from bot.services.program import Program

HIGHLIGHTS = 3
TREND_WEEKS = 5


@dataclass(frozen=True, slots=True)
class Highlight:
    """A post worth celebrating, shown as a link."""

    handle: str
    x_id: int
    engagement: int
    text: str

    @property
    def url(self) -> str:
        """The post on X."""
        return f"https://x.com/{self.handle}/status/{self.x_id}"


@dataclass(frozen=True, slots=True)
class DigestData:
    """Everything the digest message shows. Aggregates below the minimum group size are withheld."""

    week: str
    current: ProgramWeek
    previous: ProgramWeek
    highlights: tuple[Highlight, ...]
    trend_weeks: tuple[str, ...]
    trend_posts: tuple[int | None, ...]
    trend_engagement: tuple[float | None, ...]
    heatmap: tuple[tuple[int, ...], ...] | None


def build_digest(program: Program, min_group_size: int) -> DigestData:
    """Digest content for `program.week`."""
    figures, week = program.figures, program.week
    current = program_week(figures.weekly, figures.local, week, min_group_size)
    previous = program_week(figures.weekly, figures.local, week - pd.Timedelta(weeks=1), min_group_size)
    trend = [
        program_week(figures.weekly, figures.local, week - pd.Timedelta(weeks=n), min_group_size)
        for n in reversed(range(TREND_WEEKS))
    ]
    heatmap = None
    if not current.withheld:
        counts = figures.activity[figures.activity["week"] == week]
        heatmap = tuple(tuple(int(v) for v in row) for row in activity_matrix(counts))
    return DigestData(
        week=week_label(week),
        current=current,
        previous=previous,
        highlights=() if current.withheld else _highlights(program),
        trend_weeks=tuple(week_label(t.week) for t in trend),
        trend_posts=tuple(None if t.withheld else t.figures["posts"] for t in trend),
        trend_engagement=tuple(
            None if t.withheld else t.figures["engagement_per_post_median"] for t in trend
        ),
        heatmap=heatmap,
    )


def _highlights(program: Program) -> tuple[Highlight, ...]:
    """The week's most engaging own posts, one per person at most, from people who allow highlights.

    One per person keeps it a celebration of posts, not a ranking of people.
    """
    local = program.figures.local
    allowed = [pid for pid, p in program.people.items() if p.highlights_allowed]
    mask = (local["week"] == program.week) & local["own"] & local["ambassador_id"].isin(allowed)
    candidates = local.loc[mask & (local["engagement"] > 0)].sort_values(
        ["engagement", "x_id"], ascending=[False, True]
    )
    top = candidates.drop_duplicates("ambassador_id").head(HIGHLIGHTS)
    return tuple(
        Highlight(program.people[int(a)].handle, int(x), int(e), str(t))
        for a, x, e, t in zip(top["ambassador_id"], top["x_id"], top["engagement"], top["text"], strict=True)
    )


def change(current: float | None, previous: float | None) -> float | None:
    """Relative change, None when either side is unknown or the previous is 0."""
    if current is None or previous is None or previous == 0 or np.isnan(previous):
        return None
    return (current - previous) / abs(previous)
