"""The composition root of chat platforms: the one module of `bot/` that imports `handlers/`.

Importing a platform's notifier module registers its factory under its `Workspace.platform` key;
`notifiers(settings)` builds, once per settings, what jobs use to find each workspace's notifier.
The CLI reaches the platforms' servers and renderers through here too. A Teams package adds its
imports here.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

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


def serve_teams(settings: Settings) -> None:
    """Microsoft Teams' HTTP endpoints (uvicorn on $TEAMS_PORT); a clear error without credentials."""
    from bot.errors import ConfigError
    from handlers.teams.sdk import teams_configured

    if not teams_configured(settings):
        raise ConfigError("Bad setting TEAMS_APP_ID: serving Teams needs TEAMS_APP_ID and TEAMS_APP_PASSWORD")
    from handlers.teams.server import serve as serve_teams_http

    serve_teams_http(settings)


def socket_mode(settings: Settings) -> None:
    """Slack in Socket Mode, for local development."""
    from handlers.slack.web import socket_mode as slack_socket_mode

    slack_socket_mode(settings)


def demo_renderers() -> dict[str, Callable[[Message], dict]]:
    """What `make demo` writes beside the neutral JSON: each platform's rendering of a message."""
    from handlers.slack.render import fallback_text, to_blocks
    from handlers.teams.cards import card_json

    def blockkit(message: Message) -> dict:
        return {"text": fallback_text(message), "blocks": to_blocks(message)}

    # Charts are left out of both: the demo has no Slack file ids, and no public URL Teams could fetch
    # (a file:// path would only show a broken image in the Designer).
    return {"blockkit": blockkit, "adaptivecard": card_json}


def teams_package(settings: Settings, out: Path, **options: str | None) -> Path:
    """Write the Teams app package (manifest.json and icons) to `out`; the path written."""
    from handlers.teams.package import PackageOptions, write_package

    return write_package(settings, PackageOptions(out=out, **options))


def answer_slack_job(args: dict) -> None:
    """A Slack command (or archive sent in a DM) from the job queue, answered by Slack's handlers."""
    from handlers.slack.queueing import answer_queued

    answer_queued(args)


def answer_teams_turn(args: dict) -> None:
    """A Teams turn from the job queue, answered by Teams' handlers."""
    from handlers.teams.offload import answer_queued_turn

    answer_queued_turn(args)
