"""`python -m bot worker` on the procrastinate engine: one worker process on every queue.

Any number of them may run, on any machines: they share the jobs through PostgreSQL, each runs the
periodic ticks (procrastinate defers each tick once), and each sends a heartbeat so that another one's
`retry_stalled` can give a dead worker's jobs back to the queue. SIGTERM: the jobs in progress finish,
then exit 0. Losing the database stops procrastinate's worker; this one starts it again as soon as the
database answers, and exits 1 (for its supervisor to restart it) when it has not for RECOVER_WITHIN.
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
from bot.jobs.queue import COMMANDS, DELIVERIES, INGEST, NUDGES, TICKS, procrastinate_app
from bot.runtime import shared_runtime

log = logging.getLogger(__name__)
RECOVER_WITHIN = 60.0  # seconds without the database before the worker gives up (exit 1)
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
    trouble_since: float | None = None
    while not stopping.is_set():
        log.info("worker started", extra={"fields": {"worker": name, "engine": "procrastinate"}})
        started = time.monotonic()
        running[:] = [asyncio.create_task(_run_once(settings, name))]
        try:
            await running[0]
            error = "stopped by itself (lost its database connection)"
        except asyncio.CancelledError:
            if stopping.is_set():
                break
            raise
        except DATABASE_TROUBLE as exc:
            error = f"{type(exc).__name__}: {exc}"
        now = time.monotonic()
        # A run that lasted a while had recovered: the trouble starts again now.
        trouble_since = trouble_since if trouble_since and now - started < RECOVER_WITHIN else now
        fields = {"worker": name, "error": error, "seconds": round(now - trouble_since)}
        if now - trouble_since >= RECOVER_WITHIN:
            log.error("database unreachable: worker exits", extra={"fields": fields})
            return 1
        log.warning("database trouble: worker restarts", extra={"fields": fields})
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), RETRY_EVERY)
    log.info("worker stopped", extra={"fields": {"worker": name}})
    return 0


async def _run_once(settings: Settings, name: str) -> None:
    """Two procrastinate workers in this process until cancelled (SIGTERM: they finish their jobs
    first): one on the long jobs, one on the ticks and chat commands, so that neither a person waiting
    for an answer nor the ticks (retry_stalled among them) queue behind hours of deliveries. Returns or
    raises when one of them lost the database (the other is stopped then)."""
    app = procrastinate_app(settings)
    fast = max(2, min(FAST_LANE, settings.PLUME_WORKER_CONCURRENCY))
    async with app.open_async():
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
    )
