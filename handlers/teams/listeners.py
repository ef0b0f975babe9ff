"""The Teams SDK's routes: each listener turns the activity into a `Turn` and hands the work over to
another process, so Teams gets its HTTP answer in milliseconds; the reply follows as a proactive message.
A card's button is the exception: Teams waits for the updated card, which is the HTTP answer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from microsoft_teams.api import (
    AdaptiveCardInvokeActivity,
    ConversationUpdateActivity,
    InstalledActivity,
    MessageActivity,
    UninstalledActivity,
)
from microsoft_teams.api.models.invoke_response import InvokeResponse
from microsoft_teams.apps import ActivityContext

from bot.jobs.deferral import Handover
from handlers.teams.cards import card_json
from handlers.teams.context import TeamsDeps
from handlers.teams.offload import TurnJob
from handlers.teams.sdk import App
from handlers.teams.turns import Turn, Unusable, turn_of
from handlers.teams.work import handle_button, handle_installed, handle_message, handle_uninstalled

log = logging.getLogger(__name__)
CARD = "application/vnd.microsoft.card.adaptive"
ERROR = "application/vnd.microsoft.error"


class Background:
    """Work started after the HTTP answer: handed over to the command process (bot.jobs.child), which
    answers in order, or on procrastinate to queue "commands" (in order by the person's lock; see
    handlers.teams.offload)."""

    def __init__(self, handover: Handover) -> None:
        self.handover = handover

    def start(self, work: Callable[[TeamsDeps, Turn], None], turn: Turn) -> None:
        self.handover.submit(TurnJob(work.__name__, turn))


def _turn(activity: Any) -> Turn | None:
    try:
        return turn_of(activity)
    except Unusable as exc:
        log.warning("teams activity ignored", extra={"fields": {"missing": str(exc)}})
        return None


def register(app: App, deps: TeamsDeps, handover: Handover) -> None:
    """Attach Plume's listeners to the SDK app; turns go to `handover`, buttons run here."""
    background = Background(handover)

    @app.on_message
    async def on_message(ctx: ActivityContext[MessageActivity]) -> None:
        if turn := _turn(ctx.activity):
            background.start(handle_message, turn)

    @app.on_install_add
    async def on_install(ctx: ActivityContext[InstalledActivity]) -> None:
        if turn := _turn(ctx.activity):
            background.start(handle_installed, turn)

    @app.on_install_remove
    async def on_uninstall(ctx: ActivityContext[UninstalledActivity]) -> None:
        if turn := _turn(ctx.activity):
            background.start(handle_uninstalled, turn)

    @app.on_conversation_update
    async def on_conversation(ctx: ActivityContext[ConversationUpdateActivity]) -> None:
        bot = ctx.activity.recipient.id if ctx.activity.recipient else None
        added = [m.id for m in ctx.activity.members_added or []]
        if bot and bot in added and (turn := _turn(ctx.activity)):
            background.start(handle_installed, turn)  # the same event as installationUpdate "add"

    @app.on_card_action_execute()
    async def on_button(ctx: ActivityContext[AdaptiveCardInvokeActivity]) -> InvokeResponse:
        turn = _turn(ctx.activity)
        action = ctx.activity.value.action if ctx.activity.value else None
        data = action.data if action and isinstance(action.data, dict) else {}
        action_id, value = str(data.get("action") or ""), str(data.get("value") or "")
        if turn is None or not action_id:
            return InvokeResponse(status=400, body={"statusCode": 400, "type": ERROR})
        loop = asyncio.get_running_loop()
        message = await loop.run_in_executor(deps.pool, handle_button, deps, turn, action_id, value)
        return InvokeResponse(status=200, body={"statusCode": 200, "type": CARD, "value": card_json(message)})
