"""What every Slack listener needs: the core runtime, settings and a clock; and the workspace of a request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from slack_sdk import WebClient

from bot.config import Settings
from bot.runtime import Runtime
from bot.services.ambassadors import ensure_workspace
from bot.storage.db import transaction

if TYPE_CHECKING:
    from handlers.slack.offload import CommandRunner


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class SlackDeps:
    """Injected into listeners at registration; nothing global, nothing read at import."""

    runtime: Runtime
    settings: Settings
    clock: Callable[[], datetime] = _utc_now
    command_pool: CommandRunner | None = None  # set in `serve`: commands run in another process

    @property
    def admins(self) -> set[str]:
        """User ids named admins in PLUME_ADMINS, besides Slack's own admins and owners."""
        return {u.strip() for u in self.settings.PLUME_ADMINS.split(",") if u.strip()}


def workspace_id(deps: SlackDeps, team_id: str, team_name: str = "") -> int:
    """The Plume workspace of a Slack team, created on first contact."""
    with transaction(deps.runtime.sessions) as session:
        workspace = ensure_workspace(session=session, platform="slack", external_id=team_id, name=team_name)
        if (workspace.settings or {}).get("purge_after"):  # reinstalled within the grace: keep the data
            workspace.settings = {k: v for k, v in workspace.settings.items() if k != "purge_after"}
        return workspace.id


def is_admin(deps: SlackDeps, client: WebClient, user_id: str) -> bool:
    """Workspace admins and owners (asked of Slack, server-side), plus PLUME_ADMINS."""
    if user_id in deps.admins:
        return True
    user = client.users_info(user=user_id)["user"]
    return bool(user.get("is_admin") or user.get("is_owner"))
