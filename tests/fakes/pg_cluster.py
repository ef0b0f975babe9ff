"""A private PostgreSQL cluster for tests that restart or kill the database (the chaos test).

The shared server on 127.0.0.1:5432 serves the rest of the suite and must never be restarted, so a test
that restarts PostgreSQL gets its own: `initdb` in a temp directory, its own port and socket directory,
durability off (fsync, synchronous_commit, full_page_writes: a test's data need not survive a power
cut). We run as root and initdb refuses root, so every server command runs as the `postgres` OS user
(`runuser -u postgres --`), which owns the directory.

    with PgCluster() as cluster:
        engine = create_engine(cluster.url)
        cluster.restart()
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Self

OS_USER = "postgres"
# No fsync: the tests crash PostgreSQL, never the machine, so what reached the OS survives. Commits stay
# synchronous by default: with synchronous_commit=off an immediate stop loses commits PostgreSQL had
# already acknowledged (a deferred job, a finished one), which no production server does; the chaos
# test saw exactly that (a command acked and enqueued, then never answered) until this was on.
FAST = "-c fsync=off -c full_page_writes=off"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_postgres(*command: str) -> list[str]:
    """`command` as the postgres OS user when we are root (initdb refuses root), else as ourselves."""
    return ["runuser", "-u", OS_USER, "--", *command] if os.geteuid() == 0 else list(command)


class PgCluster:
    """One PostgreSQL server of our own: `start()`, `restart()`, `stop()`, `url`."""

    def __init__(
        self, *, max_connections: int = 200, synchronous_commit: bool = True, niceness: int = 0
    ) -> None:
        self.port = _free_port()
        self.niceness = (
            niceness  # the server and every backend it forks (a benchmark's stand-in for its own machine)
        )
        self.max_connections = max_connections
        self.synchronous_commit = synchronous_commit  # off: faster, for runs that never restart it
        self._tmp: Path | None = None
        self.restarts: list[float] = []
        self.last_restart: dict[str, float] = {}  # seconds the last restart's stop and start took

    @property
    def data(self) -> Path:
        if self._tmp is None:
            raise RuntimeError("PgCluster is not started")
        return self._tmp / "data"

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of its `postgres` database (trust authentication, loopback only)."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> Self:
        """initdb a fresh cluster in a temp directory and start it (waits until it accepts connections)."""
        if self._tmp is None:
            self._tmp = Path(tempfile.mkdtemp(prefix="plume-pg-"))
            (self._tmp / "sock").mkdir()
            if os.geteuid() == 0:
                shutil.chown(self._tmp, OS_USER)
                shutil.chown(self._tmp / "sock", OS_USER)
            self._run("initdb", "-D", str(self.data), "--auth=trust", "-U", "postgres", "--no-sync")
        self._ctl("start")
        return self

    def restart(self, *, immediate: bool = True) -> float:
        """Stop (immediate: like a crash, every connection dropped) and start again; seconds it took."""
        began = time.monotonic()
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate" if immediate else "fast", "-w", "stop")
        stopped = time.monotonic()
        self._ctl("start")
        took = time.monotonic() - began
        self.restarts.append(took)
        stop_s = stopped - began
        self.last_restart = {"stop_s": round(stop_s, 2), "start_s": round(took - stop_s, 2)}
        return took

    def log_tail(self, lines: int = 30) -> str:
        """The end of the server's log (what to show when a restart was slow)."""
        if self._tmp is None:
            return ""
        try:
            return "\n".join((self._tmp / "server.log").read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        """Stop the server and delete its directory."""
        if self._tmp is None:
            return
        subprocess.run(
            _as_postgres("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop"),
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self._tmp, ignore_errors=True)
        self._tmp = None

    def _ctl(self, action: str) -> None:
        options = (
            f"-p {self.port} -k {self._tmp / 'sock'} -c listen_addresses=127.0.0.1 "
            f"-c max_connections={self.max_connections} {FAST} "
            f"-c synchronous_commit={'on' if self.synchronous_commit else 'off'}"
        )
        log = self._tmp / "server.log"
        nice = ["nice", "-n", str(self.niceness)] if self.niceness else []
        self._run(*nice, "pg_ctl", "-D", str(self.data), "-l", str(log), "-o", options, "-w", action)

    def _run(self, *command: str) -> None:
        done = subprocess.run(_as_postgres(*command), capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{command[0]} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
