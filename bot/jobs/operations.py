"""Operating the job queue: jobs a dead worker left "doing" go back to the queue; what is waiting."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from procrastinate import App, jobs, sql

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
    """Put every stalled job back in the queue, now; one log line each. How many."""
    stalled = stalled_jobs(app, stalled_after)
    for job in stalled:
        assert job.id is not None
        app.job_manager.retry_job_by_id(job.id, retry_at=datetime.now(UTC))
        fields = {"job": job.task_name, "job_id": job.id, "args": job.task_kwargs, "lock": job.lock}
        log.warning("stalled job retried", extra={"fields": fields})
    return len(stalled)
