"""`/plume`: ack at once; then normalise Slack's syntax, run the core command, answer ephemerally."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot.commands.run import answer
from bot.config import load_settings
from bot.messages.model import Message
from bot.runtime import Runtime, shared_runtime
from handlers.slack.archive import ArchiveJob, import_shared_archive
from handlers.slack.client import web_client
from handlers.slack.context import SlackDeps, chat_context, field, response_url, tolerant, workspace_id
from handlers.slack.ids import COMMAND
from handlers.slack.offload import CommandJob
from handlers.slack.render import fallback_text, to_blocks
from handlers.slack.syntax import slack_tokens

log = logging.getLogger(__name__)


def reply(respond: Callable[..., Any], message: Message) -> None:
    """An ephemeral answer through the command's response_url."""
    respond(
        blocks=to_blocks(message),
        text=fallback_text(message),
        response_type="ephemeral",
        replace_original=False,
    )


def acknowledge(ack) -> None:
    """The only thing done before the HTTP response: Slack gets its ack in milliseconds."""
    ack()


def handle_plume_command(command: dict, respond, client: WebClient, team_id: str, deps: SlackDeps) -> None:
    """The work, run after the ack: normalise, call the core, answer."""
    user_id = field(command.get("user_id"), "user_id")
    ctx = chat_context(client, workspace_id(deps, field(team_id, "team_id")), user_id)
    reply(respond, answer(slack_tokens(command.get("text") or ""), ctx, deps.core))


_first_use = threading.Lock()


def command_runtime() -> Runtime:
    """One settings object and database pool per command process (or job worker, whose jobs run in
    several threads at once: the first ones must not each migrate, alembic is not thread-safe)."""
    with _first_use:
        return _command_runtime()


@lru_cache(maxsize=1)
def _command_runtime() -> Runtime:
    return shared_runtime(load_settings())


def answer_job(job: CommandJob | ArchiveJob) -> None:
    """A command handed over by the web process, answered on its response_url (same code as in-process);
    or an X archive sent in a DM, imported here so the web process only acks."""
    runtime = command_runtime()
    if isinstance(job, ArchiveJob):
        deps = SlackDeps(runtime=runtime, settings=runtime.settings)
        import_shared_archive(job, web_client(runtime.settings, job.bot_token), deps)
        return
    webhook = WebhookClient(job.response_url, timeout=10)
    handle_plume_command(
        {"text": job.text, "user_id": job.user_id},
        lambda **kwargs: webhook.send(**kwargs),
        web_client(runtime.settings, job.bot_token),
        job.team_id,
        SlackDeps(runtime=runtime, settings=runtime.settings),
    )


def job_from(command: dict, context: Any) -> CommandJob:
    """The job for a slash command payload; a malformed one raises `Malformed` (nothing is queued)."""
    text = command.get("text")
    return CommandJob(
        text=text if isinstance(text, str) else "",
        user_id=field(command.get("user_id"), "user_id"),
        team_id=field(context.team_id or command.get("team_id"), "team_id"),
        response_url=response_url(command),
        bot_token=context.bot_token,
    )


def register(app: App, deps: SlackDeps) -> None:
    """Attach the slash command listener."""

    if deps.command_pool is not None:
        # Production: the work goes to another process; this thread only acks and hands over.
        def ack_and_hand_over(ack, command, context):
            ack()
            deps.command_pool.submit(job_from(command, context))

        ack_and_hand_over = tolerant(ack_and_hand_over)

        app.command(COMMAND)(ack_and_hand_over)
        return

    @tolerant
    def work(command, respond, client, context):
        response_url(command)
        handle_plume_command(command, respond, client, context.team_id or command.get("team_id", ""), deps)

    app.command(COMMAND)(ack=acknowledge, lazy=[work])
