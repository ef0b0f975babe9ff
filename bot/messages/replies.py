"""Replies to `/plume` commands and the App Home, as neutral messages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.messages.action_ids import ActionId
from bot.messages.figures import figure_rows
from bot.messages.model import Action, ActionStyle, Fact, Message, Section
from bot.messages.text import Text, hint, text
from bot.metrics.report import ENGAGEMENT_DENOMINATOR, WeekReport
from bot.schedule import WorkSchedule

PRIVATE = "Only you can see this."
MAX_SUMMARY = 300


def notice(title: str, body: str | Text, *, kind: str = "notice") -> Message:
    """A short ephemeral answer."""
    summary = text(f"{title}: ", body)
    if len(str(summary)) > MAX_SUMMARY:  # a notification line, not the message: plain and short
        summary = text(str(summary)[:MAX_SUMMARY])
    return Message(kind=kind, title=title, fallback=summary, sections=(Section(text=body),))


def help_message(lines: Sequence[tuple[str, str]]) -> Message:
    """Every command with what it does."""
    facts = tuple(Fact(text(hint(usage, code=False)), description) for usage, description in lines)
    return Message(
        kind="help",
        title="Plume commands",
        fallback=text("Plume commands: ", hint("help", code=False)),
        sections=(Section(facts=facts),),
        context=("Your work-hours figures are visible to you alone.",),
    )


def joined_message(
    handle: str, schedule: WorkSchedule, consent_text: Text, archive_mb: int = 1024
) -> Message:
    """What joining means: what is tracked, who sees what, how to leave, how to bring your history."""
    return Message(
        kind="joined",
        title=f"Welcome, @{handle}! You're in.",
        fallback=f"You joined Plume as @{handle}.",
        sections=(
            Section(heading="What you agreed to", text=consent_text),
            Section(
                heading="Your schedule",
                facts=(
                    Fact("Hours", f"{schedule.hours_text} {schedule.days_text}"),
                    Fact("Timezone", schedule.tz),
                ),
            ),
            Section(
                text=text(
                    "Change it with ",
                    hint("hours 09:00-18:00 mon-fri Europe/Paris"),
                    ". Declare your topics with ",
                    hint("topics add b2b, #marketing"),
                    ".",
                )
            ),
            Section(
                heading="Bring your history",
                text=(
                    "Send your X archive .zip (X: Settings, Your account, Download an archive of your "
                    f"data) to Plume in a direct message, up to {archive_mb} MB. Backfilling from your "
                    "archive costs no X reads."
                ),
            ),
        ),
        context=(PRIVATE,),
    )


def confirm_message(what: str, action_id: ActionId, handle: str) -> Message:
    """Ask before deleting anything."""
    warning = (
        f"This stops tracking @{handle} and deletes everything Plume holds about you: posts, figures, "
        "nudge history and consent record. It cannot be undone."
    )
    return Message(
        kind="confirm",
        title=f"{what}?",
        fallback=f"Confirm {what.lower()}",
        sections=(Section(text=warning),),
        actions=(
            Action(action_id, f"Yes, {what.lower()}", value=handle, style=ActionStyle.DANGER),
            Action(ActionId.CANCEL, "Cancel", value="cancel"),
        ),
    )


def week_message(report: WeekReport) -> Message:
    """`/plume me`: the week beside the person's own baseline."""
    week = report.week
    return Message(
        kind="me",
        title=f"Your week {week.week} · @{report.handle}",
        fallback=f"Your week {week.week}: {week.figures.posts} posts",
        sections=week_sections(report),
        context=(week_context(report),),
    )


def week_sections(report: WeekReport) -> tuple[Section, ...]:
    """Each figure beside its usual value, then what the denominators and 'usual' mean."""
    rows = figure_rows(report.week)
    facts = tuple(Fact(row.label, f"{row.value} (usual {row.usual})") for row in rows if not row.breakdown)
    return (
        Section(facts=facts),
        Section(
            text=f"Engagement is per {ENGAGEMENT_DENOMINATOR}. 'Usual' is the mean of "
            f"your previous {report.week.baseline_weeks} week(s)."
        ),
    )


