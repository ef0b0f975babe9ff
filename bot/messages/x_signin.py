"""Sign in with X in chat: the join reply with its "Connect your X account" button, and the
confirmation once the person signed in."""

from __future__ import annotations

from bot.messages.action_ids import ActionId
from bot.messages.model import Action, ActionStyle, Fact, Message, Section
from bot.messages.replies import PRIVATE
from bot.messages.text import Text, hint, text
from bot.schedule import WorkSchedule


def connect_message(handle: str, consent_text: Text, url: str, minutes: int) -> Message:
    """`join` when Sign in with X is on: the terms, and the button to prove the account is theirs."""
    return Message(
        kind="x_connect",
        title="One more step: connect your X account",
        fallback="Connect your X account to finish joining Plume.",
        sections=(
            Section(heading="What you agree to", text=consent_text),
            Section(
                text=f"Sign in to X to show that @{handle} is yours: nothing is tracked until you do. "
                "If you sign in to another X account, that account is the one Plume tracks. "
                f"The button works once, within {minutes} minutes. Plume keeps no X password or token."
            ),
        ),
        actions=(Action(ActionId.X_CONNECT, "Connect your X account", style=ActionStyle.PRIMARY, url=url),),
        context=(PRIVATE,),
    )


def linked_message(handle: str, typed: str, schedule: WorkSchedule) -> Message:
    """Sent in chat once the person signed in: which account is tracked, verified, and their schedule."""
    lines = [f"You signed in to X as @{handle}: Plume now tracks that account, verified."]
    if typed.casefold() != handle.casefold():
        lines.append(f"You typed @{typed}; the account you signed in to is the one tracked.")
    return Message(
        kind="x_linked",
        title=f"Welcome, @{handle}! You're in.",
        fallback=f"You joined Plume as @{handle}, verified by X sign-in.",
        sections=(
            Section(text=" ".join(lines)),
            Section(
                heading="Your schedule",
                facts=(
                    Fact("Hours", f"{schedule.hours_text} {schedule.days_text}"),
                    Fact("Timezone", schedule.tz),
                ),
            ),
            Section(text=text("Change it with ", hint("hours 09:00-18:00 mon-fri Europe/Paris"), ".")),
        ),
        context=(PRIVATE,),
    )
