"""Render neutral messages and stats for a terminal (used by `make demo` and `stats`)."""

from __future__ import annotations

import textwrap

from bot.messages.figures import figure_rows
from bot.messages.model import Message
from bot.metrics.report import ENGAGEMENT_DENOMINATOR, WeekReport

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
        lines += ["", "  ".join(f"[ {a.label}{f' {a.url}' if a.url else ''} ]" for a in message.actions)]
    if message.footer:
        lines += ["", textwrap.fill(str(message.footer), WIDTH)]
    return "\n".join(lines)


def render_stats_table(report: WeekReport) -> str:
    """`stats` as a two-column table: this week beside the person's own 4-week baseline."""
    week, schedule = report.week, report.schedule
    where = f"{schedule.tz}, {schedule.hours_text} {schedule.days_text}"
    lines = [
        f"@{report.handle}  week {week.week}  ({where})",
        "",
        f"{'':32}{'this week':>12}{'baseline':>12}",
    ]
    for row in figure_rows(week):
        label = f"  {row.label}" if row.breakdown else row.label
        lines.append(f"{label:32}{row.value:>12}{row.usual:>12}")
    lines += [
        "",
        f"Engagement = likes + reposts + replies + quotes, per {ENGAGEMENT_DENOMINATOR}: "
        f"{week.figures.engagement_posts} this week.",
        f"Baseline = mean of the previous {week.baseline_weeks} week(s), at most 4.",
    ]
    return "\n".join(lines)
