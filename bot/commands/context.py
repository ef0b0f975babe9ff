"""What a core command is given: the chat context (who asks, where, what their platform can do) and
the core's own dependencies. Each platform's listener builds a ChatContext from its request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.config import Settings
from bot.messages.model import Message
from bot.messages.text import Text, code, hint, text
from bot.runtime import Runtime


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class CoreDeps:
    """The database, settings and clock every command runs with (injected, nothing global)."""

    runtime: Runtime
    settings: Settings
    clock: Callable[[], datetime] = utc_now

    @property
    def admins(self) -> set[str]:
        """User ids named admins in PLUME_ADMINS, besides each platform's own admins."""
        return {u.strip() for u in self.settings.PLUME_ADMINS.split(",") if u.strip()}


@dataclass(frozen=True, slots=True)
class PlatformWords:
    """What differs in the core's wording from one platform to another (Slack's by default)."""

    admins: str = "workspace admins, owners"  # who the platform's own admins are
    pick_channel: Text = field(
        default_factory=lambda: text(
            "Pick the channel from the autocomplete, e.g. ", hint("admin channel #ambassadors"), "."
        )
    )
    # The help's lines this platform says differently: (command, usage, description).
    help_changes: tuple[tuple[str, str, str], ...] = ()
    # How to bring the bot into a chosen channel, where it may not be yet.
    join_channel: Text | None = field(
        default_factory=lambda: text(
            "Invite me there with ", code("/invite @Plume"), " if I'm not in it yet."
        )
    )


@dataclass(frozen=True, slots=True)
class ChatContext:
    """One command's caller and what their platform can do for it. The capabilities are functions so
    that a platform asks its API only when a command needs the answer (admin rights, timezone)."""

    platform: str  # the workspace's platform key: "slack", "teams"
    workspace_id: int
    user_id: str  # the caller's platform user id
    command_prefix: str  # how a command hint reads on this platform: "/plume " on Slack, "" on Teams
    is_platform_admin: Callable[[], bool]  # the platform's own admins and owners
    timezone: Callable[[], str | None]  # the caller's timezone as their platform knows it, if it does
    send_private: Callable[[str, Message], None]  # a private message to a user of this workspace
    send_file: Callable[[str, bytes, str, str], None]  # filename, content, title, comment: to the caller
    words: PlatformWords = field(default_factory=PlatformWords)
