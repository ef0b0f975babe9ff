"""What a slash command hands to the command process (bot.jobs.child.CommandRunner)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CommandJob:
    """Everything a child process needs to run one command, as plain data."""

    text: str
    user_id: str
    team_id: str
    response_url: str
    bot_token: str | None
