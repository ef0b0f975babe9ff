"""The processes under test: `python -m bot serve` and `python -m bot worker`, each with its own log file,
started, SIGKILLed and replaced, and stopped with SIGTERM at the end."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.fakes.serve_process import REPO, free_port, wait_healthy


@dataclass
class Member:
    """One process of the fleet."""

    name: str
    kind: str  # "serve" or "worker"
    process: subprocess.Popen
    log: Path
    port: int | None = None
    killed_at: float | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None


@dataclass
class Fleet:
    """Every process started, by name, with the environment they share."""

    env: dict[str, str]
    logs: Path
    members: list[Member] = field(default_factory=list)
    _count: dict[str, int] = field(default_factory=dict)

    def start(self, kind: str) -> Member:
        """A new `serve` (on a free port) or `worker`, logging to its own file."""
        n = self._count[kind] = self._count.get(kind, 0) + 1
        name = f"{kind}{n}"
        env = dict(self.env)
        port = None
        if kind == "serve":
            port = free_port()
            env["PORT"] = str(port)
        log = self.logs / f"{name}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "bot", kind], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        member = Member(name, kind, process, log, port)
        self.members.append(member)
        return member

    def wait_serving(self, seconds: float = 60) -> None:
        """Until every web process answers /healthz."""
        for member in self.live("serve"):
            wait_healthy(member.port, seconds)

    def live(self, kind: str) -> list[Member]:
        return [m for m in self.members if m.kind == kind and m.alive()]

    def kill(self, member: Member) -> None:
        """SIGKILL: no chance to finish, release or unregister anything."""
        member.process.send_signal(signal.SIGKILL)
        member.process.wait(timeout=10)
        member.killed_at = time.monotonic()

    def stop_all(self, seconds: float = 30) -> dict[str, int | None]:
        """SIGTERM every live process (a worker finishes its job first); their exit codes."""
        for member in self.members:
            if member.alive():
                member.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + seconds
        for member in self.members:
            try:
                member.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                member.process.send_signal(signal.SIGKILL)
                member.process.wait(timeout=10)
        return {m.name: m.process.returncode for m in self.members if m.killed_at is None}

    def text(self, member: Member) -> str:
        return member.log.read_text(errors="replace") if member.log.exists() else ""


def fleet_env(database_url: str, slack_url: str, x_url: str, out: Path, **extra: str) -> dict[str, str]:
    """The environment every process shares: PostgreSQL, the procrastinate engine, the fakes."""
    from tests.chaos.world import CLIENT_ID, CLIENT_SECRET, X_BEARER
    from tests.fakes.slack_requests import SIGNING_SECRET

    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "X_", "PLUME_", "DATABASE_"))}
    env.update(
        DATABASE_URL=database_url,
        PLUME_JOBS="procrastinate",
        SLACK_API_URL=slack_url,
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET=CLIENT_SECRET,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        X_BEARER_TOKEN=X_BEARER,
        X_API_URL=x_url,
        PLUME_OUTPUT_DIR=str(out),
        POLL_INTERVAL="60",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env
