"""The private weekly recap DM: the week beside the baseline, the best post, the best off-hours slots."""

from __future__ import annotations

from bot.messages.digest import clip
from bot.messages.model import Link, Message, Section
from bot.messages.nudge import slot_text
from bot.messages.replies import week_context, week_sections
from bot.messages.text import hint, text
from bot.services.reports.recaps import Recap


def recap_message(recap: Recap) -> Message:
    """Sent on the digest day; switched off with the `recap off` command."""
    report = recap.report
    return Message(
        kind="recap",
        title=f"Your week {report.week.week} · @{report.handle}",
        fallback=f"Your weekly recap {report.week.week}: {report.week.figures.posts} posts",
        sections=(*week_sections(report), _best_post(recap), _best_slots(recap)),
        context=(week_context(report), text("Weekly recap: switch it off with ", hint("recap off"), ".")),
    )


def _best_post(recap: Recap) -> Section:
    post = recap.best_post
    if post is None:
        return Section(heading="Best post", text="None with engagement this week.")
    plural = "s" * (post.engagement != 1)
    label = f"{clip(post.text)} ({post.engagement} engagement{plural})"
    return Section(heading="Best post", links=(Link(post.url, label),))


def _best_slots(recap: Recap) -> Section:
    if not recap.best_slots:
        return Section(
            heading="Best off-hours slots",
            text="Not enough posts outside your work hours yet to tell. A scheduler lets you try a few.",
        )
    return Section(
        heading="Best off-hours slots",
        text=f"From your engagement history: {slot_text(recap.best_slots)}.",
    )
