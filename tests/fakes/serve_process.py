"""A real `python -m bot serve` for tests: its environment, and waiting until it answers."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import requests

from tests.fakes.slack_requests import SIGNING_SECRET

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A port nothing listens on now (the server binds it a moment later)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve_env(port: int, database: Path, slack_url: str, **settings: str) -> dict[str, str]:
    """The process environment of a `serve` on `port`: this one's, less any Slack, X or Plume
    setting, plus a SQLite database, the fake Slack, a single-workspace token and `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "X_", "PLUME_"))}
    env.update(
        PORT=str(port),
        DATABASE_URL=f"sqlite:///{database}",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_API_URL=slack_url,
        LOG_LEVEL="WARNING",
    )
    env.update(settings)
    return {k: v for k, v in env.items() if v != ""}


def wait_healthy(port: int, seconds: float = 30) -> None:
    """Until `GET /healthz` answers 200 (the server has started and its database answers)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError("serve did not become healthy")
