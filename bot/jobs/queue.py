"""The procrastinate app: Plume's jobs as procrastinate tasks, on the PostgreSQL that holds the data.

Each task is a thin wrapper around a plain function of `bot.jobs.tasks` (ids and dates in); a worker
builds its settings from its own environment, once. Periodic ticks only enqueue what is due, found by
state-based scans, so a tick procrastinate dropped (it drops those missed for over 10 minutes) is
caught up by the next one. Sending jobs of one workspace share the lock `workspace:<id>`: they never
run in two processes at once, so two processes never spend one workspace's Slack rate limit together.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import psycopg
from procrastinate import App, JobContext, PsycopgConnector, RetryStrategy
from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError, OperationalError

from bot.config import Settings
from bot.jobs import tasks
from bot.jobs.command_tasks import commands
from bot.jobs.engine import worker_settings
from bot.jobs.fanout import PROCESS_FROM, Helpers, batches
from bot.jobs.operations import jobs_in_hand, purge_finished_jobs, retry_stalled_jobs
from bot.runtime import shared_runtime

log = logging.getLogger(__name__)

DELIVERIES, NUDGES, INGEST, COMMANDS, TICKS = "deliveries", "nudges", "ingest", "commands", "ticks"
QUEUES = (DELIVERIES, NUDGES, INGEST, COMMANDS, TICKS)
POLL_BATCH = 50  # accounts per poll job
# Workspaces per nudge evaluation: one pass over 50 costs about what 3 single ones do (about 0.1 s a
# workspace alone); only those with a nudge to send get a job of their own.
NUDGE_BATCH = 50
# libpq: a dead peer is noticed within ~25 s (10 + 3 x 5) instead of the kernel's two hours, and a
# server that does not answer fails a connection attempt after 5 s, so pools reconnect by themselves.
CONNECT_KWARGS = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "connect_timeout": 5,
}


def conninfo(database_url: str) -> str:
    """A libpq connection string from an SQLAlchemy URL (without its `+psycopg` driver part)."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def procrastinate_app(settings: Settings) -> App:
    """The procrastinate app on this database, with every Plume task (one per database URL and stall
    threshold)."""
    return _app_for(settings.DATABASE_URL, retry_every(settings.PLUME_JOBS_STALLED_AFTER))


def retry_every(stalled_after: float) -> int:
    """Seconds between two `retry_stalled` ticks: a third of the stall threshold, 1 to 10 (every 10 s
    for the default 30 s), so a dead worker's jobs resume within about 1.3 times the threshold."""
    return max(1, min(10, round(stalled_after / 3)))


@lru_cache(maxsize=8)
def _app_for(database_url: str, retry_seconds: int) -> App:
    connector = PsycopgConnector(
        conninfo=conninfo(database_url),
        kwargs=CONNECT_KWARGS,
        min_size=1,
        max_size=20,
        timeout=10,  # seconds to wait for a pooled connection
        reconnect_timeout=60,
    )
    app = App(connector=connector)
    _register(app, retry_seconds)
    return app


_opening = threading.Lock()


def opened_app(settings: Settings) -> App:
    """The app, opened for synchronous use (deferring from web processes, the CLI or a job's thread):
    its pool is made once, however many threads ask at once."""
    app = procrastinate_app(settings)
    with _opening:
        app.open()
    return app


def defer(app: App, name: str, **options: Any) -> Callable[..., int | None]:
    """`defer(app, "deliver_week", queueing_lock=...)(workspace_id=1, week=...)`: the new job's id, or
    None when a job with that queueing lock is already waiting (already queued is not an error)."""
    deferrer = app.configure_task(name, allow_unknown=False, **options)

    def run(**kwargs: Any) -> int | None:
        try:
            return deferrer.defer(**kwargs)
        except AlreadyEnqueued:
            log.debug("already queued", extra={"fields": {"task": name, **options}})
            return None

    return run


