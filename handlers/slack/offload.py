"""What a slash command hands to the command process (bot.jobs.child.CommandRunner), or, on the
procrastinate engine, to a worker as a job's JSON arguments (bot.jobs.command_tasks)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from handlers.slack.archive import ArchiveJob


@dataclass(frozen=True, slots=True)
class CommandJob:
    """Everything a child process needs to run one command, as plain data."""

    text: str
    user_id: str
    team_id: str
    response_url: str
    bot_token: str | None


COMMAND, ARCHIVE = "command", "archive"


def job_args(job: CommandJob | ArchiveJob) -> dict[str, str]:
    """The job as a job queue's JSON arguments. Without its bot token: the queue is a database table,
    and a token is a secret; the worker looks it up again (`bot_token_of`)."""
    if isinstance(job, CommandJob):
        return {
            "kind": COMMAND,
            "text": job.text,
            "user_id": job.user_id,
            "team_id": job.team_id,
            "response_url": job.response_url,
        }
    return {
        "kind": ARCHIVE,
        "team_id": job.team_id,
        "user_id": job.user_id,
        "channel_id": job.channel_id,
        "file_id": job.file_id,
    }


def job_of(args: dict[str, Any], bot_token: str | None) -> CommandJob | ArchiveJob:
    """The job of `job_args`, with the bot token the worker found; ValueError on another shape."""
    from handlers.slack.archive import ArchiveJob

    kind, text = args.get("kind"), lambda key: _string(args, key)
    if kind == COMMAND:
        return CommandJob(text("text"), text("user_id"), text("team_id"), text("response_url"), bot_token)
    if kind == ARCHIVE:
        return ArchiveJob(text("team_id"), text("user_id"), text("channel_id"), text("file_id"), bot_token)
    raise ValueError(f"not a Slack job: kind {kind!r}")


def person_lock(job: CommandJob | ArchiveJob) -> str:
    """The job queue's lock for the person's jobs: their `join` is answered before their `me`."""
    return f"slack:{job.team_id}:{job.user_id}"


def _string(args: dict[str, Any], key: str) -> str:
    value = args.get(key)
    if not isinstance(value, str):
        raise ValueError(f"Slack job argument {key!r} is not a string")
    return value
