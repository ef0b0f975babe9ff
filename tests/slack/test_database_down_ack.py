"""A slash command that arrives while PostgreSQL is unreachable cannot be authorized (the installation
lookup needs the database): it is told to try again in its ack, never acked and silently dropped (the
chaos test found such commands acked with an empty body during a PostgreSQL restart)."""

from __future__ import annotations

import json

import pytest

from bot.config import load_settings
from bot.jobs.deferral import TRY_AGAIN_LATER
from bot.runtime import open_runtime
from handlers.slack.app import build_app
from tests.fakes.slack_requests import SIGNING_SECRET, bolt_request, command_body
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
