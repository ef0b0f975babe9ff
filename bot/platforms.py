"""The composition root of chat platforms: the one module of `bot/` that imports `handlers/`.

Importing a platform's notifier module registers its factory under its `Workspace.platform` key;
`notifiers(settings)` builds, once per settings, what jobs use to find each workspace's notifier.
The CLI reaches the platforms' servers and renderers through here too. A Teams package adds its
imports here.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import handlers.slack.notifier  # registers "slack"
import handlers.teams.notifier  # noqa: F401  registers "teams"
from bot.config import Settings
from bot.messages.model import Message
from bot.runtime import shared_runtime
from bot.services.delivery.notifiers import Notifiers, notifier_registry


@lru_cache(maxsize=4)
def notifiers(settings: Settings) -> Notifiers:
    """Every registered platform's notifier for these settings, each built on first use."""
    return notifier_registry.build(settings, shared_runtime(settings))


def chat_configured(settings: Settings) -> bool:
    """Whether any chat platform has its credentials set: without them nothing can be sent."""
    from handlers.slack.notifier import slack_configured
    from handlers.teams.sdk import teams_configured

    return slack_configured(settings) or teams_configured(settings)


def serve(settings: Settings) -> None:
    """The chat platforms' HTTP endpoints (Slack: waitress on $PORT)."""
    from handlers.slack.web import serve as serve_slack

    serve_slack(settings)


def socket_mode(settings: Settings) -> None:
    """Slack in Socket Mode, for local development."""
    from handlers.slack.web import socket_mode as slack_socket_mode

    slack_socket_mode(settings)


def demo_renderers() -> dict[str, Callable[[Message], dict]]:
    """What `make demo` writes beside the neutral JSON: each platform's rendering of a message."""
    from handlers.slack.render import fallback_text, to_blocks

    def blockkit(message: Message) -> dict:
        return {"text": fallback_text(message), "blocks": to_blocks(message)}

    return {"blockkit": blockkit}
