"""Render neutral messages and stats for a terminal (used by `make demo` and `stats`)."""

from __future__ import annotations

import textwrap
from typing import Any

from bot.messages.model import Message

WIDTH = 78


def render_message(message: Message) -> str:
    """A boxed, readable plain-text rendering of a message."""
    lines = ["=" * WIDTH, message.title, "=" * WIDTH]
    for section in message.sections:
        if section.heading:
            lines += ["", section.heading, "-" * len(section.heading)]
        if section.text:
            lines += [textwrap.fill(p, WIDTH) for p in str(section.text).split("\n")]
        width = max((len(str(f.label)) for f in section.facts), default=0)
        lines += [f"  {str(f.label).ljust(width)}  {f.value}" for f in section.facts]
        lines += [f"  • {link.label}\n    {link.url}" for link in section.links]
    for image in message.images:
        lines += ["", f"[chart] {image.title}: {image.path}"]
    if message.context:
        lines += [""] + [textwrap.fill(str(c), WIDTH, subsequent_indent="  ") for c in message.context]
    if message.actions:
        lines += ["", "  ".join(f"[ {a.label} ]" for a in message.actions)]
    if message.footer:
        lines += ["", textwrap.fill(str(message.footer), WIDTH)]
    return "\n".join(lines)


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


def format_value(key: str, value: Any) -> str:
    """Shares as percentages, floats to one decimal, None as an em dash."""
    if value is None:
        return "—"
    if key.endswith("_share"):
        return f"{value * 100:.0f}%"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def render_stats_table(report: dict[str, Any]) -> str:
    """`stats` as a two-column table: this week beside the person's own 4-week baseline."""
    head = f"@{report['handle']}  week {report['week']}  ({report['tz']}, {report['hours']} {report['days']})"
    lines = [head, "", f"{'':32}{'this week':>12}{'baseline':>12}"]
    for key, label in STATS_ROWS:
        now, base = report.get(key), report["baseline"].get(key)
        lines.append(f"{label:32}{format_value(key, now):>12}{format_value(key, base):>12}")
    lines += [
        "",
        f"Engagement = likes + reposts + replies + quotes, per {report['engagement_denominator']}: "
        f"{report['engagement_posts']} this week.",
        f"Baseline = mean of the previous {report['baseline_weeks']} week(s), at most 4.",
    ]
    return "\n".join(lines)
