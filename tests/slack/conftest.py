"""Slack fixtures: the fake Web API, response URLs, and the real Bolt app on a real database."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Executor, Future
from datetime import UTC, datetime

import pytest

from bot.config import load_settings
from bot.runtime import open_runtime
from handlers.slack.app import build_app
from handlers.slack.context import SlackDeps
from tests.fakes.response_urls import ResponseUrls
from tests.fakes.slack_requests import SIGNING_SECRET, action_body, bolt_request, command_body, event_body
from tests.fakes.slack_server import FakeSlack

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.add_user("U100", name="ana", tz="Europe/Paris")
        fake.add_user("U200", name="ben", tz="America/New_York")
        fake.add_user("UADMIN", name="boss", tz="Europe/Paris", is_admin=True)
        fake.add_workspace("T0002", "Other Co", "xoxb-other-token")
        fake.add_user("U900", name="zed", tz="UTC", team_id="T0002", is_admin=True)
        yield fake


@pytest.fixture
def urls() -> Iterator[ResponseUrls]:
    with ResponseUrls() as recorder:
        yield recorder


@pytest.fixture
def settings(slack, db_url):
    return load_settings(
        {
            "DATABASE_URL": db_url,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "SLACK_API_URL": slack.url,
            "LOG_LEVEL": "WARNING",
        }
    )


@pytest.fixture
def runtime(settings):
    return open_runtime(settings)


@pytest.fixture
def app(settings, runtime):
    deps = SlackDeps(runtime=runtime, settings=settings, clock=lambda: NOW)
    return build_app(settings, runtime, listener_executor=InlineExecutor(), deps=deps)


class Chat:
    """Drive the app the way Slack does: signed requests through `app.dispatch`."""

    def __init__(self, app, urls: ResponseUrls) -> None:
        self.app, self.urls = app, urls

    def command(self, text: str, user: str = "U100", team: str = "T0001") -> dict:
        url = self.urls.new()
        body = command_body(text, user_id=user, team_id=team, response_url=url)
        response = self.app.dispatch(bolt_request(body))
        assert response.status == 200, response.body
        bodies = self.urls.bodies(url)
        assert len(bodies) == 1, bodies
        return bodies[0]

    def click(self, action_id: str, value: str, user: str = "U100", team: str = "T0001") -> list[dict]:
        url = self.urls.new()
        body = action_body(action_id, value, user_id=user, team_id=team, response_url=url)
        response = self.app.dispatch(bolt_request(body))
        assert response.status == 200
        return self.urls.bodies(url)

    def event(self, event: dict, event_id: str = "Ev1", team: str = "T0001"):
        return self.app.dispatch(
            bolt_request(event_body(event, event_id=event_id, team_id=team), json_body=True)
        )


@pytest.fixture
def chat(app, urls) -> Chat:
    return Chat(app, urls)


def text_of(body: dict) -> str:
    """All the text a reply shows, blocks flattened."""
    parts = [body.get("text", "")]
    for block in body.get("blocks", []):
        if isinstance(block.get("text"), dict):
            parts.append(block["text"].get("text", ""))
        parts += [field.get("text", "") for field in block.get("fields", []) or []]
        for element in block.get("elements", []) or []:
            text = element.get("text")
            parts.append(text if isinstance(text, str) else (text or {}).get("text", ""))
    return "\n".join(parts)


@pytest.fixture
def multi_settings(slack, db_url):
    """Multi-workspace (OAuth) mode with tokens encrypted at rest."""
    from cryptography.fernet import Fernet

    return load_settings(
        {
            "DATABASE_URL": db_url,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.url,
            "SLACK_CLIENT_ID": "111.222",
            "SLACK_CLIENT_SECRET": "client-secret",
            "LOG_LEVEL": "WARNING",
            "PLUME_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        }
    )


@pytest.fixture
def web(multi_settings):
    """The real WSGI app (OAuth routes, /slack/events, /healthz) on a loopback port."""
    import threading
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    from handlers.slack.web import create_wsgi

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    runtime = open_runtime(multi_settings)
    deps = SlackDeps(runtime=runtime, settings=multi_settings, clock=lambda: NOW)
    application = create_wsgi(multi_settings, runtime, listener_executor=InlineExecutor(), deps=deps)
    server = make_server("127.0.0.1", 0, application, handler_class=Quiet)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", runtime
    server.shutdown()
    server.server_close()


class InlineExecutor(Executor):
    """Runs lazy listeners in the calling thread, so `app.dispatch` returns after the work (no sleeps)."""

    def submit(self, fn, /, *args, **kwargs):
        future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to the future, as a real executor would
            future.set_exception(exc)
        return future
