"""The queue on PostgreSQL, in this process: one waiting job per queueing lock, `python -m bot jobs`,
and a dead worker's job found by its silent heartbeat and put back in the queue."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from procrastinate import sql

from bot.cli import main
from bot.jobs.operations import retry_stalled_jobs, stalled_jobs
from bot.jobs.queue import defer_deliveries, defer_delivery, defer_nudges, opened_app
from tests.jobs.conftest import empty_queue

WEEK = "2026-W46"


def test_a_week_is_queued_once_while_it_waits(pg_settings):
    app = opened_app(pg_settings)
    first = defer_delivery(app, 1, WEEK)
    assert first is not None
    assert defer_delivery(app, 1, WEEK) is None  # already queued: not an error
    assert defer_delivery(app, 2, WEEK) is not None  # another workspace
    jobs = app.job_manager.list_jobs(task="deliver_week")
    locks = sorted((j.task_kwargs["workspace_id"], j.lock) for j in jobs)
    assert locks == [(1, "workspace:1"), (2, "workspace:2")]


def test_weeks_are_queued_in_one_go_and_one_already_waiting_is_skipped(pg_settings):
    app = opened_app(pg_settings)
    defer_deliveries(app, {1: WEEK, 2: WEEK})
    defer_delivery(app, 4, WEEK)
    defer_deliveries(app, {3: WEEK, 4: WEEK})  # 4 waits already: the others one by one
    jobs = app.job_manager.list_jobs(task="deliver_week")
    assert sorted((j.task_kwargs["workspace_id"], j.lock) for j in jobs) == [
        (n, f"workspace:{n}") for n in (1, 2, 3, 4)
    ]


def test_jobs_prints_depth_stalled_and_the_oldest_waiting(pg_settings, capsys):
    app = opened_app(pg_settings)
    first = defer_delivery(app, 1, WEEK)
    defer_nudges(app, [1, 2], datetime(2026, 11, 18, 10, 30, tzinfo=UTC))
    assert main(["jobs"], pg_settings) == 0
    out = capsys.readouterr().out
    assert "stalled: 0" in out and f"oldest waiting: #{first} deliver_week on deliveries" in out
    assert main(["jobs", "--format", "json"], pg_settings) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["queues"]["deliveries"]["todo"] == 1 and status["queues"]["nudges"]["todo"] == 2
    assert status["oldest"]["id"] == first and status["stalled"] == []


def test_a_job_of_a_worker_gone_silent_goes_back_to_the_queue(pg_settings, capsys):
    app = opened_app(pg_settings)
    job_id = defer_delivery(app, 1, WEEK)
    dead, alive = _worker(app, silent_for=120), _worker(app, silent_for=0)
    assert _fetch(app, dead) == job_id  # now "doing", on a worker silent for two minutes
    other = defer_delivery(app, 2, WEEK)
    assert _fetch(app, alive) == other

    assert [j.id for j in stalled_jobs(app, 30)] == [job_id]  # the live worker's job is not stalled
    assert main(["jobs", "--format", "json"], pg_settings) == 0
    assert [j["id"] for j in json.loads(capsys.readouterr().out)["stalled"]] == [job_id]
    assert retry_stalled_jobs(app, 30) == 1
    assert f'msg="stalled job retried" job=deliver_week job_id={job_id}' in capsys.readouterr().err
    assert app.job_manager.get_job_status(job_id).value == "todo"
    assert app.job_manager.get_job_status(other).value == "doing"
    assert retry_stalled_jobs(app, 30) == 0


def _fetch(app, worker: int) -> int:
    """What a worker does to take the next job: procrastinate's own query."""
    connector = app.connector.get_sync_connector()
    return connector.execute_query_one(query=sql.queries["fetch_job"], queues=None, worker_id=worker)["id"]


def _worker(app, silent_for: float) -> int:
    """A registered worker whose last heartbeat was `silent_for` seconds ago."""
    connector = app.connector.get_sync_connector()
    worker = connector.execute_query_one(query=sql.queries["register_worker"])["worker_id"]
    connector.execute_query(
        query="UPDATE procrastinate_workers SET last_heartbeat = NOW() - make_interval(secs => %(s)s) "
        "WHERE id = %(id)s",
        s=silent_for,
        id=worker,
    )
    return worker


def test_a_fresh_queue_has_nothing_waiting(pg_settings, capsys):
    empty_queue(pg_settings.DATABASE_URL)
    assert main(["jobs"], pg_settings) == 0
    out = capsys.readouterr().out
    assert "(no jobs)" in out and "stalled: 0" in out and "oldest waiting: none" in out
