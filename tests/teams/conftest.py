"""A real `python -m bot teams` against the fake Bot Framework and Microsoft login on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.fakes.serve_process import REPO, free_port, wait_healthy
from tests.fakes.teams_server import TeamsCloud


def teams_env(cloud: TeamsCloud, port: int, database: Path, **settings: str) -> dict[str, str]:
    """The process environment of `python -m bot teams`: this one's, less any chat, X or Plume setting
    (and the generic names the SDK would read), plus the fakes' and `settings`."""
    generic = ("CLIENT_ID", "CLIENT_SECRET", "TENANT_ID", "SERVICE_URL", "CLOUD", "PORT")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "X_", "PLUME_", "TEAMS_")) and k not in generic
    }
    env.update(cloud.env())
    env.update(cloud.settings_env())
    env.update(TEAMS_PORT=str(port), DATABASE_URL=f"sqlite:///{database}", LOG_LEVEL="INFO")
    env.update(settings)
    return env


@dataclass
class TeamsServer:
    """The running server, the fakes it talks to, and how to speak to it as Teams does."""

    base: str
    cloud: TeamsCloud
    process: subprocess.Popen
    database: Path

    @property
    def fake(self):
        return self.cloud.teams

    def post(self, activity: Any, token: str | None = None, **kwargs: Any) -> requests.Response:
        """POST /api/messages, signed by the fake's key unless `token` says otherwise ("" = none)."""
        token = self.fake.activity_token() if token is None else token
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if isinstance(activity, (bytes, str)):
            return requests.post(f"{self.base}/api/messages", data=activity, headers=headers, timeout=30)
        return requests.post(f"{self.base}/api/messages", json=activity, headers=headers, timeout=30)


@pytest.fixture(scope="module")
def teams_server(tmp_path_factory) -> Iterator[TeamsServer]:
    """One server per test module (starting the SDK takes a second or two)."""
    folder = tmp_path_factory.mktemp("teams")
    with TeamsCloud() as cloud:
        port = free_port()
        log = (folder / "teams.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-W", "ignore", "-m", "bot", "teams"],
            cwd=REPO,
            # Its own address as the public URL: chart and export links point back at it.
            env=teams_env(cloud, port, folder / "teams.db", PLUME_PUBLIC_URL=f"http://127.0.0.1:{port}"),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_healthy(port)
            yield TeamsServer(f"http://127.0.0.1:{port}", cloud, process, folder / "teams.db")
        finally:
            process.terminate()
            process.wait(timeout=30)
            log.close()


def strings_of(value: Any) -> list[str]:
    """Every string in a JSON value (a card's texts, titles, facts), in order."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings_of(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings_of(v)]
    return []


def shown(activity: dict[str, Any]) -> str:
    """What a person sees of a bot message: the texts of its cards (and its text)."""
    cards = [a.get("content") for a in activity.get("attachments") or []]
    return "\n".join(strings_of([activity.get("text") or "", cards]))


def wait_for(fake, conversation_id: str, count: int, seconds: float = 20) -> list[dict[str, Any]]:
    """The conversation's bot messages once there are at least `count` of them."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = fake.activities(conversation_id)
        if len(found) >= count:
            return found
        time.sleep(0.05)
    raise AssertionError(f"{conversation_id}: {len(fake.activities(conversation_id))} messages, not {count}")


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
