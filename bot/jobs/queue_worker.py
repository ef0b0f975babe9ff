"""`python -m bot worker` on the procrastinate engine: one worker process on every queue.

Any number of them may run, on any machines: they share the jobs through PostgreSQL, each runs the
periodic ticks (procrastinate defers each tick once), and each sends a heartbeat so that another one's
`retry_stalled` can give a dead worker's jobs back to the queue. SIGTERM: the jobs in progress finish,
then exit 0. Losing the database stops procrastinate's worker; this one starts it again as soon as the
database answers, and exits 1 (for its supervisor to restart it) when it has not for RECOVER_WITHIN.
"""

from __future__ import annotations

import asyncio
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
from bot.jobs.queue import procrastinate_app
from bot.runtime import shared_runtime

log = logging.getLogger(__name__)
RECOVER_WITHIN = 60.0  # seconds without the database before the worker gives up (exit 1)
RETRY_EVERY = 2.0
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
    trouble_since: float | None = None
    while True:
        try:
            log.info("worker started", extra={"fields": {"worker": name, "engine": "procrastinate"}})
            await _run_once(settings, name)
            log.info("worker stopped", extra={"fields": {"worker": name}})
            return 0
        except DATABASE_TROUBLE as exc:
            trouble_since = trouble_since or time.monotonic()
            waited = time.monotonic() - trouble_since
            fields = {"worker": name, "error": f"{type(exc).__name__}: {exc}", "seconds": round(waited)}
            if waited >= RECOVER_WITHIN:
                log.error("database unreachable: worker exits", extra={"fields": fields})
                return 1
            log.warning("database trouble: worker restarts", extra={"fields": fields})
        if await _stopped_within(RETRY_EVERY):
            return 0


class WorkerStoppedByItself(ConnectorException):
    """procrastinate's worker stopped without SIGTERM or SIGINT: one of its side tasks (the LISTEN
    connection, the heartbeat) failed, which means the database went away."""


async def _run_once(settings: Settings, name: str) -> None:
    """One procrastinate worker on every queue, until stopped (returns) or the database fails (raises).

    The signals are ours, not procrastinate's: when a side task fails (a PostgreSQL restart drops the
    LISTEN connection), procrastinate stops its worker gracefully and returns as if asked to, and the
    process exited 0 (seen in the chaos test); only a signal is a stop, anything else a restart."""
    app = procrastinate_app(settings)
    loop = asyncio.get_running_loop()
    asked = asyncio.Event()
    async with app.open_async():
        running = asyncio.create_task(
            app.run_worker_async(
                name=name,
                queues=None,
                concurrency=settings.PLUME_WORKER_CONCURRENCY,
                update_heartbeat_interval=settings.PLUME_JOBS_HEARTBEAT,
                stalled_worker_timeout=settings.PLUME_JOBS_STALLED_AFTER,
                shutdown_graceful_timeout=None,  # SIGTERM: the jobs in progress finish, however long
                delete_jobs="successful",  # the queue holds what is waiting, running or failed
                install_signal_handlers=False,
            )
        )

        def stop() -> None:  # a cancelled worker stops gracefully: its jobs in progress finish first
            asked.set()
            running.cancel()

        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop)
        try:
            await running
        except asyncio.CancelledError:
            if not asked.is_set():
                raise
        finally:
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)
    if not asked.is_set():
        raise WorkerStoppedByItself("procrastinate's worker stopped by itself (the database went away)")


async def _stopped_within(seconds: float) -> bool:
    """Wait `seconds` between restarts; True when SIGTERM or SIGINT came meanwhile."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await asyncio.wait_for(stop.wait(), seconds)
        return True
    except TimeoutError:
        return False
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