def defer_each(app: App, name: str, jobs: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    """Queue many jobs of task `name`, each with its own options (locks) and arguments, in one query
    (a digest hour queues hundreds: one by one, the last waited seconds for its turn). When one of
    them is already waiting (its queueing lock), one by one instead, skipping those."""
    if not jobs:
        return
    made = [
        app.configure_task(name, allow_unknown=False, **options).make_new_job(**kwargs)
        for options, kwargs in jobs
    ]
    try:
        app.job_manager.batch_defer_jobs(jobs=made)
    except AlreadyEnqueued:
        for options, kwargs in jobs:
            defer(app, name, **options)(**kwargs)


def worker_id(context: JobContext) -> str:
    """This worker, for logs: its name (host:pid)."""
    return context.worker_name or f"{socket.gethostname()}:{os.getpid()}"


@contextmanager
def job_log(context: JobContext, **key: Any) -> Iterator[None]:
    """One INFO line when the job starts, one when it ends (with how), each with its name, key and
    worker."""
    fields = {"job": context.job.task_name, "job_id": context.job.id, **key, "worker": worker_id(context)}
    started = time.monotonic()
    log.info("job started", extra={"fields": fields})
    outcome = "failed"
    try:
        yield
        outcome = "succeeded"
    finally:
        took = round(time.monotonic() - started, 3)
        log.info("job ended", extra={"fields": {**fields, "outcome": outcome, "seconds": took}})


def _now() -> datetime:
    return datetime.now(UTC)


def _register(app: App, retry_seconds: int) -> None:
    """Every Plume task on `app` (fresh task objects per app, so several databases can coexist)."""
    for name, options, func in TASKS:
        app.task(name=name, pass_context=True, retry=TRANSIENT, **options)(func)
    for name, cron, func in TICKS_SCHEDULE:
        cron = cron.format(retry=retry_seconds)
        # The scanning ticks are locked by name: two of one kind (a missed minute caught up beside
        # the current one) never scan at once, so the second sees what the first queued. Never
        # retry_stalled: one stalled with its killed worker would hold the lock, and no later one
        # could run to give it back (the chaos test: every job a dead worker held stayed "doing").
        lock = f"tick:{name}" if name in SCANNING_TICKS else None
        tick = app.task(name=name, queue=TICKS, pass_context=True, lock=lock)(func)
        app.periodic(cron=cron, periodic_id=name)(tick)
    for name, task in commands.tasks.items():
        app.task(
            name=f"commands:{name}",
            queue=task.queue,
            pass_context=task.pass_context,
            retry=task.retry_strategy or False,
            lock=task.lock,
            queueing_lock=task.queueing_lock,
            priority=task.priority,
        )(task.func)


# Jobs -------------------------------------------------------------------------------------------


def deliver_week(context: JobContext, workspace_id: int, week: str) -> None:
    """One workspace's recaps and digest for `week`."""
    with job_log(context, workspace=workspace_id, week=week):
        settings = worker_settings()
        tasks.deliver_week(settings, workspace_id, week, helpers=helpers_for(settings))


# This worker's helper processes: the jobs' figures and charts, off the interpreter that runs the
# event loop fetching jobs and the threads sending messages.
_helpers = Helpers()


def helpers_for(settings: Settings) -> Helpers | None:
    """The helper processes, for a worker running many jobs at once; one running a few computes in
    its job threads (below PROCESS_FROM, starting the processes costs more than it saves)."""
    return _helpers if settings.PLUME_WORKER_CONCURRENCY >= PROCESS_FROM else None


def warm_helpers(settings: Settings) -> None:
    """Start this worker's helper processes, if it has them (at the worker's start)."""
    if helpers := helpers_for(settings):
        helpers.warm(settings)


def nudge_workspace(context: JobContext, workspace_id: int, moment: str) -> None:
    """The nudge rules of one workspace, at `moment` (ISO), and what fired."""
    with job_log(context, workspace=workspace_id, moment=moment):
        settings = worker_settings()
        tasks.nudge_workspace(settings, workspace_id, datetime.fromisoformat(moment), helpers_for(settings))


def evaluate_nudges(context: JobContext, workspace_ids: list[int], moment: str) -> None:
    """The nudge rules of a batch of workspaces in one vectorized pass, at `moment` (ISO): a
    `nudge_workspace` job for each with a nudge to send now."""
    with job_log(context, workspaces=f"{workspace_ids[0]}..{workspace_ids[-1]}", count=len(workspace_ids)):
        when = datetime.fromisoformat(moment)
        settings = worker_settings()
        due = tasks.nudge_candidates(settings, when, workspace_ids, helpers=helpers_for(settings))
        defer_nudges(context.app, due, when)


def poll_accounts(context: JobContext, account_ids: list[int]) -> None:
    """Poll these X accounts (those still due), then evaluate their workspaces' nudges."""
    with job_log(context, accounts=f"{account_ids[0]}..{account_ids[-1]}", count=len(account_ids)):
        settings = worker_settings()
        tasks.poll_cycle(settings, accounts=account_ids, upkeep=False)
        defer_nudge_evaluation(context.app, tasks.account_workspaces(settings, account_ids), _now())


def ingest_upkeep(context: JobContext) -> None:
    """The ingest steps other than polling: new handles, follower snapshots, period refresh."""
    with job_log(context):
        tasks.poll_cycle(worker_settings(), accounts=[], upkeep=True)


def retention(context: JobContext) -> None:
    """Purge what is past its retention window, and finished jobs a week old."""
    with job_log(context):
        tasks.retention(worker_settings())
        purge_finished_jobs(context.app, days=7)


def compliance(context: JobContext) -> None:
    """X batch compliance, once per kind and UTC day."""
    with job_log(context):
        tasks.daily_compliance(worker_settings())


# A job that lost the database (a restart, a cut connection) runs again 2, 4, 8, 16 s later: each is
# safe to repeat (its effects are claimed in the database first). Any other error fails it; the next
# tick's state-based scan queues what is still due.
TRANSIENT = RetryStrategy(
    max_attempts=4,
    exponential_wait=2,
    retry_exceptions=[OperationalError, InterfaceError, psycopg.OperationalError],
)


def _alone(key: str) -> dict[str, Any]:
    """One job at a time under `key`, and at most one waiting."""
    return {"lock": key, "queueing_lock": key}


TASKS: list[tuple[str, dict[str, Any], Callable[..., None]]] = [
    ("deliver_week", {"queue": DELIVERIES}, deliver_week),
    ("nudge_workspace", {"queue": NUDGES}, nudge_workspace),
    ("evaluate_nudges", {"queue": NUDGES}, evaluate_nudges),
    ("poll_accounts", {"queue": INGEST}, poll_accounts),
    ("ingest_upkeep", {"queue": INGEST, **_alone("ingest:upkeep")}, ingest_upkeep),
    ("retention", {"queue": TICKS, **_alone("retention")}, retention),
    ("compliance", {"queue": TICKS, **_alone("compliance")}, compliance),
]


# Deferring --------------------------------------------------------------------------------------


def defer_delivery(app: App, workspace_id: int, week: str) -> int | None:
    """Queue one workspace's week (once while it waits), after its other sending jobs."""
    return defer(app, "deliver_week", **_delivery_locks(workspace_id, week))(
        workspace_id=workspace_id, week=week
    )


def defer_deliveries(app: App, weeks: dict[int, str]) -> None:
    """Queue these workspaces' weeks (workspace id -> week) at once, each as defer_delivery would."""
    jobs = [(_delivery_locks(wid, week), {"workspace_id": wid, "week": week}) for wid, week in weeks.items()]
    defer_each(app, "deliver_week", jobs)


def _delivery_locks(workspace_id: int, week: str) -> dict[str, str]:
    return {"lock": f"workspace:{workspace_id}", "queueing_lock": f"deliver:{workspace_id}:{week}"}


def defer_nudges(app: App, workspace_ids: list[int], moment: datetime) -> None:
    """Queue each workspace's nudge evaluation (once while it waits)."""
    for wid in workspace_ids:
        defer(app, "nudge_workspace", lock=f"workspace:{wid}", queueing_lock=f"nudge:{wid}")(
            workspace_id=wid, moment=moment.isoformat()
        )


def defer_nudge_evaluation(app: App, workspace_ids: list[int], moment: datetime) -> None:
    """Queue the nudge evaluation of these workspaces, NUDGE_BATCH to a job (once while each batch
    waits: keyed by its first workspace, like the polls)."""
    for batch in batches(sorted(workspace_ids), NUDGE_BATCH):
        key = f"nudges:{batch[0]}"
        defer(app, "evaluate_nudges", queueing_lock=key)(workspace_ids=batch, moment=moment.isoformat())


def defer_polls(app: App, account_ids: list[int]) -> None:
    """Queue the due accounts in batches; a batch is keyed by its first account (oldest-polled order
    changes between ticks: an account queued twice is polled once, being no longer due)."""
    for batch in batches(sorted(account_ids), POLL_BATCH):
        key = f"poll:{batch[0]}"
        defer(app, "poll_accounts", lock=key, queueing_lock=key)(account_ids=batch)


# Periodic ticks: they only enqueue what is due ------------------------------------------------------


def enqueue_deliveries(app: App, settings: Settings, now: datetime) -> dict[int, str]:
    """A deliver_week job for each workspace whose digest time has come and that has something of
    that week unsent (a state-based scan: whatever ticks were missed); those workspaces and weeks."""
    pending, _digests = tasks.pending_weeks(settings, now)
    # A workspace's week stays pending while its job sends it (minutes, under the rate limit): not
    # queued again behind it, where it would only find everything sent.
    in_hand = {(job["workspace_id"], job["week"]) for job in jobs_in_hand(app, "deliver_week")}
    defer_deliveries(app, {wid: week for wid, week in pending.items() if (wid, week) not in in_hand})
    return pending


def enqueue_ingest(app: App, settings: Settings, now: datetime, *, cycle: bool) -> None:
    """Poll jobs for the accounts due now; at the start of a cycle (every POLL_INTERVAL) the ingest
    upkeep and a nudge evaluation of every workspace too (rules on time passing, not only on posts)."""
    if settings.X_BEARER_TOKEN is not None:
        defer_polls(app, tasks.due_accounts_now(settings, now))
        if cycle:
            defer(app, "ingest_upkeep")()
    if cycle:
        defer_nudge_evaluation(app, tasks.chat_workspaces(shared_runtime(settings)), now)


def tick_deliveries(context: JobContext, timestamp: int) -> None:
    """Every minute: the deliveries due (so one goes out within 2 minutes of its time)."""
    with job_log(context, tick=timestamp):
        enqueue_deliveries(context.app, worker_settings(), _now())


def tick_poll(context: JobContext, timestamp: int) -> None:
    """Every minute: the accounts due; every POLL_INTERVAL, the rest of a cycle."""
    with job_log(context, tick=timestamp):
        settings = worker_settings()
        cycle = (timestamp // 60) % max(1, settings.POLL_INTERVAL // 60) == 0
        enqueue_ingest(context.app, settings, _now(), cycle=cycle)


def tick_retention(context: JobContext, timestamp: int) -> None:
    """Daily: the retention purge."""
    with job_log(context, tick=timestamp):
        defer(context.app, "retention")()


def tick_compliance(context: JobContext, timestamp: int) -> None:
    """Hourly: X batch compliance (each kind runs once per UTC day)."""
    with job_log(context, tick=timestamp):
        defer(context.app, "compliance")()


def retry_stalled(context: JobContext, timestamp: int) -> None:
    """Every few seconds: jobs left "doing" by a worker whose heartbeat stopped go back to the queue."""
    with job_log(context, tick=timestamp):
        retry_stalled_jobs(context.app, worker_settings().PLUME_JOBS_STALLED_AFTER)


SCANNING_TICKS = ("tick_deliveries", "tick_poll")
TICKS_SCHEDULE: list[tuple[str, str, Callable[..., None]]] = [
    ("tick_deliveries", "* * * * *", tick_deliveries),
    ("tick_poll", "* * * * *", tick_poll),
    ("tick_retention", "17 3 * * *", tick_retention),
    ("tick_compliance", "23 * * * *", tick_compliance),
    # Every few seconds (a 6th, seconds, field; `retry_every`): a dead worker's jobs resume within
    # about 40 s by default, well inside the 2 minutes a digest may take to go out.
    ("retry_stalled", "* * * * * */{retry}", retry_stalled),
]
