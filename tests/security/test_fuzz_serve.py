"""The same hostile requests against a real `python -m bot serve` (waitress, the command process, OAuth
routes): every answer a 2xx or 4xx, and the server's own log free of tracebacks and of ERROR lines from
our code."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config import load_settings
from bot.storage.db import make_engine
from handlers.slack.installation import installation_store
from tests.fakes.response_urls import ResponseUrls
from tests.fakes.serve_process import REPO, free_port, serve_env, wait_healthy
from tests.fakes.slack_server import FakeSlack
from tests.security import payloads
from tests.security.conftest import FUZZ, install
from tests.security.test_fuzz_http import METHODS, PATHS, header_sets, raw_bodies
from tests.security.wire import check_answer, request_bytes, send

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A `serve` process with one installed workspace; yields (port, path of its log)."""
    folder = tmp_path_factory.mktemp("serve")
    port, log_path = free_port(), folder / "serve.log"
    with FakeSlack() as slack, ResponseUrls() as urls, open(log_path, "wb") as log:
        slack.add_user("U100", name="ana", tz="Europe/Paris")
        payloads.RESPONSE_URL[0] = urls.new()
        env = serve_env(
            port,
            folder / "serve.db",
            slack.url,
            SLACK_BOT_TOKEN="",
            SLACK_CLIENT_ID="111.222",
            SLACK_CLIENT_SECRET="secret",
            X_CLIENT_ID="x-client",
            PLUME_PUBLIC_URL="https://plume.example",
        )
        from bot.storage.db import migrate

        engine = make_engine(env["DATABASE_URL"])
        migrate(engine)
        install(installation_store(load_settings(env), engine), "T0001", "xoxb-test-token")
        engine.dispose()
        # The log goes to a file: a pipe nobody reads would fill up and block the server.
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve"], cwd=REPO, env=env, stdout=log, stderr=log
        )
        wait_healthy(port)
        yield port, log_path
        # Also here, whatever order the tests ran in (pytest-randomly may run the log test first).
        problems = log_problems(log_path)
        process.terminate()
        process.wait(timeout=15)
        assert not problems, problems


@FUZZ
@given(data=st.data(), method=st.sampled_from(METHODS), path=st.sampled_from(PATHS), body=raw_bodies)
def test_serve_answers_any_request(served, data, method, path, body):
    headers, _ = data.draw(header_sets(body))
    check_answer(send(served[0], request_bytes(method, path, headers, body)))


@FUZZ
@given(body=payloads.slack_bodies())
def test_serve_answers_signed_payloads_of_any_shape(served, body):
    from tests.security.wire import signed, with_length

    raw, content_type = body
    headers = with_length(signed(raw, content_type), raw)
    check_answer(send(served[0], request_bytes("POST", "/slack/events", headers, raw)))


def log_problems(log_path: Path) -> list[str]:
    """Tracebacks and ERROR lines not from slack_bolt, once the command process has gone quiet."""
    size, deadline = -1, time.monotonic() + 10
    while time.monotonic() < deadline and log_path.stat().st_size != size:
        size = log_path.stat().st_size
        time.sleep(1)
    lines = log_path.read_text(errors="replace").splitlines()
    return [
        line
        for line in lines
        if "Traceback" in line or ("level=ERROR" in line and "logger=slack_bolt" not in line)
    ]


def test_serve_logged_no_traceback_and_no_error_of_ours(served):
    """Runs after this module's fuzz tests when the order is kept (`-p no:randomly`, as `make fuzz`)."""
    problems = log_problems(served[1])
    assert not problems, problems[:5]
