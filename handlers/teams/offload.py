"""Teams turns answered outside the web process, as Slack's slash commands are under `serve`: the web
process verifies, acks and hands over a `TurnJob`, to the command process (bot.jobs.child.CommandRunner)
on the "inprocess" engine, or as a job on queue "commands" on procrastinate (any worker answers it,
one person's turns in order through the job's lock); both run the same work functions with their own
database pool and notifier. A card's button stays in the web process: its answer is the HTTP answer."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bot.config import Settings, load_settings
from bot.jobs.child import CommandRunner
from bot.jobs.deferral import Deferrer, Handover, try_again_message
from bot.runtime import shared_runtime
from handlers.teams.context import TeamsDeps
from handlers.teams.turns import SentFile, Turn
from handlers.teams.work import WORK, run_logged

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TurnJob:
    """One turn's work, by name, as plain data (pickled to the child)."""

    work: str
    turn: Turn


_first_use = threading.Lock()


def _child_deps() -> TeamsDeps:
    """One settings object, database pool and notifier per command process (or job worker, whose jobs
    run in several threads at once: the first ones must not each migrate, alembic is not thread-safe)."""
    with _first_use:
        return _deps()


@lru_cache(maxsize=1)
def _deps() -> TeamsDeps:
    from handlers.teams.notifier import TeamsNotifier

    settings = load_settings()
    runtime = shared_runtime(settings)
    return TeamsDeps(runtime=runtime, settings=settings, notifier=TeamsNotifier(settings, runtime))


def answer_turn(job: TurnJob) -> None:
    """Run a queued turn in the command process (same code as in-process)."""
    run_logged(WORK[job.work], _child_deps(), job.turn)


def answer_queued_turn(args: dict[str, Any]) -> None:
    """A turn from queue "commands" (bot.jobs.command_tasks), answered as the command process does."""
    answer_turn(turn_job_of(args))


def turn_args(job: TurnJob) -> dict[str, Any]:
    """The job as a job queue's JSON arguments (the turn's fields by name; no token is in a turn)."""
    turn = job.turn
    return {
        "work": job.work,
        "turn": {
            "activity_id": turn.activity_id,
            "tenant_id": turn.tenant_id,
            "user_id": turn.user_id,
            "user_name": turn.user_name,
            "conversation_id": turn.conversation_id,
            "conversation_type": turn.conversation_type,
            "service_url": turn.service_url,
            "bot_id": turn.bot_id,
            "text": turn.text,
            "entities": [dict(entity) for entity in turn.entities],
            "team_id": turn.team_id,
            "channel_name": turn.channel_name,
            "local_timezone": turn.local_timezone,
            "files": [{"name": file.name, "url": file.url} for file in turn.files],
        },
    }


def turn_job_of(args: dict[str, Any]) -> TurnJob:
    """The job of `turn_args`; ValueError on another shape (an unknown work, a missing field)."""
    work, fields = args.get("work"), args.get("turn")
    if work not in WORK or not isinstance(fields, dict):
        raise ValueError(f"not a Teams turn job: work {work!r}")
    try:
        files = tuple(SentFile(str(f["name"]), str(f["url"])) for f in fields.get("files") or ())
        entities = tuple(e for e in fields.get("entities") or () if isinstance(e, dict))
        return TurnJob(str(work), Turn(**{**fields, "entities": entities, "files": files}))
    except (TypeError, KeyError) as exc:
        raise ValueError(f"Teams turn job: {exc}") from None


def person_lock(job: TurnJob) -> str:
    """The job queue's lock for the person's turns: their `join` is answered before their `me`."""
    return f"teams:{job.turn.tenant_id}:{job.turn.user_id}"


def teams_handover(settings: Settings, **deferrer_options: Any) -> Handover:
    """The command process (inprocess engine) or a Deferrer onto the job queue (procrastinate)."""
    from bot.jobs.engine import jobs_engine

    if jobs_engine(settings) == "inprocess":
        return CommandRunner(answer_turn, settings.LOG_LEVEL)
    from bot.jobs.command_tasks import TEAMS_TASK, command_deferral, database_unreachable
    from handlers.teams.notifier import TeamsNotifier

    defer = command_deferral(settings, TEAMS_TASK)
    notifier = TeamsNotifier(settings, runtime=None)  # type: ignore[arg-type]  # sends by turn: no database
    return Deferrer(
        lambda job: defer(turn_args(job), person_lock(job)),
        lambda job: tell_try_again(notifier, job),
        retryable=database_unreachable,
        **deferrer_options,
    )


def tell_try_again(notifier: Any, job: TurnJob) -> None:
    """A turn given up on: the person hears it in the conversation they wrote in, sent through the
    Bot Connector to the turn's own (verified) service URL, which needs no database. A removal from a
    team has nobody left to tell."""
    if job.work == "handle_uninstalled":
        return
    notifier.post_to_turn(job.turn, try_again_message())
