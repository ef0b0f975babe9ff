"""The work of each kind of Teams turn, run in a thread after Teams got its HTTP answer (commands,
installs) or while it waits (a card's button, whose answer is the updated card)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.commands.buttons import press
from bot.commands.grammar import help_lines
from bot.commands.run import answer
from bot.commands.tokens import ChannelRef, Token
from bot.messages.model import Message
from bot.messages.replies import help_message, notice
from bot.messages.text import hint, text
from bot.services.delivery.notifiers import DeliveryFailed
from bot.services.workspaces.chat_state import platform_state, update_platform_state
from bot.services.workspaces.lifecycle import mark_uninstalled
from bot.storage.db import transaction
from handlers.teams.archive import import_sent_file
from handlers.teams.context import WORDS, TeamsDeps, arrive, chat_context, first_time
from handlers.teams.syntax import teams_tokens
from handlers.teams.turns import Turn

log = logging.getLogger(__name__)
ANSWERED_PRIVATELY = "I've answered you in our 1:1 chat."


def channel_of(turn: Turn) -> str:
    """The channel's conversation id, without the thread a message was posted in."""
    return turn.conversation_id.split(";", 1)[0]


def command_tokens(turn: Turn) -> list[Token] | object:
    """What was typed, as the grammar's tokens; `admin channel` typed in a channel names that channel."""
    tokens = teams_tokens(turn.text, turn.entities, turn.bot_id.removeprefix("28:"))
    if not turn.is_personal and _words(tokens) == "admin channel":
        tokens = [*tokens, ChannelRef(channel_of(turn), turn.channel_name)]
    return tokens


def _words(tokens: object) -> str:
    return " ".join(t.lower() for t in tokens if isinstance(t, str)) if isinstance(tokens, list) else ""


def is_public(tokens: object) -> bool:
    """Whether an answer may be shown in the channel it was asked in: help, and choosing the channel.
    Every other answer may hold the person's own figures or settings: it goes to their 1:1 chat."""
    words = _words(tokens)
    return words == "help" or words == "admin channel"


def handle_message(deps: TeamsDeps, turn: Turn) -> None:
    """A message to the bot: run the command, answer in the 1:1 (or the channel, when it may)."""
    if not first_time(deps, turn):
        return
    workspace = arrive(deps, turn)
    if turn.is_personal and turn.files:  # an X archive sent in the 1:1
        import_sent_file(deps, workspace, turn, turn.files[0])
        return
    tokens = command_tokens(turn)
    message = answer(tokens, chat_context(deps, workspace, turn), deps.core)
    if turn.is_personal or is_public(tokens):
        _say(deps, workspace, turn.conversation_id, message)
    else:
        deps.notifier.direct(workspace_id=workspace, user_id=turn.user_id, message=message, key="")
        _say(deps, workspace, turn.conversation_id, notice("Plume", ANSWERED_PRIVATELY))


def _say(deps: TeamsDeps, workspace: int, conversation_id: str, message: Message) -> None:
    deps.notifier.post(workspace_id=workspace, channel=conversation_id, message=message, key="")


def handle_button(deps: TeamsDeps, turn: Turn, action_id: str, value: str) -> Message:
    """A card's button: the core's answer replaces the card (Cancel: a card saying nothing changed)."""
    workspace = arrive(deps, turn)
    message = press(action_id, value, chat_context(deps, workspace, turn), deps.core)
    return message or notice("Cancelled", "Nothing changed.")


def handle_installed(deps: TeamsDeps, turn: Turn) -> None:
    """Plume added to a team (its installer becomes an admin) or to someone's personal scope."""
    if not first_time(deps, turn):
        return
    workspace = arrive(deps, turn)
    if turn.is_personal:
        _say(deps, workspace, turn.conversation_id, welcome())
        return
    with transaction(deps.runtime.sessions) as session:
        state = platform_state(session=session, workspace_id=workspace)
        admins, teams = set(state.get("admins", [])), set(state.get("teams", []))
        update_platform_state(
            session=session,
            workspace_id=workspace,
            admins=sorted(admins | {turn.user_id}),
            teams=sorted(teams | {turn.team_id or channel_of(turn)}),
        )
    _say(deps, workspace, channel_of(turn), channel_welcome())


def handle_uninstalled(deps: TeamsDeps, turn: Turn) -> None:
    """Plume removed from a team: when no team of the tenant keeps it, the tenant's purge is
    scheduled, as a Slack uninstall does. Removing it from one's personal scope changes nothing else."""
    if turn.is_personal or not first_time(deps, turn):
        return
    workspace = arrive(deps, turn)
    with transaction(deps.runtime.sessions) as session:
        teams = set(platform_state(session=session, workspace_id=workspace).get("teams", []))
        teams.discard(turn.team_id or channel_of(turn))
        update_platform_state(session=session, workspace_id=workspace, teams=sorted(teams))
        if not teams:
            mark_uninstalled(session=session, workspace_id=workspace, now=deps.clock())
    log.info("teams uninstall", extra={"fields": {"teams_left": len(teams)}})


def welcome() -> Message:
    """The first message in someone's 1:1 with Plume: what it does, and how to start."""
    return help_message(help_lines(WORDS.help_changes))


def channel_welcome() -> Message:
    """Said in the team's channel on install: how to choose the digest channel."""
    how = text(
        "Plume celebrates your ambassador program here once a week. To choose the channel, @mention me "
        "there with ",
        hint("admin channel"),
        ". Everyone can talk to me in a 1:1 chat: ",
        hint("help"),
        " lists what I can do.",
    )
    return notice("Hello from Plume", how)


def run_logged(work: Callable[[TeamsDeps, Turn], None], deps: TeamsDeps, turn: Turn) -> None:
    """Run a turn's work; a refusal from Teams is one WARNING line, a bug is logged with its trace."""
    try:
        work(deps, turn)
    except DeliveryFailed as refused:  # Teams refused the answer (Plume removed from the chat, say)
        log.warning("teams answer refused", extra={"fields": {"work": work.__name__, "reason": str(refused)}})
    except Exception:
        log.exception("teams turn failed", extra={"fields": {"work": work.__name__}})


# The work of each kind of turn, by name (how a queued turn names its work).
WORK: dict[str, Callable[[TeamsDeps, Turn], None]] = {
    work.__name__: work for work in (handle_message, handle_installed, handle_uninstalled)
}
