"""A web process's deferral onto procrastinate's real table, with the database cut and brought back
by a TCP gate: a command acked during the cut is buffered, then deferred exactly once when the
database answers again; one given up on is answered "please try again" through a path that needs
no database (Slack: its response_url; Teams: the Bot Connector); no bot token ever reaches a job row."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from unittest import mock

import pytest
from sqlalchemy import text

from bot.config import Settings, load_settings
from bot.jobs.queue import procrastinate_app
from bot.storage.db import make_engine
from handlers.slack.archive import ArchiveJob
from handlers.slack.offload import CommandJob
from handlers.slack.queueing import slack_handover
from handlers.teams.offload import TurnJob, teams_handover
from handlers.teams.turns import turn_of
from tests.fakes.response_urls import ResponseUrls
from tests.fakes.teams_server import TeamsCloud
from tests.slack.conftest import text_of
from tests.teams.activities import person, personal_message
from tests.teams.conftest import shown
from tests.webdefer.pg_gate import PgGate

pytestmark = pytest.mark.postgres
TOKEN = "xoxb-webdefer-secret"


@pytest.fixture
def gate(postgres_url: str) -> Iterator[PgGate]:
    with PgGate(postgres_url) as gate:
        yield gate
    forget_command_jobs(postgres_url)  # a later test's worker must not answer these


def forget_command_jobs(postgres_url: str) -> None:
    """Delete every job on queue "commands" (this run's database is this test process's own)."""
    engine = make_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM procrastinate_jobs WHERE queue_name = 'commands'"))
    engine.dispose()


def settings_for(gate: PgGate, **more: str) -> Settings:
    return load_settings(
        {
            "DATABASE_URL": gate.url,
            "PLUME_JOBS": "procrastinate",
            "SLACK_SIGNING_SECRET": "s",
            "SLACK_BOT_TOKEN": TOKEN,
            "LOG_LEVEL": "WARNING",
            **more,
        }
    )


def close_pool(settings: Settings) -> None:
    """The web deferral's pool (procrastinate's public `pool`): closed so it stops reconnecting."""
    procrastinate_app(settings).connector.get_sync_connector().pool.close()


def job_rows(postgres_url: str, team: str) -> list[dict]:
    """The command jobs of one test's team, straight from procrastinate's table."""
    engine = make_engine(postgres_url)
    try:
        with engine.connect() as conn:
            found = conn.execute(
                text(
                    "SELECT queue_name, task_name, lock, args, args::text AS raw FROM procrastinate_jobs "
                    "WHERE args->'job'->>'team_id' = :team ORDER BY id"
                ),
                {"team": team},
            )
            return [dict(row._mapping) for row in found]
    finally:
        engine.dispose()


def until(condition, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def logged(caplog, message: str) -> int:
    return [r.getMessage() for r in caplog.records].count(message)


def test_commands_acked_while_the_database_is_down_are_deferred_once_when_it_is_back(
    gate, postgres_url, caplog
):
    settings = settings_for(gate)
    handover = slack_handover(settings, retry_seconds=0.2)
    gate.down()
    jobs = [
        CommandJob("join @ana", "U1", "TDOWN", "https://hooks.test/commands/1", TOKEN),
        CommandJob("me", "U1", "TDOWN", "https://hooks.test/commands/2", TOKEN),
        ArchiveJob("TDOWN", "U1", "D1", "F1", TOKEN),
    ]
    try:
        with caplog.at_level(logging.INFO, logger="bot.jobs.deferral"):
            for job in jobs:
                handover.submit(job)
            until(lambda: logged(caplog, "command deferral failed: buffering") == 1)
            assert handover.buffered == 3 and job_rows(postgres_url, "TDOWN") == []
            gate.up()
            until(lambda: handover.buffered == 0)
            time.sleep(0.5)  # more retry periods: nothing goes twice
        rows = job_rows(postgres_url, "TDOWN")
    finally:
        handover.shutdown()
        close_pool(settings)
    assert [(r["queue_name"], r["task_name"], r["lock"]) for r in rows] == 3 * [
        ("commands", "commands:slack_command", "slack:TDOWN:U1")
    ]
    assert [r["args"]["job"].get("text") for r in rows] == ["join @ana", "me", None]  # in order
    assert rows[2]["args"]["job"]["kind"] == "archive"
    assert all(TOKEN not in r["raw"] and "xoxb" not in r["raw"] for r in rows)
    assert logged(caplog, "command deferral resumed") == 1 and logged(caplog, "command given up") == 0


def test_a_slack_command_given_up_on_is_answered_please_try_again_on_its_response_url(
    gate, postgres_url, caplog
):
    settings = settings_for(gate)
    handover = slack_handover(settings, retry_seconds=0.2, give_up_seconds=1.0)
    gate.down()
    with ResponseUrls() as urls, caplog.at_level(logging.ERROR, logger="bot.jobs.deferral"):
        url = urls.new()
        try:
            handover.submit(CommandJob("me 2026-W01", "U2", "TGIVEUP", url, TOKEN))
            until(lambda: urls.bodies(url))
            gate.up()
            time.sleep(0.5)
        finally:
            handover.shutdown()
            close_pool(settings)
        bodies = urls.bodies(url)
    assert len(bodies) == 1 and "Please try again" in text_of(bodies[0])
    assert bodies[0]["response_type"] == "ephemeral"
    assert job_rows(postgres_url, "TGIVEUP") == []  # given up means not run later as well
    lines = [r for r in caplog.records if r.getMessage() == "command given up"]
    assert len(lines) == 1 and lines[0].fields["kind"] == "CommandJob"
    assert "2026-W01" not in str(lines[0].fields)  # no personal text in the log


def test_a_teams_turn_given_up_on_is_answered_in_its_conversation_without_the_database(gate, tmp_path):
    with TeamsCloud() as cloud, mock.patch.dict(os.environ, cloud.env()):
        cloud.teams.add_member("aad-giveup", "Jo")
        chat = cloud.teams.open_personal("aad-giveup")
        settings = settings_for(gate, **cloud.settings_env())
        handover = teams_handover(settings, retry_seconds=0.2, give_up_seconds=1.0)
        gate.down()
        turn = turn_of(personal_message(cloud.teams.url, chat, person("aad-giveup"), "me"))
        try:
            handover.submit(TurnJob("handle_message", turn))
            until(lambda: cloud.teams.activities(chat), seconds=20)
        finally:
            handover.shutdown()
            close_pool(settings)
        said = cloud.teams.activities(chat)
    assert len(said) == 1 and "Please try again" in shown(said[0])


def test_a_multi_workspace_app_acks_and_buffers_a_known_workspaces_command_while_the_database_is_down(
    gate, postgres_url, caplog
):
    from slack_bolt.request import BoltRequest
    from slack_sdk.oauth.installation_store import Installation

    from bot.runtime import open_runtime
    from handlers.slack.app import build_app
    from handlers.slack.installation import installation_store
    from tests.fakes.slack_requests import SIGNING_SECRET, command_body, signed_headers
    from tests.fakes.slack_server import FakeSlack

    with FakeSlack() as slack:
        settings = settings_for(
            gate,
            SLACK_BOT_TOKEN="",
            SLACK_CLIENT_ID="111.222",
            SLACK_CLIENT_SECRET="client-secret",
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=slack.url,
        )
        runtime = open_runtime(settings)
        installation_store(settings, runtime.engine).save(
            Installation(
                app_id="A0001",
                team_id="TOAUTH",
                user_id="UADMIN",
                bot_token="xoxb-test-token",
                bot_id="B0001",
                bot_user_id="UBOT",
            )
        )
        handover = slack_handover(settings, retry_seconds=0.2)
        app = build_app(settings, runtime, command_pool=handover)

        def send(text_: str, n: int) -> int:
            body = command_body(text_, user_id="U7", team_id="TOAUTH", response_url=f"https://hooks.test/{n}")
            return app.dispatch(BoltRequest(body=body, headers=signed_headers(body))).status

        try:
            assert send("help", 1) == 200
            until(lambda: len(job_rows(postgres_url, "TOAUTH")) == 1)
            gate.down()
            with caplog.at_level(logging.WARNING, logger="handlers.slack.authorize"):
                started = time.monotonic()
                assert send("me", 2) == 200
                assert time.monotonic() - started < 1.5  # refused at once: the gate cuts, it does not hang
            assert logged(caplog, "installation store unreachable: last known authorization used") == 1
            until(lambda: handover.buffered == 0 or logged(caplog, "command deferral failed: buffering"))
            gate.up()
            until(lambda: len(job_rows(postgres_url, "TOAUTH")) == 2)
        finally:
            handover.shutdown()
            close_pool(settings)
            runtime.engine.dispose()
    rows = job_rows(postgres_url, "TOAUTH")
    assert [r["args"]["job"]["text"] for r in rows] == ["help", "me"]
    assert all("xoxb" not in r["raw"] for r in rows)
