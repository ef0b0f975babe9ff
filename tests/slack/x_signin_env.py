"""Plume's WSGI app on a loopback port with Sign in with X pointed at the fake X, a browser (a
`requests.Session`: it keeps cookies and follows redirects) and a chat that joins over signed HTTP."""

from __future__ import annotations

import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from wsgiref.simple_server import WSGIRequestHandler, make_server

import requests
from sqlalchemy import select

from bot.config import Settings, load_settings
from bot.runtime import Runtime, open_runtime
from bot.storage.db import transaction
from bot.storage.tables import Ambassador
from handlers.slack.context import SlackDeps
from tests.fakes.response_urls import ResponseUrls
from tests.fakes.slack_requests import SIGNING_SECRET, command_body, signed_headers
from tests.fakes.slack_server import FakeSlack
from tests.fakes.x_server import FakeX
from tests.slack.conftest import NOW, InlineExecutor

CLIENT_ID = "plume-client"


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: object) -> None:
        """No access log on stderr."""


@dataclass
class Clock:
    """The app's "now", moved by tests (states expire after ten minutes)."""

    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)


@dataclass
class Plume:
    """The running app and what it talks to."""

    base: str
    settings: Settings
    runtime: Runtime
    slack: FakeSlack
    x: FakeX
    urls: ResponseUrls
    clock: Clock
    server: object = None
    stack: ExitStack = field(default_factory=ExitStack)

    def command(self, text: str, user: str = "U100", team: str = "T0001") -> dict:
        """A signed slash command over HTTP; the reply posted to its response_url."""
        url = self.urls.new()
        body = command_body(text, user_id=user, team_id=team, response_url=url)
        answer = requests.post(
            f"{self.base}/slack/events", data=body, headers=signed_headers(body), timeout=10
        )
        assert answer.status_code == 200, answer.text
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if bodies := self.urls.bodies(url):
                return bodies[0]
            time.sleep(0.02)
        raise AssertionError(f"no answer to {text!r}")

    def ambassadors(self) -> list[Ambassador]:
        with transaction(self.runtime.sessions) as session:
            rows = list(session.scalars(select(Ambassador).order_by(Ambassador.id)))
            for row in rows:
                _ = row.x_account.handle  # loaded before the session closes
            return rows


def connect_url_of(reply: dict) -> str:
    """The link of the "Connect your X account" button in a Block Kit reply."""
    for block in reply.get("blocks", []):
        for element in block.get("elements", []) or []:
            if element.get("action_id") == "x_connect":
                return element["url"]
    raise AssertionError(f"no Connect button in {reply}")


def start_plume(
    db_url: str, *, client_id: str | None = CLIENT_ID, client_secret: str | None = None, **extra: str
) -> Plume:
    """The app on a loopback port (wsgiref, bound first: the public URL names the port); stop it with
    `stop_plume`."""
    from handlers.slack.web import create_wsgi

    stack = ExitStack()
    slack, x = stack.enter_context(FakeSlack()), stack.enter_context(FakeX())
    urls = stack.enter_context(ResponseUrls())
    slack.add_user("U100", name="ana", tz="Europe/Paris")
    slack.add_user("U200", name="ben", tz="America/New_York")
    slack.add_user("UADMIN", name="boss", tz="Europe/Paris", is_admin=True)
    x.add_user(11, "ana_x")
    x.add_user(22, "ben_x")
    server = make_server("127.0.0.1", 0, lambda environ, start_response: [], handler_class=_Quiet)
    base = f"http://127.0.0.1:{server.server_port}"
    env = {
        "DATABASE_URL": db_url,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_API_URL": slack.url,
        "X_API_URL": x.url,
        "X_AUTHORIZE_URL": f"{x.url}/i/oauth2/authorize",
        "X_BEARER_TOKEN": "test-bearer",
        "PLUME_PUBLIC_URL": base,
        "X_CLIENT_ID": client_id or "",
        "X_CLIENT_SECRET": client_secret or "",
        "LOG_LEVEL": "DEBUG",
        **extra,
    }
    settings = load_settings(env)
    x.oauth.register(client_id=CLIENT_ID, client_secret=client_secret, redirect_uri=f"{base}/x/callback")
    runtime, clock = open_runtime(settings), Clock()
    deps = SlackDeps(runtime=runtime, settings=settings, clock=clock)
    app = create_wsgi(settings, runtime, clock=clock, listener_executor=InlineExecutor(), deps=deps)
    server.set_app(app)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return Plume(base, settings, runtime, slack, x, urls, clock, server, stack)


def stop_plume(plume: Plume) -> None:
    plume.server.shutdown()
    plume.server.server_close()
    plume.runtime.engine.dispose()
    plume.stack.close()
