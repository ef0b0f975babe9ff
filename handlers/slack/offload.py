"""Slash-command work in a separate process, so the web process only verifies and acks.

A `/plume me` costs about 35 ms of pandas CPU; run in the web process it holds the interpreter lock
and slows every other ack (p99 222 ms at 50 concurrent clients). The ack function hands a plain,
picklable job to a process pool instead; the child answers through the command's response_url.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from slack_sdk.webhook import WebhookClient

from bot.config import load_settings
from bot.runtime import Runtime, open_runtime


@dataclass(frozen=True, slots=True)
class CommandJob:
    """Everything a child process needs to run one command, as plain data."""

    text: str
    user_id: str
    team_id: str
    response_url: str
    bot_token: str | None


@lru_cache(maxsize=1)
def _runtime() -> Runtime:
    """One settings object and database pool per child process."""
    return open_runtime(load_settings())


def run_command_job(job: CommandJob) -> None:
    """Run a command in the child and answer on its response_url (the same code as in-process)."""
    from handlers.slack.app import web_client
    from handlers.slack.commands import handle_plume_command
    from handlers.slack.context import SlackDeps

    runtime = _runtime()
    webhook = WebhookClient(job.response_url, timeout=10)

    def respond(**kwargs: Any) -> None:
        webhook.send(**kwargs)

    command = {"text": job.text, "user_id": job.user_id, "team_id": job.team_id}
    handle_plume_command(
        command,
        respond,
        web_client(runtime.settings, job.bot_token),
        SimpleNamespace(team_id=job.team_id),
        SlackDeps(runtime=runtime, settings=runtime.settings),
    )


def _lower_priority() -> None:
    """Acks first: the children yield the CPU to the web process when both want it."""
    os.nice(10)


def command_pool(workers: int = 1) -> Executor:
    """A pool of fresh (spawned, not forked: the web process has threads) worker processes."""
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("spawn"), initializer=_lower_priority
    )


def job_from(command: dict, context: Any) -> CommandJob:
    """The job for a slash command payload."""
    return CommandJob(
        text=command.get("text") or "",
        user_id=command["user_id"],
        team_id=context.team_id or command.get("team_id", ""),
        response_url=command.get("response_url", ""),
        bot_token=context.bot_token,
    )
