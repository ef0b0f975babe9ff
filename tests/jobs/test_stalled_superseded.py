"""A stalled job whose twin already waits in the queue (same queueing lock) is deleted, not retried: the
retry would break the lock's unique index, and the stalled job would hold its workspace's lock for
good, so the twin would never run (found by the chaos test: a workspace's nudges lost)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.jobs.operations import retry_stalled_jobs
from bot.jobs.queue import defer_nudges, opened_app
from tests.jobs.test_queue import _fetch, _worker

MOMENT = datetime(2026, 11, 18, 10, 30, tzinfo=UTC)


def test_a_stalled_job_with_its_twin_queued_is_superseded(pg_settings, caplog):
    app = opened_app(pg_settings)
    defer_nudges(app, [1], MOMENT)
    stalled = _fetch(app, _worker(app, silent_for=120))  # "doing" on a dead worker, lock workspace:1
    defer_nudges(app, [1], MOMENT)  # the next tick queues the workspace's nudges again
    twin = [j.id for j in app.job_manager.list_jobs(task="nudge_workspace") if j.id != stalled]
    defer_nudges(app, [2], MOMENT)
    other = _fetch(app, _worker(app, silent_for=120))  # another workspace's, nothing queued behind it

    caplog.set_level("WARNING", logger="bot.jobs.operations")
    assert retry_stalled_jobs(app, 30) == 2
    said = {(r.getMessage(), r.fields["job_id"]) for r in caplog.records}
    assert said == {
        ("stalled job superseded by the same job queued", stalled),
        ("stalled job retried", other),
    }
    assert [j.id for j in app.job_manager.list_jobs(task="nudge_workspace", status="doing")] == []
    waiting = sorted(j.id for j in app.job_manager.list_jobs(task="nudge_workspace", status="todo"))
    assert waiting == sorted([*twin, other])  # the twin runs now: the workspace's lock is free
    assert retry_stalled_jobs(app, 30) == 0
