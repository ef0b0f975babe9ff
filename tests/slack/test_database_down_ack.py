"""A slash command that arrives while PostgreSQL is unreachable cannot be authorized (the installation
lookup needs the database): it is told to try again in its ack, never acked and silently dropped (the
chaos test found such commands acked with an empty body during a PostgreSQL restart). An event (an X
archive sent in a DM, the Home tab opened) gets a 503, which Slack answers by sending it again."""

from __future__ import annotations

import json

import pytest

from bot.config import load_settings
from bot.jobs.deferral import TRY_AGAIN_LATER
from bot.runtime import open_runtime
from handlers.slack.app import build_app
from tests.fakes.slack_requests import SIGNING_SECRET, bolt_request, command_body, event_body
from tests.fakes.slack_server import FakeSlack
from tests.slack.conftest import InlineExecutor
from tests.webdefer.pg_gate import PgGate

pytestmark = pytest.mark.postgres


def test_a_command_while_the_database_is_down_is_told_to_try_again(postgres_url, tmp_path):
    with PgGate(postgres_url) as gate:
        settings = load_settings(
            {
                "DATABASE_URL": gate.url,
                "PLUME_JOBS": "inprocess",  # the ack is under test, not where the work goes
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_CLIENT_ID": "cid",
                "SLACK_CLIENT_SECRET": "csecret",
                "PLUME_OUTPUT_DIR": str(tmp_path),
                "LOG_LEVEL": "WARNING",
            }
        )
        runtime = open_runtime(settings)
        app = build_app(settings, runtime)
        gate.down()
        try:
            response = app.dispatch(bolt_request(command_body("me", team_id="TDOWN")))
        finally:
            gate.up()
            runtime.engine.dispose()
    assert response.status == 200
    body = json.loads(response.body)
    assert body["response_type"] == "ephemeral" and TRY_AGAIN_LATER[:40] in json.dumps(body)


def test_an_event_while_the_database_is_down_gets_a_503_and_slacks_redelivery_is_handled(
    postgres_url, tmp_path, caplog
):
    """Slack sends an event again when it was not acked with a 2xx: the redelivery finds the database
    back and is handled as a first delivery (here the Home tab is published), once."""
    with FakeSlack() as slack, PgGate(postgres_url) as gate:
        slack.add_user("U100", name="ana", tz="Europe/Paris")
        settings = load_settings(
            {
                "DATABASE_URL": gate.url,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_BOT_TOKEN": "xoxb-test-token",
                "SLACK_API_URL": slack.url,
                "PLUME_OUTPUT_DIR": str(tmp_path),
                "LOG_LEVEL": "WARNING",
            }
        )
        runtime = open_runtime(settings)
        app = build_app(settings, runtime, listener_executor=InlineExecutor())
        opened = event_body({"type": "app_home_opened", "user": "U100", "tab": "home"}, event_id="EvDown1")
        try:
            gate.down()
            try:
                refused = app.dispatch(bolt_request(opened, json_body=True))
            finally:
                gate.up()
            redelivered = app.dispatch(bolt_request(opened, json_body=True))
            again = app.dispatch(bolt_request(opened, json_body=True))
        finally:
            runtime.engine.dispose()
    assert (refused.status, redelivered.status, again.status) == (503, 200, 200)
    assert [call.body.get("user_id") for call in slack.calls_to("views.publish")] == ["U100"]
    assert "slack event while the database is unreachable" in caplog.text
