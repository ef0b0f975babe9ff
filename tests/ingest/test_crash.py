"""`python -m bot poll` killed with SIGKILL mid-cycle, then restarted: nothing lost, nothing twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.storage.db import make_engine, make_sessionmaker, transaction
from bot.storage.tables import Post, XAccount
from tests.fakes.x_server import FakeX

REPO = Path(__file__).resolve().parents[2]
BEARER = "crash-bearer"
pytestmark = [pytest.mark.slow, pytest.mark.both_backends]  # SIGKILL mid-cycle: what one transaction commits


def cli(env: dict[str, str], *args: str, wait: bool = True) -> subprocess.Popen | subprocess.CompletedProcess:
    command = [sys.executable, "-m", "bot", *args]
    if not wait:
        return subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def counts(sessions) -> tuple[int, int]:
    with transaction(sessions) as session:
        return (
            int(session.scalar(select(func.count()).select_from(Post))),
            int(session.scalar(select(func.count(func.distinct(Post.x_id))))),
        )


def test_kill_mid_cycle_then_restart(db_url):
    now = datetime.now(UTC)
    with FakeX(bearer=BEARER) as fake:
        served = 0
        for uid, name in ((1, "first"), (2, "second"), (3, "third")):
            fake.add_user(uid, name)
            for n in range(150):  # two pages each
                fake.add_post(uid, uid * 10_000 + n, now - timedelta(hours=150 - n), f"{name} {n}")
                served += 1
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "X_", "PLUME_"))}
        env.update(DATABASE_URL=db_url, X_API_URL=fake.url, X_BEARER_TOKEN=BEARER, LOG_LEVEL="WARNING")
        for name in ("first", "second", "third"):
            assert cli(env, "track", name).returncode == 0
        sessions = make_sessionmaker(make_engine(db_url))

        fake.set_delay("/2/users/2/tweets", 60)  # the second account's read hangs: kill it there
        process = cli(env, "poll", wait=False)
        deadline = time.monotonic() + 60
        while counts(sessions)[0] < 150 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        assert process.poll() is None, "poll finished before it could be killed"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        assert counts(sessions) == (150, 150)  # the first account committed whole, nothing else

        fake.set_delay("/2/users/2/tweets", 0)
        again = cli(env, "poll")
        assert again.returncode == 0, again.stderr
        assert counts(sessions) == (served, served)
        with transaction(sessions) as session:
            cursors = dict(session.execute(select(XAccount.handle, XAccount.since_id)).all())
        assert cursors == {"first": 10_149, "second": 20_149, "third": 30_149}
        # Re-reading the killed account's posts the same UTC day is not billed twice.
        assert fake.billed_post_reads() == served
