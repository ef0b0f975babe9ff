"""A gentle, private nudge: the reason and the numbers first, then a concrete self-directed idea."""

from __future__ import annotations

import hashlib

from bot.messages.action_ids import ActionId
from bot.messages.model import Action, ActionStyle, Message, Section
from bot.schedule import DAY_NAMES
from bot.services.reports.nudges import NudgePlan

OPENERS = (
    "Hi @{handle}, a friendly heads-up from Plume.",
    "Hey @{handle}, quick note, just for you.",
    "Hello @{handle}! A small observation from Plume, only you can see this.",
)
REASONS = {
    "burst": "On {day} you posted {work_posts} times during your work hours, including {bursts} burst(s) "
    "of 6+ posts within an hour.",
    "day_volume": "On {day} you posted {work_posts} times during your work hours.",
    "above_baseline": "On {day} you posted {work_posts} times during your work hours, more than twice your "
    "usual {median:g} for that weekday.",
}
CLOSERS = (
    "A lot of posting during work hours can read as 'always online' to clients and colleagues.",
    "Fewer, well-timed posts tend to travel further than many quick ones.",
    "Your audience will still be there after work, often more of it.",
)
ACTIONS = (
    Action(ActionId.NUDGE_THANKS, "Thanks", style=ActionStyle.PRIMARY),
    Action(ActionId.NUDGE_SNOOZE_WEEK, "Snooze a week"),
    Action(ActionId.NUDGE_NOT_USEFUL, "Not useful"),
    Action(ActionId.NUDGE_TURN_OFF, "Turn off", style=ActionStyle.DANGER),
)


def _variant(plan: NudgePlan, options: tuple[str, ...], salt: str) -> str:
    """A stable but varied choice, so the same words don't come every time."""
    digest = hashlib.sha256(f"{plan.ambassador_id}:{plan.window_key}:{salt}".encode()).digest()
    return options[digest[0] % len(options)]


def suggestion(plan: NudgePlan) -> str:
    """Schedule for their own best off-hours slots, or generic calm times when history is thin."""
    if not plan.best_slots:
        return (
            "Idea: queue the next ones with a scheduler for your lunch break or after your work hours, "
            "and keep one post for your own topic."
        )
    slots = slot_text(plan.best_slots)
    return f"Idea: your posts did best outside work hours at {slots}. Queue the next ones for those slots?"


def slot_text(slots: tuple[tuple[int, int, float], ...]) -> str:
    """(weekday, hour, median engagement) slots as words: `Sun 19:00 (median 12 engagements) and …`."""
    return " and ".join(
        f"{DAY_NAMES[w].capitalize()} {h:02d}:00 (median {m:g} engagement{'s' * (m != 1)})"
        for w, h, m in slots
    )


def nudge_message(plan: NudgePlan) -> Message:
    """The DM, with Thanks / Snooze a week / Not useful / Turn off buttons."""
    reason = REASONS[plan.rule].format(
        day=plan.day, work_posts=plan.work_posts, bursts=plan.bursts, median=plan.weekday_median or 0
    )
    opener = _variant(plan, OPENERS, "open").format(handle=plan.handle)
    closer = _variant(plan, CLOSERS, "close")
    actions = tuple(
        Action(a.action_id, a.label, value=f"{plan.ambassador_id}:{plan.window_key}", style=a.style)
        for a in ACTIONS
    )
    return Message(
        kind="nudge",
        title=opener,
        fallback=f"Plume: {reason}",
        sections=(Section(text=reason), Section(text=f"{closer} {suggestion(plan)}")),
        context=("Only you see this. Plume never reports your work-hours figures to anyone.",),
        actions=actions,
        meta={"rule": plan.rule, "window": plan.window_key, "ambassador_id": plan.ambassador_id},
    )
