"""`python -m bot worker` on procrastinate, for real: a workspace's sending jobs never run at once
across processes while two workspaces run side by side; a SIGKILLed worker's job is retried once its
heartbeat is stale and every message goes out exactly once; SIGTERM lets the job in progress finish; a
database lost for a while is ridden out, and one lost past PLUME_JOBS_RECOVER_WITHIN ends the worker (1)."""

from __future__ import annotations

import re
import signal
import time

import pytest
from sqlalchemy.engine import make_url

from bot.jobs.queue import defer_delivery, opened_app
from tests.fakes.slack_server import FakeSlack
from tests.jobs.db_proxy import DatabaseProxy
from tests.jobs.workers import (
    W45,
    W46,
    Worker,
    accepted,
    environment,
    expected_keys,
    key_counts,
    seed,
    wait_until,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def slack():
    with FakeSlack() as fake:
        fake.add_user("UADMIN", name="boss", tz="UTC", is_admin=True)
        yield fake


def test_one_workspace_at_a_time_two_workspaces_side_by_side(pg_settings, pg_runtime, slack, tmp_path):
    one, two = seed(pg_runtime, slack, "T1", 5), seed(pg_runtime, slack, "T2", 5)
    slack.hold_after_accepting("chat.postMessage", 0.15)  # each message takes a while: jobs overlap
    app = opened_app(pg_settings)
    for workspace, week in ((one, W46), (one, W45), (two, W46)):
        defer_delivery(app, workspace, week)
    env = environment(pg_settings.DATABASE_URL, slack, tmp_path, PLUME_WORKER_CONCURRENCY="1")
    workers = [Worker(env, tmp_path / f"worker{n}.log") for n in (1, 2)]  # a job each at a time
    expected = {
        k for w, week in ((one, W46), (one, W45), (two, W46)) for k in expected_keys(pg_runtime, w, week)
    }
    assert wait_until(lambda: expected <= set(key_counts(slack)), timeout=60), sorted(
        expected - set(key_counts(slack))
    )
    assert all(worker.stop() == 0 for worker in workers)

    assert max(key_counts(slack).values()) == 1
    spans = _spans(accepted(slack), {(one, W46), (one, W45), (two, W46)}, pg_runtime)
    (a1, a2), (b1, b2), (c1, c2) = spans[(one, W46)], spans[(one, W45)], spans[(two, W46)]
    assert a2 < b1 or b2 < a1, "one workspace's two weeks were sent at the same time"
    assert c1 < max(a2, b2) and min(a1, b1) < c2, "the other workspace waited"
    logs = "".join(worker.text() for worker in workers)
    for workspace, week in ((one, W46), (one, W45), (two, W46)):
        for event in ("started", "ended"):
            key = f"workspace={workspace} week={week}"
            line = f'msg="job {event}" job=deliver_week job_id=\\d+ {key} worker=\\S+:\\d+'
            assert re.search(line, logs), (line, logs[-3000:])


def _spans(sent, jobs, runtime) -> dict[tuple[int, str], tuple[float, float]]:
    """When each (workspace, week) job's first and last message reached Slack."""
    times: dict[tuple[int, str], list[float]] = {}
    for job in jobs:
        keys = expected_keys(runtime, *job)
        times[job] = [at for key, at in sent if key in keys]
    return {job: (min(at), max(at)) for job, at in times.items()}


def test_a_killed_workers_job_is_retried_and_sent_exactly_once(pg_settings, pg_runtime, slack, tmp_path):
    workspace = seed(pg_runtime, slack, "T1", 12)
    expected = expected_keys(pg_runtime, workspace, W46)
    env = environment(pg_settings.DATABASE_URL, slack, tmp_path)
    slack.hold_after_accepting("chat.postMessage", 30)  # Slack takes the first message, never answers
    workers = [Worker(env, tmp_path / f"worker{n}.log") for n in (1, 2)]
    defer_delivery(opened_app(pg_settings), workspace, W46)
    assert wait_until(lambda: key_counts(slack), timeout=30), workers[0].text()[-3000:]
    [busy] = [w for w in workers if 'msg="job started" job=deliver_week' in w.text()]
    assert busy.stop(signal.SIGKILL) == -signal.SIGKILL
    slack.hold_after_accepting("chat.postMessage", 0)

    [other] = [w for w in workers if w is not busy]  # its retry_stalled finds the job of a silent worker
    assert wait_until(lambda: expected <= set(key_counts(slack)), timeout=45), other.text()[-3000:]
    assert wait_until(lambda: 'msg="job ended" job=deliver_week' in other.text(), timeout=10)
    assert other.stop() == 0
    assert set(key_counts(slack)) == expected and max(key_counts(slack).values()) == 1  # exactly once
    assert re.search(r'msg="stalled job retried" job=deliver_week job_id=1 ', other.text()), other.text()
    assert slack.calls_to("conversations.history"), "the message in doubt was looked up"
    assert opened_app(pg_settings).job_manager.list_jobs(status="doing") == []


def test_sigterm_lets_the_job_in_progress_finish(pg_settings, pg_runtime, slack, tmp_path):
    workspace = seed(pg_runtime, slack, "T1", 5)
    expected = expected_keys(pg_runtime, workspace, W46)
    slack.hold_after_accepting("chat.postMessage", 0.4)
    worker = Worker(environment(pg_settings.DATABASE_URL, slack, tmp_path), tmp_path / "worker.log")
    defer_delivery(opened_app(pg_settings), workspace, W46)
    assert wait_until(lambda: key_counts(slack), timeout=30), worker.text()[-3000:]
    assert worker.stop(signal.SIGTERM) == 0
    assert set(key_counts(slack)) == expected  # all of them, after the signal
    assert 'msg="job ended" job=deliver_week' in worker.text() and "outcome=succeeded" in worker.text()
    assert opened_app(pg_settings).job_manager.list_jobs(task="deliver_week") == []  # done, deleted


def test_a_worker_rides_out_lost_connections_and_a_database_away_for_a_while(
    pg_settings, pg_runtime, slack, tmp_path
):
    one, two = seed(pg_runtime, slack, "T1", 5), seed(pg_runtime, slack, "T2", 5)
    url = make_url(pg_settings.DATABASE_URL)
    with DatabaseProxy((url.host, url.port or 5432)) as proxy:
        through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        # Away 3 s, well inside the worker's window: it reconnects rather than exits.
        env = environment(through, slack, tmp_path, PLUME_JOBS_RECOVER_WITHIN="60")
        worker = Worker(env, tmp_path / "worker.log")
        app = opened_app(pg_settings)
        defer_delivery(app, one, W46)
        assert wait_until(lambda: expected_keys(pg_runtime, one, W46) <= set(key_counts(slack)), 30), (
            worker.text()
        )
        before = proxy.connections

        proxy.refusing = True  # every connection dropped, and none taken for 3 s: a restart
        proxy.cut()
        time.sleep(3)
        proxy.refusing = False
        defer_delivery(app, two, W46)
        assert wait_until(lambda: expected_keys(pg_runtime, two, W46) <= set(key_counts(slack)), 30), (
            worker.text()
        )
        assert worker.process.poll() is None and proxy.connections > before  # reconnected, still running
        assert worker.stop() == 0
    assert max(key_counts(slack).values()) == 1
    assert app.job_manager.list_jobs(status="failed") == []  # a job cut off was run again


def test_a_worker_exits_1_when_the_database_stays_away_past_its_window(pg_settings, slack, tmp_path):
    url = make_url(pg_settings.DATABASE_URL)
    with DatabaseProxy((url.host, url.port or 5432)) as proxy:
        through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        env = environment(through, slack, tmp_path, PLUME_JOBS_RECOVER_WITHIN="3")
        worker = Worker(env, tmp_path / "worker.log")
        try:
            worker.wait_for('msg="worker started"', timeout=60)
            proxy.refusing = True  # every connection dropped, and none taken again: the database is gone
            proxy.cut()
            # A bound, not a timing: procrastinate may take ~20 s to notice (its pool waits 10 s for a
            # connection), then the worker gives up after 3 s of runs that never reach the database.
            assert wait_until(lambda: worker.process.poll() is not None, timeout=60), worker.text()[-3000:]
        finally:
            worker.stop(signal.SIGKILL)  # a no-op once it has exited; otherwise no process is left behind
    assert worker.process.returncode == 1, worker.text()[-3000:]
    assert 'msg="database unreachable: worker exits"' in worker.text()
