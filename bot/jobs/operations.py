"""Operating the job queue: jobs a dead worker left "doing" go back to the queue; what is waiting."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import psycopg
from procrastinate import App, exceptions, jobs, sql

log = logging.getLogger(__name__)


def stalled_jobs(app: App, stalled_after: float) -> list[jobs.Job]:
    """Jobs "doing" on a worker without a heartbeat for `stalled_after` seconds, or on none (a pruned
    worker's jobs lose it): procrastinate's own query, run synchronously from any thread."""
    rows = app.connector.get_sync_connector().execute_query_all(
        query=sql.queries["select_stalled_jobs_by_heartbeat"],
        queue=None,
        task_name=None,
        seconds_since_heartbeat=stalled_after,
    )
    return [jobs.Job.from_row(row) for row in rows]


def retry_stalled_jobs(app: App, stalled_after: float) -> int:
    """Put every stalled job back in the queue, now; one log line each. How many.

    A stalled job whose queueing lock another job already holds in the queue cannot go back (the
    lock's unique index): that job does the same work (the same workspace's week, its nudges, the same
    accounts), so the stalled one is deleted instead. Before, the retry raised, retry_stalled failed
    every tick, and the stalled job kept its workspace's lock for good: the queued job behind it never
    ran (the chaos test: a workspace's nudges lost, the job "doing" to the end)."""
    stalled = stalled_jobs(app, stalled_after)
    for job in stalled:
        assert job.id is not None
        fields = {"job": job.task_name, "job_id": job.id, "args": job.task_kwargs, "lock": job.lock}
        try:
            app.job_manager.retry_job_by_id(job.id, retry_at=datetime.now(UTC))
        except exceptions.ConnectorException as exc:
            if not _queueing_lock_taken(exc):
                raise
            _delete_job(app, job.id)
            log.warning("stalled job superseded by the same job queued", extra={"fields": fields})
            continue
        log.warning("stalled job retried", extra={"fields": fields})
    return len(stalled)


def _queueing_lock_taken(exc: Exception) -> bool:
    return isinstance(exc, exceptions.UniqueViolation) or isinstance(
        exc.__cause__, psycopg.errors.UniqueViolation
    )


def _delete_job(app: App, job_id: int) -> None:
    app.connector.get_sync_connector().execute_query(
        query=sql.queries["finish_job"], job_id=job_id, status="failed", delete_job=True
    )


def jobs_in_hand(app: App, task: str) -> list[dict]:
    """The arguments of the `task` jobs waiting or running (one query)."""
    rows = app.connector.get_sync_connector().execute_query_all(query=IN_HAND, task=task)
    return [row["args"] for row in rows]


IN_HAND = "SELECT args FROM procrastinate_jobs WHERE task_name = %(task)s AND status IN ('todo', 'doing')"


def purge_finished_jobs(app: App, days: int) -> None:
    """Delete jobs finished (failed ones included) over `days` ago: the queue keeps what is recent."""
    app.connector.get_sync_connector().execute_query(
        query=sql.queries["delete_old_jobs"],
        nb_hours=days * 24,
        queue=None,
        statuses=["succeeded", "failed", "cancelled", "aborted"],
    )


OLDEST_WAITING = """
SELECT job.id, job.task_name, job.queue_name, job.lock, MIN(event.at) AS deferred_at,
       EXTRACT(EPOCH FROM NOW() - MIN(event.at)) AS waiting_seconds
  FROM procrastinate_jobs job
  JOIN procrastinate_events event ON event.job_id = job.id AND event.type = 'deferred'
 WHERE job.status = 'todo' AND (job.scheduled_at IS NULL OR job.scheduled_at <= NOW())
 GROUP BY job.id
 ORDER BY deferred_at
 LIMIT 1
"""
WORKERS = """
SELECT COUNT(*) FILTER (WHERE last_heartbeat >= NOW() - make_interval(secs => %(stalled_after)s)) AS alive,
       COUNT(*) FILTER (WHERE last_heartbeat < NOW() - make_interval(secs => %(stalled_after)s)) AS silent
  FROM procrastinate_workers
"""
STATUSES = ("todo", "doing", "failed", "succeeded", "cancelled", "aborted")


def queue_status(app: App, stalled_after: float) -> dict:
    """`python -m bot jobs --format json`: jobs by queue and status, the stalled jobs, the oldest job
    waiting (None: nothing waits) and the workers with a recent heartbeat (and without)."""
    connector = app.connector.get_sync_connector()
    queues = {q["name"]: {s: q[s] for s in STATUSES} for q in app.job_manager.list_queues()}
    stalled = [
        {"id": j.id, "task": j.task_name, "queue": j.queue, "lock": j.lock, "args": j.task_kwargs}
        for j in stalled_jobs(app, stalled_after)
    ]
    oldest = connector.execute_query_all(query=OLDEST_WAITING)
    workers = connector.execute_query_one(query=WORKERS, stalled_after=stalled_after)
    return {
        "engine": "procrastinate",
        "queues": dict(sorted(queues.items())),
        "stalled": stalled,
        "stalled_after_seconds": stalled_after,
        "oldest": _oldest(oldest[0]) if oldest else None,
        "workers": {"alive": workers["alive"], "silent": workers["silent"]},
    }


def _oldest(row: dict) -> dict:
    return {
        "id": row["id"],
        "task": row["task_name"],
        "queue": row["queue_name"],
        "lock": row["lock"],
        "deferred_at": row["deferred_at"].isoformat(),
        "waiting_seconds": round(float(row["waiting_seconds"]), 1),
    }


def status_text(status: dict) -> str:
    """The text form of `queue_status`: a table of queues, then stalled jobs and the oldest waiting."""
    workers = status["workers"]
    lines = [f"Job queue (procrastinate): {workers['alive']} workers alive, {workers['silent']} silent"]
    lines.append(f"  {'queue':<12}" + "".join(f"{s:>10}" for s in STATUSES))
    for name, counts in status["queues"].items():
        lines.append(f"  {name:<12}" + "".join(f"{counts[s]:>10,}" for s in STATUSES))
    if not status["queues"]:
        lines.append("  (no jobs)")
    after = f"{status['stalled_after_seconds']:g}"
    lines.append(f"stalled: {len(status['stalled'])} (doing, on a worker silent for over {after} s)")
    lines.extend(f"  #{j['id']} {j['task']} lock={j['lock']} {j['args']}" for j in status["stalled"])
    oldest = status["oldest"]
    lines.append(
        "oldest waiting: none"
        if oldest is None
        else f"oldest waiting: #{oldest['id']} {oldest['task']} on {oldest['queue']}, "
        f"waiting {_duration(oldest['waiting_seconds'])} (since {oldest['deferred_at'][:19]})"
    )
    return "\n".join(lines)


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes}m{secs:02d}s"
