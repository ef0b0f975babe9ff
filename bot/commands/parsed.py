"""What a command parses into: one frozen value per command, platform-neutral (ids are platform ids)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class Help:
    """`/plume help` (or nothing at all)."""


@dataclass(frozen=True, slots=True)
class Join:
    """`/plume join @handle`: opt in with an X handle (without the @)."""

    handle: str


@dataclass(frozen=True, slots=True)
class Leave:
    """`/plume leave`."""


@dataclass(frozen=True, slots=True)
class Me:
    """`/plume me [YYYY-Www]`: the caller's figures; `week` is a canonical label like `2026-W46`."""

    week: str | None = None


@dataclass(frozen=True, slots=True)
class Hours:
    """`/plume hours 09:00-18:00 [days] [Area/City]`; None means "keep what is set"."""

    start_minute: int
    end_minute: int
    days: tuple[int, ...] | None = None
    tz: str | None = None


@dataclass(frozen=True, slots=True)
class Nudges:
    """`/plume nudges on|off|log|snooze Nd|Nw`; `days` is set only for snooze."""

    action: Literal["on", "off", "log", "snooze"]
    days: int | None = None


@dataclass(frozen=True, slots=True)
class Topics:
    """`/plume topics add|remove T[, T…]` or `/plume topics list` (empty `topics`)."""

    action: Literal["add", "remove", "list"]
    topics: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Export:
    """`/plume export`."""


@dataclass(frozen=True, slots=True)
class Forget:
    """`/plume forget`."""


@dataclass(frozen=True, slots=True)
class Highlights:
    """`/plume highlights on|off`."""

    on: bool


@dataclass(frozen=True, slots=True)
class Recap:
    """`/plume recap on|off`."""

    on: bool


@dataclass(frozen=True, slots=True)
class AdminChannel:
    """`/plume admin channel #channel`: Slack's `<#C…|name>` gives both, a plain `#name` the name only."""

    channel_id: str | None
    channel_name: str | None


@dataclass(frozen=True, slots=True)
class AdminInvite:
    """`/plume admin invite @user @handle`: a chat user id and an X handle (without the @)."""

    user_id: str
    handle: str


@dataclass(frozen=True, slots=True)
class AdminStatus:
    """`/plume admin status`."""


@dataclass(frozen=True, slots=True)
class AdminSettings:
    """`/plume admin settings [KEY VALUE]`: both None to list, else the key and its parsed value."""

    key: str | None = None
    value: int | float | str | None = None


@dataclass(frozen=True, slots=True)
class AdminDigestPreview:
    """`/plume admin digest preview`."""


Command = (
    Help
    | Join
    | Leave
    | Me
    | Hours
    | Nudges
    | Topics
    | Export
    | Forget
    | Highlights
    | Recap
    | AdminChannel
    | AdminInvite
    | AdminStatus
    | AdminSettings
    | AdminDigestPreview
)
