"""The real WSGI app (waitress, OAuth routes, /slack/events, /healthz) on a loopback port, shared by a
module's fuzz examples, with every WARNING-or-worse log record it causes collected for the properties.

Hypothesis profiles: `ci` (the default, bounded for `make test`) and `fuzz` (`make fuzz`), chosen with
HYPOTHESIS_PROFILE. They are applied per test (`FUZZ`), not loaded globally, so the other hypothesis
tests of the suite keep their own settings."""

from __future__ import annotations

import logging
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, settings
from slack_sdk.oauth.installation_store import Installation

from bot.config import load_settings
from bot.runtime import Runtime, open_runtime
from handlers.slack.context import SlackDeps
from handlers.slack.installation import installation_store
from tests.fakes.response_urls import ResponseUrls
from tests.fakes.slack_requests import SIGNING_SECRET
from tests.fakes.slack_server import FakeSlack
from tests.security import payloads
from tests.slack.conftest import NOW, InlineExecutor

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large]
settings.register_profile(
    "ci",
    max_examples=int(os.environ.get("PLUME_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=_SLOW_OK,
    # The same examples every run: `make test` gates landing and must not fail on a new random draw.
    # Exploring is `make fuzz`'s job (random, 3,000 a property); what it finds becomes a regression test.
    derandomize=True,
)
settings.register_profile("fuzz", max_examples=3000, deadline=None, suppress_health_check=_SLOW_OK)
FUZZ = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


class Collect(logging.Handler):
    """Keeps the records; the server's threads log through the same root logger."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class Target:
    """Where the app listens, its runtime (to count rows) and the log records since `reset`."""

    port: int
    runtime: Runtime
    log: Collect = field(default_factory=Collect)

    def reset(self) -> None:
        self.log.records.clear()


def install(store, team_id: str, token: str) -> None:
    """An installation, so signed requests pass Bolt's authorize and reach our listeners."""
    store.save(
        Installation(
            app_id="A0001",
            team_id=team_id,
            team_name="Acme",
            bot_token=token,
            bot_id="B1",
            bot_user_id="UBOT",
            bot_scopes=["commands"],
            user_id="UADMIN",
            installed_at=NOW.timestamp(),
        )
    )


@pytest.fixture(scope="module")
def target(tmp_path_factory, sqlite_template) -> Iterator[Target]:
    from waitress.server import create_server

    from handlers.slack.web import create_wsgi

    db = tmp_path_factory.mktemp("fuzz") / "plume.db"
    shutil.copyfile(sqlite_template, db)
    with FakeSlack() as slack, ResponseUrls() as urls:
        payloads.RESPONSE_URL[0] = urls.new()
        slack.add_user("U100", name="ana", tz="Europe/Paris")
        settings_ = load_settings(
            {
                "DATABASE_URL": f"sqlite:///{db}",
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": slack.url,
                "SLACK_CLIENT_ID": "111.222",
                "SLACK_CLIENT_SECRET": "secret",
                "LOG_LEVEL": "WARNING",
                "X_CLIENT_ID": "x-client",  # Sign in with X's pages on, to be fuzzed too
                "PLUME_PUBLIC_URL": "https://plume.example",
            }
        )
        runtime = open_runtime(settings_)
        install(installation_store(settings_, runtime.engine), "T0001", "xoxb-test-token")
        deps = SlackDeps(runtime=runtime, settings=settings_, clock=lambda: NOW)
        app = create_wsgi(settings_, runtime, listener_executor=InlineExecutor(), deps=deps)
        server = create_server(app, host="127.0.0.1", port=0, threads=4, ident="plume")
        loop = threading.Thread(target=server.run, daemon=True)
        loop.start()
        found = Target(port=server.effective_port, runtime=runtime)
        logging.getLogger().addHandler(found.log)
        try:
            yield found
        finally:
            logging.getLogger().removeHandler(found.log)
            _stop(server, loop)
            runtime.engine.dispose()


def _stop(server, loop: threading.Thread) -> None:
    """End waitress's loop from inside it: closing its sockets from this thread while it sits in
    select() made the loop thread die of EBADF (a warning in the suite's output)."""
    server.trigger.pull_trigger(lambda: [each.close() for each in list(server._map.values())])
    loop.join(timeout=5)
    server.task_dispatcher.shutdown()
