"""Running a command for any platform: parse neutral tokens, route, and always answer with a message."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.commands import grammar as g
from bot.commands.admin import ADMIN_COMMANDS
from bot.commands.context import ChatContext, CoreDeps
from bot.commands.person import PERSON_COMMANDS
from bot.commands.tokens import Token
from bot.errors import PlumeError
from bot.messages.model import Message
from bot.messages.replies import help_message, notice

log = logging.getLogger(__name__)
TRY_AGAIN = "Something went wrong on our side; it has been logged. Please try again."


def run_command(parsed: g.Command, ctx: ChatContext, deps: CoreDeps) -> Message:
    """Route a parsed command to its handler (admin rights are checked there, on every call)."""
    handler = PERSON_COMMANDS.get(type(parsed)) or ADMIN_COMMANDS.get(type(parsed))
    if handler is None:
        return help_message(g.help_lines(ctx.words.help_changes))
    return handler(parsed, ctx, deps)


def answer(tokens: Sequence[Token], ctx: ChatContext, deps: CoreDeps) -> Message:
    """The reply to what the person typed: the command's message, or a friendly error. A domain error
    is shown as it is; anything else is a bug of ours, logged with its trace and never shown."""
    try:
        return run_command(g.parse_command(tokens), ctx, deps)
    except PlumeError as exc:
        return error_message(exc)
    except Exception:
        log.exception("command failed", extra={"fields": {"platform": ctx.platform, "tokens": len(tokens)}})
        return notice("Plume", TRY_AGAIN, kind="error")


def error_message(exc: PlumeError) -> Message:
    """A domain error as an ephemeral answer."""
    return notice("Plume", exc.text, kind="error")
