"""`python -m bot worker`: on the procrastinate engine (PostgreSQL), a procrastinate worker
(bot/jobs/queue_worker.py); otherwise the in-process scheduler running every job on its cadence.

Jobs are the plain functions of `bot.jobs.tasks` (ids and dates in, no ORM objects or clients), so both
runners call the same functions. SIGTERM lets the running job finish, then exits.
"""

from __future__ import annotations

import logging
import signal
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler

from bot.config import Settings
from bot.jobs import tasks
from bot.jobs.engine import jobs_engine
from bot.services.delivery.notifiers import Notifiers

log = logging.getLogger(__name__)
DIGEST_CHECK = timedelta(minutes=15)


def build_scheduler(settings: Settings, notifiers: Notifiers | None = None) -> BlockingScheduler:
    """Every job, one at a time (max_instances=1, coalesced), starting now. Jobs find each
    workspace's notifier by its platform (`notifiers`, default: the composition root's)."""
    chat = {"notifiers": notifiers} if notifiers is not None else {}
    scheduler = BlockingScheduler(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1})
    start = datetime.now(UTC) + timedelta(seconds=5)
    scheduler.add_job(
        tasks.ingest_and_nudge,
        "interval",
        seconds=settings.POLL_INTERVAL,
        args=[settings],
        kwargs=chat,
        id="ingest",
        next_run_time=start,
    )
    scheduler.add_job(
        tasks.weekly_deliveries,
        "interval",
        seconds=DIGEST_CHECK.total_seconds(),
        args=[settings],
        kwargs=chat,
        id="weekly",
        next_run_time=start + timedelta(seconds=30),
    )
    scheduler.add_job(
        tasks.retention,
        "interval",
        hours=24,
        args=[settings],
        id="retention",
        next_run_time=start + timedelta(minutes=5),
    )
    scheduler.add_job(  # hourly check, daily work: each kind runs once per UTC day, failures the next day
        tasks.daily_compliance,
        "interval",
        hours=1,
        args=[settings],
        id="compliance",
        next_run_time=start + timedelta(minutes=10),
    )
    return scheduler


def run_worker(settings: Settings, notifiers: Notifiers | None = None) -> int:
    """Run until SIGTERM or SIGINT; the job in progress completes first. The engine comes from
    PLUME_JOBS, else the database (bot/jobs/engine.py)."""
    if jobs_engine(settings) == "procrastinate":
        from bot.jobs.queue_worker import run_queue_worker

        return run_queue_worker(settings)
    scheduler = build_scheduler(settings, notifiers)

    def stop(signum, _frame) -> None:
        log.info("stopping after the current job", extra={"fields": {"signal": signum}})
        try:
            scheduler.shutdown(wait=True)
        except SchedulerNotRunningError:  # the signal came before the loop started: nothing to finish
            raise SystemExit(0) from None

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("worker started", extra={"fields": {"poll_interval": settings.POLL_INTERVAL}})
    scheduler.start()
    return 0
