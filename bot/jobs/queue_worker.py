"""`python -m bot worker` on the procrastinate engine: one worker process on every queue.

Any number of them may run, on any machines: they share the jobs through PostgreSQL, each runs the
periodic ticks (procrastinate defers each tick once), and each sends a heartbeat so that another one's
`retry_stalled` can give a dead worker's jobs back to the queue. SIGTERM: the jobs in progress finish,
then exit 0. Losing the database stops procrastinate's worker; this one starts it again as soon as the
database answers, and exits 1 (for its supervisor to restart it) when it has not for
PLUME_JOBS_RECOVER_WITHIN seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
import psycopg_pool
from procrastinate.exceptions import ConnectorException

from bot.config import Settings
from bot.jobs.queue import COMMANDS, DELIVERIES, INGEST, NUDGES, TICKS, procrastinate_app, warm_helpers
from bot.runtime import shared_runtime

log = logging.getLogger(__name__)
RETRY_EVERY = 2.0
LONG_QUEUES = (DELIVERIES, NUDGES, INGEST)
FAST_QUEUES = (COMMANDS, TICKS)
FAST_LANE = 8  # jobs at once on the ticks and commands
DATABASE_TROUBLE = (ConnectorException, psycopg.Error, psycopg_pool.PoolTimeout, OSError)


def worker_name() -> str:
    """This worker in logs and in procrastinate's jobs: host:pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


def run_queue_worker(settings: Settings) -> int:
    """Run until SIGTERM or SIGINT (0), or until the database has been gone too long (1)."""
    shared_runtime(settings)  # migrations, procrastinate's schema among them
    warm_helpers(settings)
    return asyncio.run(_serve(settings))


async def _serve(settings: Settings) -> int:
    # Sync jobs run on the loop's default executor: one thread per concurrent job, not cpu_count + 4.
    loop = asyncio.get_running_loop()
    loop.set_default_executor(ThreadPoolExecutor(settings.PLUME_WORKER_CONCURRENCY + 4, "plume-job"))
    name = worker_name()
    stopping = asyncio.Event()
    running: list[asyncio.Task] = []

    def stop() -> None:  # cancelling procrastinate's worker stops it gracefully: running jobs finish
        stopping.set()
        for task in running:
            task.cancel()

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop)
    recover_within = settings.PLUME_JOBS_RECOVER_WITHIN
    last_seen = time.monotonic()  # when the database last answered: the migrations, just now
    while not stopping.is_set():
        log.info("worker started", extra={"fields": {"worker": name, "engine": "procrastinate"}})
        connected = asyncio.Event()
        running[:] = [asyncio.create_task(_run_once(settings, name, connected))]
        try:
            error = await _until_it_ends(running[0], connected, last_seen + recover_within)
        except asyncio.CancelledError:
            if stopping.is_set():
                break
            raise
        if stopping.is_set():
            break
        now = time.monotonic()
        if connected.is_set():  # it had the database until it ended: the trouble starts now
            last_seen = now
        fields = {"worker": name, "error": error, "seconds": round(now - last_seen)}
        if now - last_seen >= recover_within:
            log.error("database unreachable: worker exits", extra={"fields": fields})
            return 1
        log.warning("database trouble: worker restarts", extra={"fields": fields})
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), RETRY_EVERY)
    log.info("worker stopped", extra={"fields": {"worker": name}})
    return 0


async def _until_it_ends(run: asyncio.Task, connected: asyncio.Event, give_up_at: float) -> str:
    """Why a run of procrastinate's workers ended. One that has not reached the database by
    `give_up_at` (monotonic) is cancelled: opening procrastinate's pool waits up to 30 s, and a
    worker told to give up after a few seconds must not wait that long. Raises CancelledError when
    the run was cancelled (SIGTERM)."""
    reached = asyncio.create_task(connected.wait())
    try:
        timeout = max(0.0, give_up_at - time.monotonic())
        await asyncio.wait({run, reached}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        reached.cancel()
    if not run.done() and not connected.is_set():
        run.cancel()
        await asyncio.gather(run, return_exceptions=True)
        return "no connection to the database"
    try:
        await run
    except DATABASE_TROUBLE as exc:
        return f"{type(exc).__name__}: {exc}"
    return "stopped by itself (lost its database connection)"


async def _run_once(settings: Settings, name: str, connected: asyncio.Event) -> None:
    """Two procrastinate workers in this process until cancelled (SIGTERM: they finish their jobs
    first): one on the long jobs, one on the ticks and chat commands, so that neither a person waiting
    for an answer nor the ticks (retry_stalled among them) queue behind hours of deliveries. Returns or
    raises when one of them lost the database (the other is stopped then). Sets `connected` once the
    database has answered."""
    app = procrastinate_app(settings)
    fast = max(2, min(FAST_LANE, settings.PLUME_WORKER_CONCURRENCY))
    async with app.open_async():
        # A query, not the pool's opening: after a failed opening, procrastinate keeps the pool that
        # never opened, and the next open_async returns at once without a connection.
        await app.connector.execute_query_one_async("SELECT 1 AS answered")
        connected.set()
        lanes = [
            asyncio.create_task(_lane(app, settings, name, LONG_QUEUES, settings.PLUME_WORKER_CONCURRENCY)),
            asyncio.create_task(_lane(app, settings, name, FAST_QUEUES, fast)),
        ]
        try:
            done, _ = await asyncio.wait(lanes, return_when=asyncio.FIRST_COMPLETED)
        finally:  # cancelled (SIGTERM), or one lane ended: the other stops too, its jobs finished
            for lane in lanes:
                lane.cancel()
            await asyncio.gather(*lanes, return_exceptions=True)
        for lane in done:
            lane.result()  # its database error, if that is why it ended


async def _lane(app, settings: Settings, name: str, queues: tuple[str, ...], concurrency: int) -> None:
    await app.run_worker_async(
        name=name,
        queues=list(queues),
        concurrency=concurrency,
        update_heartbeat_interval=settings.PLUME_JOBS_HEARTBEAT,
        stalled_worker_timeout=settings.PLUME_JOBS_STALLED_AFTER,
        shutdown_graceful_timeout=None,  # SIGTERM: the jobs in progress finish, however long
        delete_jobs="successful",  # the queue holds what is waiting, running or failed
        install_signal_handlers=False,  # ours: a stop we asked for, told from one it had to make
        listen_notify=True,  # a deferred job wakes a worker at once (LISTEN/NOTIFY)
        # A job waiting on a lock (a person's next command behind their previous one) is only seen
        # again on this poll: 1 s rather than procrastinate's 5.
        fetch_job_polling_interval=1.0,
    )
