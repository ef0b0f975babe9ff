"""Where `serve` hands a slash command (or an archive sent in a DM) after its ack: the in-process
child on the "inprocess" engine, or, on procrastinate, a job on queue "commands" that any worker
answers with the same code (`answer_job`). The web process then only verifies, acks and enqueues,
so any number of them can run side by side; the enqueueing itself runs off the request thread, in a
`Deferrer` that keeps the command while the database is unreachable (in memory: a web process killed
during an outage loses what it holds; see bot.jobs.deferral)."""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from slack_sdk.webhook import WebhookClient

from bot.config import Settings
from bot.jobs.child import CommandRunner
from bot.jobs.deferral import Deferrer, Handover, try_again_message
from bot.runtime import Runtime
from handlers.slack.archive import ArchiveJob
from handlers.slack.client import web_client
from handlers.slack.commands import answer_job, command_runtime
from handlers.slack.installation import EncryptedInstallationStore, installation_store
from handlers.slack.offload import CommandJob, job_args, job_of, person_lock
from handlers.slack.render import fallback_text, to_blocks

log = logging.getLogger(__name__)


def slack_handover(settings: Settings, **deferrer_options: Any) -> Handover:
    """The command process (inprocess engine) or a Deferrer onto the job queue (procrastinate)."""
    from bot.jobs.engine import jobs_engine

    if jobs_engine(settings) == "inprocess":
        return CommandRunner(answer_job, settings.LOG_LEVEL)
    from bot.jobs.command_tasks import SLACK_TASK, command_deferral, database_unreachable

    defer = command_deferral(settings, SLACK_TASK)
    return Deferrer(
        lambda job: defer(job_args(job), person_lock(job)),
        lambda job: tell_try_again(settings, job),
        retryable=database_unreachable,
        **deferrer_options,
    )


def tell_try_again(settings: Settings, job: CommandJob | ArchiveJob) -> None:
    """A command given up on: the person hears it where they would have had the answer, through a
    path that needs no database (the response_url; the DM, with the token the web process had)."""
    message = try_again_message()
    blocks, text = to_blocks(message), fallback_text(message)
    if isinstance(job, CommandJob):
        sent = WebhookClient(job.response_url, timeout=10).send(
            blocks=blocks, text=text, response_type="ephemeral", replace_original=False
        )
        if sent.status_code != 200:
            raise RuntimeError(f"the response_url answered {sent.status_code}")
        return
    web_client(settings, job.bot_token).chat_postMessage(channel=job.channel_id, blocks=blocks, text=text)


def answer_queued(args: dict[str, Any]) -> None:
    """A job from queue "commands" (bot.jobs.command_tasks), answered as the command process does;
    the bot token is found again here, never stored with the job."""
    runtime = command_runtime()
    answer_job(job_of(args, bot_token_of(runtime, str(args.get("team_id") or ""))))


def bot_token_of(runtime: Runtime, team_id: str) -> str | None:
    """The workspace's bot token: its installation's (OAuth, many workspaces), else SLACK_BOT_TOKEN."""
    settings = runtime.settings
    if settings.SLACK_CLIENT_ID and settings.SLACK_CLIENT_SECRET:
        bot = _store(runtime).find_bot(enterprise_id=None, team_id=team_id)
        return bot.bot_token if bot else None
    return settings.SLACK_BOT_TOKEN.get_secret_value() if settings.SLACK_BOT_TOKEN else None


@lru_cache(maxsize=2)
def _store(runtime: Runtime) -> EncryptedInstallationStore:
    return installation_store(runtime.settings, runtime.engine)
