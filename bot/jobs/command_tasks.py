"""Chat commands deferred by the web processes as procrastinate jobs on the queue "commands" (the
procrastinate engine only; bot/jobs/child.py runs them in-process otherwise). The app adds this
blueprint under the namespace "commands".

A job's arguments are JSON (procrastinate stores them in its table): each platform turns its job
into plain fields and back (handlers.slack.offload, handlers.teams.offload), and leaves secrets out
(a Slack bot token is looked up again by the worker). The task runs the platform's own handler code
through bot.platforms, the one module of `bot/` allowed to import `handlers/`. Each job carries its
person's lock (`slack:<team>:<user>`, `teams:<tenant>:<user>`): one person's commands are answered in
the order they were sent, different people's at once, by whichever workers take them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from procrastinate import App, Blueprint, JobContext, RetryStrategy
from sqlalchemy.exc import InterfaceError, OperationalError

from bot.config import Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)
commands = Blueprint()
QUEUE = "commands"
SLACK_TASK, TEAMS_TASK = "slack_command", "teams_turn"
WEB_POOL_TIMEOUT = 2.0
WEB_RECONNECT_SECONDS = 3.0
# A command that failed because the database was unreachable (a PostgreSQL restart) is tried again every
# 5 s for 2 minutes instead of failing for good unanswered (seen in the chaos test). Only what runs before
# the answer raises (the check that it was not answered already): a failed answer is logged, not retried.
DATABASE_RETRY = RetryStrategy(max_attempts=24, wait=5, retry_exceptions={OperationalError, InterfaceError})


@commands.task(name=SLACK_TASK, queue=QUEUE, pass_context=True, retry=DATABASE_RETRY)
def slack_command(context: JobContext, job: dict[str, Any]) -> None:
    """A Slack slash command or an archive sent in a DM, answered as the command process would."""
    from bot import platforms

    _answer(context, platforms.answer_slack_job, job, job.get("team_id"))


@commands.task(name=TEAMS_TASK, queue=QUEUE, pass_context=True, retry=DATABASE_RETRY)
def teams_turn(context: JobContext, job: dict[str, Any]) -> None:
    """A Teams turn (a message, an install), answered as the command process would."""
    from bot import platforms

    turn = job.get("turn") if isinstance(job.get("turn"), dict) else {}
    _answer(context, platforms.answer_teams_turn, job, turn.get("tenant_id"))


def _answer(context: JobContext, answer: Callable[[dict], None], job: dict[str, Any], workspace: Any) -> None:
    """Run the platform's answer between the job's two log lines (keyed by workspace: no person, no
    text), once per job: a job whose worker was killed after answering and before procrastinate
    recorded it done is given back to the queue by `retry_stalled` under the same id, and finds its
    marker. A failure is logged here with its trace and not raised: procrastinate's own failure line
    quotes the job's arguments, which hold what the person typed (the command process never logged
    them either); not retried, since an answer may already have gone out."""
    from bot.jobs.queue import job_log
    from bot.services.workspaces.lifecycle import already_handled

    marker = answered_marker(context.job.id)
    # Outside the catch-all: a database error here is raised for DATABASE_RETRY (nothing answered yet).
    if already_handled(_sessions(), marker):
        log.warning(
            "command already answered before its worker stopped: not again",
            extra={"fields": {"job_id": context.job.id}},
        )
        return
    try:
        with job_log(context, workspace=str(workspace or "")[:64]):
            answer(job)
    except Exception:
        log.exception("command job failed", extra={"fields": {"job_id": context.job.id}})
    _mark_answered(marker, str(workspace or "")[:64])


def answered_marker(job_id: int | None) -> str:
    """The processed_events id recording that a command job answered (its id survives a retry)."""
    return f"command-job:{job_id}"


def _mark_answered(marker: str, workspace: str) -> None:
    """Record the answer (also after a failure: part of it may have gone out, and a failed command is
    not answered again either). Not raised when the database is gone: the answer went out all the
    same, and only a kill before procrastinate records the job done would answer it again."""
    from bot.services.workspaces.lifecycle import first_delivery

    try:
        first_delivery(_sessions(), marker, workspace, datetime.now(UTC))
    except Exception:
        log.exception("command answered but not recorded", extra={"fields": {"marker": marker}})


def _sessions() -> sessionmaker[Session]:
    """The worker's sessions (the runtime its jobs share)."""
    from bot.jobs.engine import worker_settings
    from bot.runtime import shared_runtime

    return shared_runtime(worker_settings()).sessions


def command_deferral(settings: Settings, task: str) -> Callable[[dict[str, Any], str], int | None]:
    """How a web process enqueues one command of `task`: `defer(args, lock)`. The app is opened on
    first use, in the caller's thread (the Deferrer's, never a request's): whatever waits for the
    database is the buffer, not an ack."""
    from bot.jobs.queue import defer

    def enqueue(args: dict[str, Any], lock: str) -> int | None:
        return defer(_web_app(settings), f"{QUEUE}:{task}", lock=lock)(job=args)

    return enqueue


def database_unreachable(exc: Exception) -> bool:
    """Whether a failed deferral means "the database is not there now" (try again in seconds), rather
    than a refusal of this job (a bug: tried again, it would only fail again)."""
    import psycopg
    from procrastinate.exceptions import ConnectorException

    gone = (psycopg.OperationalError, psycopg.InterfaceError, OSError, TimeoutError)
    if isinstance(exc, ConnectorException):
        return exc.__cause__ is None or isinstance(exc.__cause__, gone)
    return isinstance(exc, gone)


@lru_cache(maxsize=4)
def _web_app(settings: Settings) -> App:
    """The app opened on a small pool that fails fast: a web process's one deferring thread needs one
    connection, and a database that does not give one within WEB_POOL_TIMEOUT is down for it (the
    command stays buffered and is tried again in seconds, not after a worker's patient 10 s). Failed
    reconnections are given up after WEB_RECONNECT_SECONDS, and the next attempt starts afresh rather
    than after a backoff that doubles to minutes, so a database back from a restart is used at once."""
    import psycopg_pool

    from bot.jobs.queue import CONNECT_KWARGS, conninfo, procrastinate_app

    pool = psycopg_pool.ConnectionPool(
        conninfo(settings.DATABASE_URL),
        kwargs=CONNECT_KWARGS,
        min_size=1,
        max_size=2,
        timeout=WEB_POOL_TIMEOUT,
        reconnect_timeout=WEB_RECONNECT_SECONDS,
        check=psycopg_pool.ConnectionPool.check_connection,
        name="plume-web-deferral",
        open=False,
    )
    pool.open(wait=False)
    app = procrastinate_app(settings)
    app.open(pool)
    return app
