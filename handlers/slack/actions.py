"""Buttons: leave/forget confirmations, invitations, App Home switches."""

from __future__ import annotations

import logging

from slack_bolt import App

from bot.commands.buttons import invitation_declined, leave_confirmed, nudge_answered
from bot.commands.consent import invitation_consent
from bot.commands.person import join_with_consent
from bot.commands.run import error_message
from bot.errors import PlumeError
from bot.messages.action_ids import ActionId
from bot.services.people import membership as people
from bot.storage.db import transaction
from handlers.slack.context import (
    SlackDeps,
    action_value,
    chat_context,
    interaction_ids,
    response_url,
    tolerant,
    workspace_id,
)
from handlers.slack.home import forget_home, refresh_home
from handlers.slack.render import fallback_text, to_blocks

log = logging.getLogger(__name__)


def _answer(respond, message) -> None:
    """Replace the message that carried the button (confirmations must not linger)."""
    respond(blocks=to_blocks(message), text=fallback_text(message), replace_original=True)


def handle_leave_confirm(body, respond, client, deps: SlackDeps) -> None:
    """Delete the person's data after they confirmed (the core's answer), then their Home chart."""
    team_id, user_id = interaction_ids(body)
    response_url(body)
    ctx = chat_context(client, workspace_id(deps, team_id), user_id)
    try:
        with transaction(deps.runtime.sessions) as session:
            home_file = people.me(session=session, workspace_id=ctx.workspace_id, chat_user_id=user_id)
            home_file = home_file.home_file_id
        message = leave_confirmed(ctx, deps.core)
    except PlumeError as exc:
        message, home_file = error_message(exc), None
    _answer(respond, message)
    if home_file:
        forget_home(deps, client, ctx.workspace_id, user_id, home_file)


def handle_cancel(body, respond) -> None:
    """Drop the confirmation."""
    response_url(body)
    respond(delete_original=True)


def handle_invite_accept(body, respond, client, deps: SlackDeps) -> None:
    """The invited person accepts: their click is their consent, recorded with the invitation text."""
    team_id, user_id = interaction_ids(body)
    value, _ = action_value(body), response_url(body)
    ctx = chat_context(client, workspace_id(deps, team_id), user_id)
    try:
        message = join_with_consent(ctx, deps.core, value, invitation_consent)
    except PlumeError as exc:
        message = error_message(exc)
    _answer(respond, message)


def handle_invite_decline(body, respond) -> None:
    """Nothing to store: say so."""
    response_url(body)
    _answer(respond, invitation_declined())


def _home_switch(action: str, days: int | None, deps: SlackDeps):
    """A Home button's listener. Bolt passes arguments by name, so the listener's parameters are only
    names it knows (`body`, `client`); what else it needs is closed over."""

    def handler(body, client) -> None:
        team_id, user_id = interaction_ids(body)
        ws = workspace_id(deps, team_id)
        try:
            with transaction(deps.runtime.sessions) as session:
                people.set_nudges(
                    session=session,
                    workspace_id=ws,
                    chat_user_id=user_id,
                    action=action,
                    days=days,
                    now=deps.clock(),
                )
        except PlumeError:  # say, a stale Home clicked after leaving: the fresh one shows the join prompt
            log.info("home switch refused", extra={"fields": {"action": action}})
        refresh_home(deps, client, ws, user_id)

    return handler


def _nudge_button(feedback: str, deps: SlackDeps):
    """A nudge button's listener (parameters only of names Bolt knows, as for `_home_switch`)."""

    def handler(body, respond, client) -> None:
        (team_id, user_id), nudge_ref = interaction_ids(body), action_value(body)
        response_url(body)
        ctx = chat_context(client, workspace_id(deps, team_id), user_id)
        try:
            message = nudge_answered(feedback, nudge_ref, ctx, deps.core)
        except PlumeError as exc:
            message = error_message(exc)
        respond(blocks=to_blocks(message), text=fallback_text(message), replace_original=False)

    return handler


def _ack(ack) -> None:
    ack()


def register(app: App, deps: SlackDeps) -> None:
    """Attach the button listeners: ack at once, work lazily after the response."""

    def on(action_id: ActionId, work) -> None:
        app.action(action_id)(ack=_ack, lazy=[tolerant(work)])

    def leave(body, respond, client):
        handle_leave_confirm(body, respond, client, deps)

    on(ActionId.LEAVE_CONFIRM, leave)
    on(ActionId.FORGET_CONFIRM, leave)
    on(ActionId.CANCEL, handle_cancel)
    on(
        ActionId.INVITE_ACCEPT,
        lambda body, respond, client: handle_invite_accept(body, respond, client, deps),
    )
    on(ActionId.INVITE_DECLINE, handle_invite_decline)
    # A link button opens its page in the browser; Slack still sends the click, which wants an ack.
    app.action(ActionId.X_CONNECT)(_ack)
    for action_id, feedback in (
        (ActionId.NUDGE_THANKS, "thanks"),
        (ActionId.NUDGE_SNOOZE_WEEK, "snooze"),
        (ActionId.NUDGE_NOT_USEFUL, "not_useful"),
        (ActionId.NUDGE_TURN_OFF, "off"),
    ):
        on(action_id, _nudge_button(feedback, deps))
    for action_id, action, days in (
        (ActionId.HOME_NUDGES_ON, "on", None),
        (ActionId.HOME_NUDGES_OFF, "off", None),
        (ActionId.HOME_SNOOZE_WEEK, "snooze", 7),
    ):
        on(action_id, _home_switch(action, days, deps))
