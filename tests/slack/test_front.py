"""The WSGI front of /slack/events: a refused request reaches neither Bolt nor the database."""

from __future__ import annotations

import io
import logging
import re
import time

import pytest
from slack_bolt import App
from sqlalchemy import event

from bot.config import load_settings
from bot.logs import KeyValueFormatter
from handlers.slack.context import SlackDeps
from handlers.slack.front import log_refusal
from handlers.slack.web import create_wsgi, waitress_limits
from tests.fakes.slack_requests import command_body, signed_headers
from tests.slack.conftest import NOW, InlineExecutor

MARKER = "PLANTED-BODY-CONTENTS"
LINE = re.compile(
    r"^ts=\S+ level=WARNING logger=handlers\.slack\.front msg=refused reason=(\w+) status=(\d{3}) "
    r"path=(\S+) content_length=(\d+) remote=(\S+)$"
)


@pytest.fixture
def front(settings, runtime, monkeypatch):
    """The real WSGI app, with every Bolt dispatch and every SQL statement counted."""
    seen = {"dispatches": 0, "statements": 0}
    dispatch = App.dispatch

    def counted(self, request):
        seen["dispatches"] += 1
        return dispatch(self, request)

    monkeypatch.setattr(App, "dispatch", counted)
    deps = SlackDeps(runtime=runtime, settings=settings, clock=lambda: NOW)
    application = create_wsgi(settings, runtime, listener_executor=InlineExecutor(), deps=deps)

    def count(*_args):
        seen["statements"] += 1

    event.listen(runtime.engine, "before_cursor_execute", count)
    yield application, seen
    event.remove(runtime.engine, "before_cursor_execute", count)


def call(application, body: str, headers: dict[str, str], path: str = "/slack/events") -> tuple[str, bytes]:
    """One request through the WSGI app, as waitress would hand it over: (status line, body)."""
    raw = body.encode()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "CONTENT_LENGTH": str(len(raw)),
        "REMOTE_ADDR": "203.0.113.7",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.input": io.BytesIO(raw),
        "wsgi.url_scheme": "http",
        "QUERY_STRING": "",
    }
    environ.update({"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()})
    environ["CONTENT_TYPE"] = headers.get("content-type", "")
    answer: list[str] = []
    chunks = application(environ, lambda status, _headers: answer.append(status))
    return answer[0], b"".join(chunks)


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        (lambda body: signed_headers(body, secret="wrong"), "bad_signature"),
        (lambda body: {"content-type": "application/x-www-form-urlencoded"}, "unsigned"),
        (lambda body: signed_headers(body, timestamp=int(time.time()) - 6 * 60), "stale_timestamp"),
        (lambda body: {**signed_headers(body), "x-slack-request-timestamp": "12x"}, "stale_timestamp"),
    ],
)
def test_a_refused_request_reaches_neither_bolt_nor_the_database(front, caplog, headers, reason):
    application, seen = front
    body = command_body(f"join @ana {MARKER}")
    with caplog.at_level(logging.WARNING):
        status, answer = call(application, body, headers(body))
    assert (status, answer) == ("401 Unauthorized", b"Unauthorized\n")
    assert seen == {"dispatches": 0, "statements": 0}
    [record] = caplog.records
    line = KeyValueFormatter().format(record)
    assert MARKER not in line and "join" not in line
    assert LINE.match(line).groups() == (reason, "401", "/slack/events", str(len(body)), "203.0.113.7")


def test_a_signed_request_passes_the_front_to_bolt_and_the_database(front, caplog, urls):
    # The control for the test above: the same counters move when the signature is right.
    application, seen = front
    body = command_body("join @ana", response_url=urls.new())
    with caplog.at_level(logging.WARNING, logger="handlers.slack.front"):
        status, _ = call(application, body, signed_headers(body))
    assert status.startswith("200") and seen["dispatches"] == 1 and seen["statements"] > 0
    assert [r for r in caplog.records if r.name == "handlers.slack.front"] == []


def test_a_body_over_the_cap_is_refused_before_it_is_read(slack, db_url, runtime, caplog):
    # Under waitress, waitress refuses first (tests/slack/test_serve_limits.py); this is the front's
    # own check, for any other WSGI server.
    settings = load_settings(
        {
            "DATABASE_URL": db_url,
            "SLACK_SIGNING_SECRET": "s",
            "SLACK_BOT_TOKEN": "xoxb-t",
            "PLUME_MAX_BODY_BYTES": "2048",
        }
    )
    application = create_wsgi(settings, runtime)

    class Unread(io.BytesIO):
        def read(self, *_args):
            raise AssertionError("the body was read")

    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/slack/events", "CONTENT_LENGTH": "2049"}
    answer: list[str] = []
    with caplog.at_level(logging.WARNING):
        chunks = application({**environ, "wsgi.input": Unread()}, lambda s, _h: answer.append(s))
    assert answer == ["413 Request Entity Too Large"] and b"".join(chunks) == b"Request Entity Too Large\n"
    assert "reason=body_too_large" in KeyValueFormatter().format(caplog.records[0])


def test_a_path_with_a_newline_stays_one_log_line(caplog):
    # waitress unquotes %0A in a URL into a newline in PATH_INFO.
    with caplog.at_level(logging.WARNING):
        log_refusal(reason="r", status=400, path="/a\nts=forged level=ERROR", content_length=0, remote="")
    line = KeyValueFormatter().format(caplog.records[0])
    assert "\n" not in line and 'path="/a\\nts=forged' in line


def test_waitress_limits_come_from_the_settings():
    settings = load_settings(
        {"PLUME_MAX_BODY_BYTES": "4096", "PLUME_CHANNEL_TIMEOUT": "3", "PLUME_WEB_THREADS": "4"}
    )
    limits = waitress_limits(settings)
    assert limits["max_request_body_size"] == 4097  # waitress refuses a length equal to its limit
    assert (limits["channel_timeout"], limits["cleanup_interval"], limits["threads"]) == (3, 1, 4)
    defaults = waitress_limits(load_settings({}))
    assert defaults["max_request_body_size"] == 1_048_577 and defaults["channel_timeout"] == 10
    assert (defaults["threads"], defaults["connection_limit"], defaults["cleanup_interval"]) == (16, 100, 5)
