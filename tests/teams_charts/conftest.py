"""The chart route on a real uvicorn server on a loopback port, over real HTTP, with real charts on disk.

Hypothesis settings mirror tests/security's profiles (`ci` bounded and derandomized for `make test`,
`fuzz` with 3,000 examples) without registering them globally."""

from __future__ import annotations

import http.client
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from bot.charts import heatmap_png
from bot.config import Settings, load_settings
from bot.services.delivery.sending import chart_dir
from handlers.teams.charts import charts_dir, charts_router

SECRET = "teams-client-secret"
PUBLIC_URL = "https://plume.example.com"
WEEK = "2026-W46"
# A clock for the router mounted under /clocked: tests move it to the edge of a token's life.
CLOCK: list[datetime] = [datetime(2026, 11, 16, 9, 0, tzinfo=UTC)]

_FUZZ_PROFILES = {
    "ci": hypothesis_settings(
        max_examples=int(os.environ.get("PLUME_FUZZ_EXAMPLES", "60")),
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    ),
    "fuzz": hypothesis_settings(
        max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    ),
}
FUZZ = _FUZZ_PROFILES[os.environ.get("HYPOTHESIS_PROFILE", "ci")]


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class ChartSite:
    """The server's port, its settings, and the charts it holds (workspace id -> PNG path)."""

    port: int
    settings: Settings
    charts: dict[int, Path]
    outside: Path

    def get(self, path: str) -> Answer:
        """GET `path` exactly as given (no client-side normalisation of `..` or escapes)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.putrequest("GET", path, skip_accept_encoding=True)
            conn.endheaders()
            response = conn.getresponse()
            return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
        finally:
            conn.close()


def make_settings(output: Path, **extra: str) -> Settings:
    return load_settings(
        {
            "PLUME_OUTPUT_DIR": str(output),
            "PLUME_PUBLIC_URL": PUBLIC_URL,
            "TEAMS_APP_PASSWORD": SECRET,
            **extra,
        }
    )


def serve(app: FastAPI) -> tuple[uvicorn.Server, threading.Thread, int]:
    """uvicorn on 127.0.0.1, a free port, in a daemon thread; returns once it accepts connections."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="charts-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    return server, thread, server.servers[0].sockets[0].getsockname()[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[ChartSite]:
    """Charts of workspaces 1 and 2 where the digest job writes them, a secret file beside the charts
    directory, and three routers: the real clock (/), a movable clock (/clocked), and no secret (/nokey)."""
    output = tmp_path_factory.mktemp("output")
    settings = make_settings(output)
    charts = {
        wid: heatmap_png(
            [[wid] * 24] * 7, chart_dir(charts_dir(settings), wid, WEEK) / "digest-heatmap.png", f"ws {wid}"
        )
        for wid in (1, 2)
    }
    outside = output / "secret.png"
    outside.write_bytes(b"\x89PNG not a chart of anyone's")
    app = FastAPI()
    app.include_router(charts_router(settings))
    app.include_router(charts_router(settings, clock=lambda: CLOCK[0]), prefix="/clocked")
    app.include_router(charts_router(load_settings({"PLUME_OUTPUT_DIR": str(output)})), prefix="/nokey")
    server, thread, port = serve(app)
    try:
        yield ChartSite(port, settings, charts, outside)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def now() -> datetime:
    return datetime.now(UTC)


def days(n: float) -> timedelta:
    return timedelta(days=n)
