"""The display rows of a person's week, derived from its typed report: one list of rows, read by the
chat replies and the terminal table alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.metrics.report import PersonWeek

# (figure, label); an indented label is a breakdown of the row above it (shown in the terminal only).
STATS_ROWS = [
    ("posts", "Posts"),
    ("originals", "  originals"),
    ("replies", "  replies"),
    ("retweets", "  reposts"),
    ("quotes", "  quotes"),
    ("active_days", "Active days"),
    ("work_hours_posts", "Work-hours posts"),
    ("work_hours_share", "Work-hours share"),
    ("median_gap_minutes_work_hours", "Median gap in work hours (min)"),
    ("bursts", "Bursts"),
    ("engagement", "Engagement (total)"),
    ("engagement_per_post_median", "Engagement per post (median)"),
    ("on_topic_share", "On-topic share"),
    ("follower_net_change", "Follower net change"),
]


@dataclass(frozen=True, slots=True)
class FigureRow:
    """One figure as shown: its label, this week's value and the usual one, formatted."""

    label: str
    value: str
    usual: str
    breakdown: bool  # a part of the row above (originals, replies…)


def format_value(key: str, value: Any) -> str:
    """Shares as percentages, floats to one decimal, None as an em dash."""
    if value is None:
        return "—"
    if key.endswith("_share"):
        return f"{value * 100:.0f}%"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def figure_rows(week: PersonWeek) -> list[FigureRow]:
    """Every displayed figure of the week beside its baseline, in display order."""
    return [
        FigureRow(
            label=label.strip(),
            value=format_value(key, getattr(week.figures, key)),
            usual=format_value(key, getattr(week.baseline, key)),
            breakdown=label.startswith("  "),
        )
        for key, label in STATS_ROWS
    ]
