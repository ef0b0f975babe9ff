"""Neutral command tokens. Each platform's listener turns its own wire syntax (Slack's `<@U…>`,
`<#C…|name>` and `&amp;`; Teams' `<at>…</at>`) into these before the grammar sees the command: plain
words as `str`, people and channels as references."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class UserRef:
    """A chat user picked with the platform's mention (their platform id)."""

    user_id: str


@dataclass(frozen=True, slots=True)
class ChannelRef:
    """A channel picked with the platform's channel reference: its id, and its name when known."""

    channel_id: str
    name: str | None = None


Token = str | UserRef | ChannelRef


def shown(token: Token) -> str:
    """How a token reads in an echo: the word itself, `@id` or `#name`."""
    if isinstance(token, UserRef):
        return f"@{token.user_id}"
    if isinstance(token, ChannelRef):
        return f"#{token.name or token.channel_id}"
    return token