def week_context(report: WeekReport) -> str:
    """Who may see this, and the schedule the figures used."""
    schedule = report.schedule
    return f"{PRIVATE} Hours {schedule.hours_text} {schedule.days_text}, {schedule.tz}."


def invitation_message(inviter: str, handle: str) -> Message:
    """An admin's invitation; nothing is tracked unless the person accepts."""
    return Message(
        kind="invitation",
        title="You're invited to the brand-ambassador program",
        fallback=f"Invitation to join Plume as @{handle}",
        sections=(
            Section(
                text=f"{inviter} invited you to join Plume with your X account @{handle}. "
                "Plume celebrates quality over quantity: your figures are yours alone, and "
                "nothing is tracked unless you accept."
            ),
        ),
        actions=(
            Action(ActionId.INVITE_ACCEPT, "Accept", value=handle, style=ActionStyle.PRIMARY),
            Action(ActionId.INVITE_DECLINE, "Decline", value=handle),
        ),
    )


def nudge_log_message(entries: Sequence[tuple[str, str, str]]) -> Message:
    """`/plume nudges log`: (when, rule, numbers) of recent nudges."""
    if not entries:
        return notice("Your nudges", "No nudges so far.")
    facts = tuple(Fact(when, f"{rule}: {numbers}") for when, rule, numbers in entries)
    return Message(
        kind="nudge_log",
        title="Your recent nudges",
        fallback="Your recent nudges",
        sections=(Section(facts=facts),),
        context=(PRIVATE,),
    )


def status_message(figures: dict[str, Any]) -> Message:
    """`/plume admin status`: program health, never per-person work-hours figures."""
    facts = tuple(Fact(k, str(v)) for k, v in figures.items())
    return Message(
        kind="status",
        title="Plume status",
        fallback="Plume status",
        sections=(Section(facts=facts),),
        context=("Per-person work-hours figures are never shown to admins.",),
    )


def settings_message(settings: dict[str, Any]) -> Message:
    """`/plume admin settings`: every key and its value."""
    # Switches read as an admin types them (`true`, not Python's `True`).
    shown = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in settings.items()}
    facts = tuple(Fact(k, v) for k, v in sorted(shown.items()))
    return Message(
        kind="settings",
        title="Program settings",
        fallback="Program settings",
        sections=(
            Section(facts=facts),
            Section(text=text("Change one with ", hint("admin settings KEY VALUE"), ".")),
        ),
    )


def home_message(report: WeekReport | None, schedule: WorkSchedule | None, nudges: str) -> Message:
    """The App Home: the person's own dashboard, or a join prompt."""
    if report is None or schedule is None:
        return Message(
            kind="home",
            title="Plume",
            fallback="Join Plume",
            sections=(
                Section(
                    text=text(
                        "Plume helps brand ambassadors post with quality, on their own "
                        "topics, mostly outside work hours. Join with ",
                        hint("join @your_x_handle"),
                        ".",
                    )
                ),
            ),
        )
    week = week_message(report)
    return Message(
        kind="home",
        title=f"Your week {report.week.week}",
        fallback=week.fallback,
        sections=(
            *week.sections,
            Section(
                heading="Settings",
                facts=(
                    Fact("Hours", f"{schedule.hours_text} {schedule.days_text}"),
                    Fact("Timezone", schedule.tz),
                    Fact("Nudges", nudges),
                ),
            ),
        ),
        images=week.images,
        context=week.context,
        actions=(
            Action(ActionId.HOME_NUDGES_ON, "Nudges on"),
            Action(ActionId.HOME_NUDGES_OFF, "Nudges off"),
            Action(ActionId.HOME_SNOOZE_WEEK, "Snooze a week"),
        ),
    )
