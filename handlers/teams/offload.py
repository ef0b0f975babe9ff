"""Teams turns answered in the command process (bot.jobs.child.CommandRunner), as Slack's slash
commands are under `serve`: the web process verifies, acks and queues a `TurnJob`; the child runs
the same work functions with its own database pool and notifier."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from bot.config import load_settings
from bot.runtime import open_runtime
from handlers.teams.context import TeamsDeps
from handlers.teams.turns import Turn
from handlers.teams.work import WORK, run_logged


@dataclass(frozen=True, slots=True)
class TurnJob:
    """One turn's work, by name, as plain data (pickled to the child)."""

    work: str
    turn: Turn


@lru_cache(maxsize=1)
def _child_deps() -> TeamsDeps:
    """One settings object, database pool and notifier per command process."""
    from handlers.teams.notifier import TeamsNotifier

    settings = load_settings()
    runtime = open_runtime(settings)
    return TeamsDeps(runtime=runtime, settings=settings, notifier=TeamsNotifier(settings, runtime))


def answer_turn(job: TurnJob) -> None:
    """Run a queued turn in the command process (same code as in-process)."""
    run_logged(WORK[job.work], _child_deps(), job.turn)
