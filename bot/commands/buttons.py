"""Buttons pressed on Plume's messages, for any platform: each answer replaces the message that carried
the button (a confirmation must not linger), or removes it (None).

Every platform's listener reads (action id, value) from its own payload and calls `press`; Slack also
deletes its Home chart when someone leaves, which is its own business.
"""

from __future__ import annotations

from bot.commands.consent import invitation_consent
from bot.commands.context import ChatContext, CoreDeps
from bot.commands.person import join_with_consent
from bot.commands.run import error_message
from bot.errors import PlumeError
from bot.messages.action_ids import ActionId
from bot.messages.model import Message
from bot.messages.replies import notice
from bot.messages.text import hint, text
from bot.services.people import membership as people
from bot.storage.db import transaction

NUDGE_FEEDBACK = {
    ActionId.NUDGE_THANKS: "thanks",
    ActionId.NUDGE_SNOOZE_WEEK: "snooze",
    ActionId.NUDGE_NOT_USEFUL: "not_useful",
    ActionId.NUDGE_TURN_OFF: "off",
}
LEAVING = {ActionId.LEAVE_CONFIRM, ActionId.FORGET_CONFIRM}


def leave_confirmed(ctx: ChatContext, deps: CoreDeps) -> Message:
    """Delete the person's data after they confirmed; leave and forget both erase everything."""
    with transaction(deps.runtime.sessions) as session:
        handle = people.leave(session=session, workspace_id=ctx.workspace_id, chat_user_id=ctx.user_id)
    return notice("Done", f"Plume stopped tracking @{handle} and deleted your data. Thank you!")


def invitation_declined() -> Message:
    """Nothing to store: say so."""
    later = text("Nothing was tracked. You can join later with ", hint("join"), ".")
    return notice("No problem", later)


def nudge_answered(feedback: str, nudge_ref: str, ctx: ChatContext, deps: CoreDeps) -> Message:
    """Record what the person said about a nudge (thanks, snooze, not useful, turn off)."""
    with transaction(deps.runtime.sessions) as session:
        done = people.nudge_feedback(
            session=session,
            workspace_id=ctx.workspace_id,
            chat_user_id=ctx.user_id,
            nudge_ref=nudge_ref,
            feedback=feedback,
            now=deps.clock(),
        )
    undo = text(f"Noted: {done}. ", hint("nudges on"), " undoes it any time.")
    return notice("Thanks for telling me", undo)


def press(action_id: str, value: str, ctx: ChatContext, deps: CoreDeps) -> Message | None:
    """The answer to a pressed button: a domain error as a friendly message, an unknown button as a
    short notice (an old card from an earlier version), None when the message should just go."""
    try:
        action = ActionId(action_id)
    except ValueError:
        return notice("Plume", "That button is no longer in use; type help to see what you can do.")
    try:
        if action in LEAVING:
            return leave_confirmed(ctx, deps)
        if action is ActionId.CANCEL:
            return None
        if action is ActionId.INVITE_ACCEPT:
            return join_with_consent(ctx, deps, value, invitation_consent)
        if action is ActionId.INVITE_DECLINE:
            return invitation_declined()
        if action in NUDGE_FEEDBACK:
            return nudge_answered(NUDGE_FEEDBACK[action], value, ctx, deps)
    except PlumeError as exc:
        return error_message(exc)
    return notice("Plume", "That button is no longer in use; type help to see what you can do.")
