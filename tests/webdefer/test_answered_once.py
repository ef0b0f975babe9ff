"""A slash command deferred as a job is answered once even when its worker dies after posting the
answer and before procrastinate records the job done: `retry_stalled` gives the job back to the
queue under the same id, and the worker that takes it finds the answer recorded and says so."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

import pytest
from procrastinate import App, JobContext
from sqlalchemy.exc import OperationalError

from bot.config import load_settings
from bot.jobs.command_tasks import DATABASE_RETRY, SLACK_TASK
from bot.jobs.engine import worker_settings
from bot.jobs.operations import retry_stalled_jobs
from bot.jobs.queue import defer, opened_app
from handlers.slack import commands as slack_commands
from handlers.slack.commands import command_runtime
from handlers.slack.offload import CommandJob, job_args, person_lock
from tests.fakes.response_urls import ResponseUrls
from tests.fakes.slack_server import FakeSlack
from tests.jobs.test_queue import _fetch, _worker
from tests.slack.conftest import text_of
from tests.webdefer.pg_gate import PgGate
from tests.webdefer.test_deferral_postgres import forget_command_jobs

pytestmark = pytest.mark.postgres
TASK = f"commands:{SLACK_TASK}"
AGAIN = "command already answered before its worker stopped: not again"


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.add_user("U100", name="ana", tz="Europe/Paris")
        yield fake


@contextmanager
def worker_process(slack: FakeSlack, database_url: str, postgres_url: str) -> Iterator[App]:
    """This process set up as a queue worker whose jobs reach the database at `database_url` (their
    settings come from the environment), answering through a fake Slack; the worker's cached settings
    and runtime forgotten around it. The app (procrastinate's side) is on the test database itself."""
    env = {
        "DATABASE_URL": database_url,
        "PLUME_JOBS": "procrastinate",
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_API_URL": slack.url,
        "LOG_LEVEL": "WARNING",
    }
    with mock.patch.dict(os.environ, env):
        _forget_worker_caches()
        try:
            yield opened_app(load_settings({**env, "DATABASE_URL": postgres_url}))
        finally:
            _forget_worker_caches()
            forget_command_jobs(postgres_url)


def _forget_worker_caches() -> None:
    worker_settings.cache_clear()
    slack_commands._command_runtime.cache_clear()


def run_as(app, worker: int, job_id: int) -> None:
    """What a worker does with a job it took: the task's function with the job's context (what
    procrastinate does next, recording the job done, is what a SIGKILL prevents)."""
    [job] = app.job_manager.list_jobs(id=job_id)
    context = JobContext(
        app=app,
        worker_name=f"worker-{worker}",
        job=job,
        start_timestamp=time.time(),
        abort_reason=lambda: None,
    )
    app.tasks[TASK](context, **job.task_kwargs)


def deferred_help(app: App, url: str) -> int:
    """A "/plume help" deferred as the web process does; its job id."""
    command = CommandJob("help", "U100", "T0001", url, None)
    return defer(app, TASK, lock=person_lock(command))(job=job_args(command))


def test_a_command_whose_worker_died_after_answering_is_not_answered_again(slack, postgres_url, caplog):
    with worker_process(slack, postgres_url, postgres_url) as app, ResponseUrls() as urls:
        url = urls.new()
        job_id = deferred_help(app, url)
        dead, alive = _worker(app, silent_for=120), _worker(app, silent_for=0)

        assert _fetch(app, dead) == job_id
        run_as(app, dead, job_id)  # answered; then the worker is killed before the job is marked done
        assert len(urls.bodies(url)) == 1
        assert app.job_manager.get_job_status(job_id).value == "doing"

        assert retry_stalled_jobs(app, 30) == 1
        assert _fetch(app, alive) == job_id  # the same job, taken again
        with caplog.at_level(logging.WARNING, logger="bot.jobs.command_tasks"):
            run_as(app, alive, job_id)
        bodies = urls.bodies(url)
    assert len(bodies) == 1 and "join" in text_of(bodies[0])
    again = [r for r in caplog.records if r.getMessage() == AGAIN]
    assert len(again) == 1 and again[0].fields == {"job_id": job_id}


def test_a_database_gone_before_the_answer_is_raised_for_the_retry_and_nothing_is_answered(
    slack, postgres_url
):
    with (
        PgGate(postgres_url) as gate,
        worker_process(slack, gate.url, postgres_url) as app,
        ResponseUrls() as urls,
    ):
        url = urls.new()
        job_id = deferred_help(app, url)
        worker = _worker(app, silent_for=0)
        assert _fetch(app, worker) == job_id
        command_runtime()  # the worker's runtime, migrated at its start: the cut hits the marker's check
        gate.down()
        with pytest.raises(tuple(DATABASE_RETRY.retry_exceptions)):
            run_as(app, worker, job_id)
        assert urls.bodies(url) == []
        gate.up()
        run_as(app, worker, job_id)  # procrastinate's retry of the same job
        assert len(urls.bodies(url)) == 1


def test_an_answer_that_cannot_be_recorded_is_logged_and_the_job_succeeds(slack, postgres_url, caplog):
    def database_gone(*args: object) -> bool:
        raise OperationalError("INSERT INTO processed_events", {}, ConnectionError("server closed"))

    with (
        worker_process(slack, postgres_url, postgres_url) as app,
        ResponseUrls() as urls,
        mock.patch("bot.services.workspaces.lifecycle.first_delivery", database_gone),
        caplog.at_level(logging.ERROR, logger="bot.jobs.command_tasks"),
    ):
        url = urls.new()
        job_id = deferred_help(app, url)
        worker = _worker(app, silent_for=0)
        assert _fetch(app, worker) == job_id
        run_as(app, worker, job_id)  # not raised: the answer went out
        assert len(urls.bodies(url)) == 1
    assert [r.getMessage() for r in caplog.records] == ["command answered but not recorded"]
