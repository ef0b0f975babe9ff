"""On the procrastinate engine, real `python -m bot serve` and `python -m bot teams` only verify, ack
and enqueue: a signed slash command and a Teams message each become one job on queue "commands"
(no bot token in it), and a `python -m bot worker` started afterwards answers them, in each person's
order, on the response_url and in the Teams conversation. The web processes reach the database through
a gate that is down when the commands arrive: they are acked at once all the same, and enqueued once
the database is back."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import text

from bot.storage.db import make_engine
from tests.fakes.response_urls import ResponseUrls
from tests.fakes.serve_process import REPO, free_port, wait_healthy
from tests.fakes.slack_requests import SIGNING_SECRET, command_body, signed_headers
from tests.fakes.slack_server import FakeSlack
from tests.fakes.teams_server import TeamsCloud
from tests.slack.conftest import text_of
from tests.teams.activities import person, personal_message
from tests.teams.conftest import shown, teams_env, wait_for
from tests.webdefer.pg_gate import PgGate
from tests.webdefer.test_deferral_postgres import forget_command_jobs

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
TOKEN = "xoxb-test-token"  # the fake Slack's workspace token


def environment(cloud: TeamsCloud, slack: FakeSlack, postgres_url: str, folder: Path) -> dict[str, str]:
    """One environment for the two web processes and the worker: both platforms, the test PostgreSQL."""
    env = teams_env(cloud, free_port(), folder / "unused.db", DATABASE_URL=postgres_url)
    env.update(
        PORT=str(free_port()),
        PLUME_JOBS="procrastinate",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_API_URL=slack.url,
        LOG_LEVEL="INFO",
    )
    return env


def start(command: str, env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-W", "ignore", "-m", "bot", command], cwd=REPO, env=env, stdout=out, stderr=out
        )


def stop(process: subprocess.Popen) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=30)


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen]]:
    started: list[subprocess.Popen] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def command_jobs(postgres_url: str, task: str) -> list[dict]:
    engine = make_engine(postgres_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT status, lock, args, args::text AS raw FROM procrastinate_jobs "
                    "WHERE queue_name = 'commands' AND task_name = :task ORDER BY id"
                ),
                {"task": task},
            )
            return [dict(row._mapping) for row in rows]
    finally:
        engine.dispose()


def answered_or_not(postgres_url: str, task: str, count: int) -> list[dict]:
    """The task's jobs once there are `count` of them; else []."""
    found = command_jobs(postgres_url, task)
    return found if len(found) == count else []


def until(read, seconds: float = 30.0):
    deadline = time.monotonic() + seconds
    while not (found := read()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
    return found


def test_web_processes_ack_while_the_database_is_down_then_enqueue_and_a_worker_answers(
    postgres_url, tmp_path, processes
):
    forget_command_jobs(postgres_url)
    with FakeSlack() as slack, TeamsCloud() as cloud, ResponseUrls() as urls, PgGate(postgres_url) as gate:
        slack.add_user("U100", name="ana", tz="Europe/Paris")
        cloud.teams.add_member("aad-e2e", "Jo")
        chat = cloud.teams.open_personal("aad-e2e")
        env = environment(cloud, slack, postgres_url, tmp_path)
        web_env = {**env, "DATABASE_URL": gate.url}
        processes += [
            start("serve", web_env, tmp_path / "serve.log"),
            start("teams", web_env, tmp_path / "teams.log"),
        ]
        wait_healthy(int(env["PORT"]))
        wait_healthy(int(env["TEAMS_PORT"]))
        gate.down()

        joined, helped = urls.new(), urls.new()
        for line, url in (("join @ana_e2e", joined), ("help", helped)):
            body = command_body(line, response_url=url)
            started = time.monotonic()
            events = f"http://127.0.0.1:{env['PORT']}/slack/events"
            answer = requests.post(events, data=body, headers=signed_headers(body), timeout=10)
            # Deferring waits 2 s for a connection before buffering: the ack does not wait for it.
            assert answer.status_code == 200 and time.monotonic() - started < 1.5
        activity = personal_message(cloud.teams.url, chat, person("aad-e2e"), "help")
        teams_token = {"Authorization": f"Bearer {cloud.teams.activity_token()}"}
        base = f"http://127.0.0.1:{env['TEAMS_PORT']}"
        started = time.monotonic()
        assert requests.post(f"{base}/api/messages", json=activity, headers=teams_token, timeout=10).ok
        assert time.monotonic() - started < 1.5
        time.sleep(1)
        assert command_jobs(postgres_url, "commands:slack_command") == []  # the database is "down"
        gate.up()

        slack_jobs = until(lambda: answered_or_not(postgres_url, "commands:slack_command", 2))
        teams_jobs = until(lambda: answered_or_not(postgres_url, "commands:teams_turn", 1))
        assert [j["status"] for j in slack_jobs + teams_jobs] == ["todo"] * 3  # nobody answers yet
        assert urls.bodies(joined) == [] and cloud.teams.activities(chat) == []
        assert {j["lock"] for j in slack_jobs} == {"slack:T0001:U100"}
        assert teams_jobs[0]["lock"].startswith("teams:") and teams_jobs[0]["lock"].endswith(":aad-e2e")
        assert all(TOKEN not in j["raw"] for j in slack_jobs + teams_jobs)

        worker = start("worker", env, tmp_path / "worker.log")
        processes.append(worker)
        assert "Welcome" in text_of(until(lambda: urls.bodies(joined), 60)[0])
        assert "join" in text_of(until(lambda: urls.bodies(helped))[0])
        assert "join" in shown(wait_for(cloud.teams, chat, 1, seconds=30)[0])
        # The worker deletes a job that succeeded: none is left waiting, running or failed.
        until(lambda: not command_jobs(postgres_url, "commands:slack_command"))
        until(lambda: not command_jobs(postgres_url, "commands:teams_turn"))
        assert len(urls.bodies(joined)) == 1 and len(urls.bodies(helped)) == 1
        assert stop(worker) == 0
    log = (tmp_path / "worker.log").read_text()
    assert "job started" in log and "commands:slack_command" in log and TOKEN not in log
