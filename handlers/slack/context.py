"""What every Slack listener needs: the core's dependencies, the workspace of a request, and the chat
context a core command runs with (who, where, and what Slack can do for it)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.commands.context import ChatContext, CoreDeps, utc_now
from bot.config import Settings
from bot.errors import PlumeError
from bot.messages.model import Message
from bot.runtime import Runtime
from bot.services.workspaces.lifecycle import installed_workspace
from bot.storage.db import transaction
from handlers.slack.ids import SLASH_PREFIX
from handlers.slack.render import fallback_text, to_blocks

if TYPE_CHECKING:
    from bot.jobs.deferral import Handover

PLATFORM = "slack"
T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SlackDeps:
    """Injected into listeners at registration; nothing global, nothing read at import."""

    runtime: Runtime
    settings: Settings
    clock: Callable[[], datetime] = utc_now
    # Set in `serve`: commands run in another process (the child, or a job queue's worker).
    command_pool: Handover | None = None

    @property
    def core(self) -> CoreDeps:
        """The core's dependencies, for commands and services."""
        return CoreDeps(runtime=self.runtime, settings=self.settings, clock=self.clock)


class Malformed(Exception):
    """A signed payload not shaped like Slack's (a buggy or compromised sender). Dropped with one WARNING
    line naming the field, never its contents: the signature says who sent it, not that it makes sense."""


def member(mapping: object, key: str) -> object:
    """`mapping[key]` when `mapping` is an object that has it; None for any other shape."""
    return mapping.get(key) if isinstance(mapping, dict) else None


def field(value: object, name: str) -> str:
    """A payload field that must be a non-empty string (an id, a button value)."""
    if isinstance(value, str) and value:
        return value
    raise Malformed(name)


def interaction_ids(body: object) -> tuple[str, str]:
    """(team id, user id) of an interaction payload."""
    team = field(member(member(body, "team"), "id"), "team.id")
    return team, field(member(member(body, "user"), "id"), "user.id")


def action_value(body: object) -> str:
    """The clicked button's value."""
    actions = member(body, "actions")
    first = actions[0] if isinstance(actions, list) and actions else None
    return field(member(first, "value"), "actions[0].value")


def response_url(body: object) -> str:
    """Where `respond()` posts: without one, Bolt's respond raises; an answer has nowhere to go."""
    url = member(body, "response_url")
    if isinstance(url, str) and url.startswith(("https://", "http://")):
        return url
    raise Malformed("response_url")


def tolerant(work: Callable[..., None]) -> Callable[..., None]:
    """A listener that drops a malformed payload with one WARNING line, instead of failing (Bolt logs a
    lazy listener's exception at ERROR with its text, which may quote the body or a SQL statement).
    Bolt passes arguments by name and reads the names through `functools.wraps`."""

    @functools.wraps(work)
    def run(**kwargs: Any) -> None:
        try:
            work(**kwargs)
        except Malformed as exc:
            log.warning("malformed slack payload ignored", extra={"fields": {"field": str(exc)}})

    return run


def workspace_id(deps: SlackDeps, team_id: str, team_name: str = "") -> int:
    """The Plume workspace of a Slack team, created on first contact."""
    with transaction(deps.runtime.sessions) as session:
        return installed_workspace(session=session, platform=PLATFORM, external_id=team_id, name=team_name)


def is_workspace_admin(client: WebClient, user_id: str) -> bool:
    """Slack's own admins and owners, asked of Slack (server-side)."""
    user = client.users_info(user=user_id)["user"]
    return bool(user.get("is_admin") or user.get("is_owner"))


class SlackUnavailable(PlumeError):
    """Slack refused or failed a call a command needed; the person is asked to try again."""


def _slack_call(fn: Callable[..., T]) -> Callable[..., T]:
    """A Slack API error inside a command becomes a friendly domain error (logged with Slack's code)."""

    @functools.wraps(fn)
    def call(*args: Any) -> T:
        try:
            return fn(*args)
        except SlackApiError as exc:
            log.warning("slack api error", extra={"fields": {"error": exc.response.get("error")}})
            raise SlackUnavailable("Slack didn't answer as expected; please try again in a moment.") from None

    return call


def chat_context(client: WebClient, workspace: int, user_id: str) -> ChatContext:
    """A core command's context for a Slack user: Slack's admins, profile timezone, DMs and files."""

    @_slack_call
    def is_admin() -> bool:
        return is_workspace_admin(client, user_id)

    @_slack_call
    def timezone() -> str | None:
        return client.users_info(user=user_id)["user"].get("tz")

    @_slack_call
    def send_private(to: str, message: Message) -> None:
        channel = client.conversations_open(users=to)["channel"]["id"]
        client.chat_postMessage(channel=channel, blocks=to_blocks(message), text=fallback_text(message))

    @_slack_call
    def send_file(filename: str, content: bytes, title: str, comment: str) -> None:
        channel = client.conversations_open(users=user_id)["channel"]["id"]
        client.files_upload_v2(
            channel=channel, content=content, filename=filename, title=title, initial_comment=comment
        )

    return ChatContext(
        platform=PLATFORM,
        workspace_id=workspace,
        user_id=user_id,
        command_prefix=SLASH_PREFIX,
        is_platform_admin=is_admin,
        timezone=timezone,
        send_private=send_private,
        send_file=send_file,
    )
