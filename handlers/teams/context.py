"""What every Teams listener needs: the core's dependencies, the workspace of a turn (a Microsoft Entra
tenant), and the chat context a core command runs with (who, where, what Teams can do for it)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from bot.commands.context import ChatContext, CoreDeps, PlatformWords, utc_now
from bot.config import Settings
from bot.messages.model import Message
from bot.messages.text import hint, text
from bot.runtime import Runtime
from bot.services.delivery.notifiers import Notifier
from bot.services.workspaces.chat_state import (
    platform_state,
    remember_conversation,
    update_platform_state,
)
from bot.services.workspaces.lifecycle import first_delivery, installed_workspace
from bot.storage.db import transaction
from handlers.teams.downloads import send_download
from handlers.teams.turns import Turn

PLATFORM = "teams"
COMMAND_PREFIX = ""  # Teams: the command is typed to the bot as it is, `join @handle`
WORDS = PlatformWords(
    admins="whoever installed Plume in a team",
    pick_channel=text(
        "@mention me with ", hint("admin channel"), " in the channel that should get the digest."
    ),
    join_channel=None,  # chosen from inside the channel: Plume is in it
    help_changes=(
        (
            "admin channel",
            "admin channel",
            "Admins only: @mention me with this in the channel that should get the weekly digest.",
        ),
    ),
)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TeamsDeps:
    """Injected into listeners at registration; nothing global, nothing read at import."""

    runtime: Runtime
    settings: Settings
    notifier: Notifier
    clock: Callable[[], datetime] = utc_now
    # The web process's synchronous work runs here (a card's button, health, sign-in pages), off the
    # event loop; turns are answered in another process (handlers.teams.offload).
    pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(16, "teams-web"))

    @property
    def core(self) -> CoreDeps:
        """The core's dependencies, for commands and services."""
        return CoreDeps(runtime=self.runtime, settings=self.settings, clock=self.clock)


def first_time(deps: TeamsDeps, turn: Turn) -> bool:
    """Claim the activity; False when Teams delivered it before (a retry after a slow answer)."""
    digest = hashlib.sha256(f"{turn.conversation_id}\n{turn.activity_id}".encode()).hexdigest()
    return first_delivery(deps.runtime.sessions, f"teams:{digest[:48]}", turn.tenant_id, deps.clock())


def arrive(deps: TeamsDeps, turn: Turn) -> int:
    """The tenant's Plume workspace, created on first contact, with the conversation reference Teams
    just gave (service URL, bot id; the person's 1:1). Only verified activities get here, so only a
    service URL Teams signed for is ever stored, and only those receive the bot's token."""
    try:
        return _arrive(deps, turn)
    except IntegrityError:  # two first turns of a tenant (or a person) at once: the other one won
        return _arrive(deps, turn)


def _arrive(deps: TeamsDeps, turn: Turn) -> int:
    with transaction(deps.runtime.sessions) as session:
        ws = installed_workspace(session=session, platform=PLATFORM, external_id=turn.tenant_id)
        state = platform_state(session=session, workspace_id=ws)
        if turn.service_url and (state.get("service_url"), state.get("bot_id")) != (
            turn.service_url,
            turn.bot_id,
        ):
            update_platform_state(
                session=session, workspace_id=ws, service_url=turn.service_url, bot_id=turn.bot_id
            )
        if turn.is_personal and turn.conversation_id:
            remember_conversation(
                session=session,
                workspace_id=ws,
                user_id=turn.user_id,
                conversation_id=turn.conversation_id,
                now=deps.clock(),
            )
    return ws


def is_tenant_admin(deps: TeamsDeps, workspace_id: int, user_id: str) -> bool:
    """Whoever installed Plume in one of the tenant's teams (PLUME_ADMINS is checked by the core)."""
    with transaction(deps.runtime.sessions) as session:
        return user_id in platform_state(session=session, workspace_id=workspace_id).get("admins", [])


def chat_context(deps: TeamsDeps, workspace_id: int, turn: Turn) -> ChatContext:
    """A core command's context for a Teams user: installers as admins, the client's timezone, 1:1s."""

    def send_private(to: str, message: Message) -> None:
        deps.notifier.direct(workspace_id=workspace_id, user_id=to, message=message, key="")

    def send_file(filename: str, content: bytes, title: str, comment: str) -> None:
        to, file = (workspace_id, turn.user_id), (filename, title, comment)
        send_download(deps.settings, deps.notifier, deps.clock(), to, file)

    return ChatContext(
        platform=PLATFORM,
        workspace_id=workspace_id,
        user_id=turn.user_id,
        command_prefix=COMMAND_PREFIX,
        is_platform_admin=lambda: is_tenant_admin(deps, workspace_id, turn.user_id),
        timezone=lambda: turn.local_timezone,
        send_private=send_private,
        send_file=send_file,
        words=WORDS,
    )
