"""The Teams notifier wired to the fake Bot Framework and login: a tenant's workspace whose service URL
a verified activity would have stored, a minimal card renderer, and the environment that sends MSAL
through the intercepting proxy with the test CA trusted."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

from bot.config import Settings, load_settings
from bot.messages.model import Image, Message
from bot.runtime import Runtime, open_runtime
from bot.services.workspaces.chat_state import update_platform_state
from bot.services.workspaces.lifecycle import installed_workspace
from bot.storage.db import transaction
from handlers.teams.notifier import TeamsNotifier, summary_text
from tests.fakes.teams_server import APP_ID, TeamsCloud

CHANNEL = "19:ambassadors0000000000000000000000@thread.tacv2"
REFUSED_CHANNEL = "19:removedfromteam00000000000000000000@thread.tacv2"
USER = "aad-0001-ana"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"


def minimal_card(message: Message, *, image_url: Any) -> dict[str, Any]:
    """A valid Adaptive Card 1.5 with the title, the fallback and one Image per chart (the notifier's
    tests are not about cards: handlers/teams/cards.py renders the real ones)."""
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": message.title, "weight": "Bolder", "wrap": True},
        {"type": "TextBlock", "text": summary_text(message), "wrap": True},
    ]
    for image in message.images:
        url = image_url(image)
        if url:
            body.append({"type": "Image", "url": url, "altText": image.alt})
    return {"type": "AdaptiveCard", "$schema": CARD_SCHEMA, "version": "1.5", "body": body}


def chart_url(workspace_id: int, image: Image) -> str:
    """Where a chart would be served (the notifier only passes it on to the card)."""
    return f"https://plume.example/charts/{workspace_id}-{Path(image.path).stem}.png"


def cards(activities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The Adaptive Card of each activity."""
    return [a["attachments"][0]["content"] for a in activities]


def image_count(card: dict[str, Any]) -> int:
    """Image elements anywhere in a card."""

    def walk(node: Any) -> int:
        if isinstance(node, dict):
            return (node.get("type") == "Image") + sum(walk(v) for v in node.values())
        if isinstance(node, list):
            return sum(walk(v) for v in node)
        return 0

    return walk(card.get("body", []))


@dataclass
class TeamsSetup:
    """A started fake cloud, a notifier, and the tenant's workspace."""

    cloud: TeamsCloud
    settings: Settings
    runtime: Runtime
    notifier: TeamsNotifier
    workspace_id: int

    def summaries(self, conversation: str) -> list[str]:
        """The notification text of each message now in a conversation, oldest first."""
        return [a["summary"] for a in self.cloud.teams.activities(conversation)]


def add_tenant(runtime: Runtime, tenant: str, service_url: str | None) -> int:
    """A Teams workspace, with the service URL a verified activity taught (None: nothing arrived yet)."""
    with transaction(runtime.sessions) as session:
        workspace_id = installed_workspace(session=session, platform="teams", external_id=tenant)
        if service_url:
            update_platform_state(
                session=session, workspace_id=workspace_id, service_url=service_url, bot_id=f"28:{APP_ID}"
            )
    return workspace_id


@contextmanager
def teams_setup(tmp_path: Path, **notifier_options: Any) -> Iterator[TeamsSetup]:
    """Everything started; the process's proxy and CA variables set for the duration."""
    with TeamsCloud() as cloud, mock.patch.dict(os.environ, cloud.env()):
        cloud.teams.add_member(USER, "Ana Lima")
        cloud.teams.add_channel(CHANNEL)
        cloud.teams.add_channel(REFUSED_CHANNEL)
        cloud.teams.refuse(REFUSED_CHANNEL)
        settings = load_settings(
            {
                "DATABASE_URL": f"sqlite:///{tmp_path / 'teams.db'}",
                "LOG_LEVEL": "WARNING",
                **cloud.settings_env(),
            }
        )
        runtime = open_runtime(settings)
        workspace_id = add_tenant(runtime, cloud.tenant, cloud.teams.url)
        options = {"render": minimal_card, "image_url": chart_url, **notifier_options}
        notifier = TeamsNotifier(settings, runtime, **options)
        try:
            yield TeamsSetup(cloud, settings, runtime, notifier, workspace_id)
        finally:
            notifier.close()
            runtime.engine.dispose()
