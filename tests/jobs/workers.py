"""Real `python -m bot worker` processes on the procrastinate engine, against the fake Slack: seeding
workspaces, starting and stopping workers, and reading what Slack accepted by delivery key."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from bot.storage import repositories as repo
from bot.storage.db import transaction
from bot.storage.tables import Ambassador, Workspace
from tests.fakes.slack_server import FakeSlack
from tests.seeding import MONDAY_W46, post, seed_posting_workspace

REPO = Path(__file__).resolve().parents[2]
W46, W45 = "2026-W46", "2026-W45"
NEVER_DUE = {"digest_day": 6, "digest_time": 23 * 60 + 59}  # Sunday 23:59: the ticks leave it alone


def seed(runtime, slack: FakeSlack, team: str, people: int) -> int:
    """A Slack workspace `team` of `people`, who posted in 2026-W45 and W46, its digest channel
    C<team>, never due by the clock (jobs are deferred by hand); its id."""
    slack.add_channel(f"C{team}", f"ambassadors-{team}", members={"UBOT"})
    for n in range(people):
        slack.add_user(f"U{team}{n}", name=f"{team.lower()}{n}", tz="UTC")
    with transaction(runtime.sessions) as session:
        wid = posting_workspace(session, team, people)
        session.get(Workspace, wid).settings = {"digest_channel_set_by": "UADMIN", **NEVER_DUE}
        for account in session.scalars(select(Ambassador.x_account_id).where(Ambassador.workspace_id == wid)):
            week_before = [post(MONDAY_W46 - timedelta(days=7, hours=-h)) for h in range(3)]
            repo.upsert_posts(session=session, x_account_id=account, records=week_before, source="api")
    return wid


def posting_workspace(session, team: str, people: int) -> int:
    """A Slack workspace `team` whose `people` (U<team>0…) posted in 2026-W46; channel C<team>."""
    return seed_posting_workspace(
        session,
        platform="slack",
        team=team,
        channel=f"C{team}",
        people=range(people),
        handle=lambda n: f"{team.lower()}amb{n}",
        user=lambda n: f"U{team}{n}",
    )


def environment(database_url: str, slack: FakeSlack, out: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "X_", "PLUME_"))}
    env.update(
        DATABASE_URL=database_url,
        PLUME_JOBS="procrastinate",
        SLACK_SIGNING_SECRET="s",
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_API_URL=slack.url,
        PLUME_OUTPUT_DIR=str(out),
        PLUME_WORKER_CONCURRENCY="2",
        PLUME_JOBS_HEARTBEAT="0.5",
        PLUME_JOBS_STALLED_AFTER="2",
        LOG_LEVEL="INFO",
    )
    env.update(extra)
    return env


class Worker:
    """One `python -m bot worker`, its log in a file (never a pipe that could fill up)."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("w") as sink:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "worker"], cwd=REPO, env=env, stdout=sink, stderr=sink
            )

    def text(self) -> str:
        return self.log.read_text()

    def wait_for(self, needle: str, timeout: float = 30) -> None:
        wait_until(lambda: needle in self.text() or self.process.poll() is not None, timeout)
        assert needle in self.text(), self.text()[-3000:]

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signum)
        return self.process.wait(timeout=timeout)


def wait_until(condition: Callable[[], bool], timeout: float, every: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()


def accepted(slack: FakeSlack) -> list[tuple[str, float]]:
    """(delivery key, when Slack received it) of every message Slack accepted, in order."""
    found = []
    for call in slack.calls_to("chat.postMessage"):
        if call.status != 200:
            continue
        metadata = call.body.get("metadata")
        metadata = json.loads(metadata) if isinstance(metadata, str) else metadata or {}
        found.append((metadata.get("event_payload", {}).get("key", "?"), call.at))
    return found


def key_counts(slack: FakeSlack) -> Counter[str]:
    return Counter(key for key, _at in accepted(slack))


def expected_keys(runtime, workspace_id: int, week: str) -> set[str]:
    """The digest and every recap of one workspace's week."""
    with transaction(runtime.sessions) as session:
        people = session.scalars(select(Ambassador.id).where(Ambassador.workspace_id == workspace_id)).all()
        channel = session.get(Workspace, workspace_id).digest_channel
    return {f"digest:{workspace_id}:{channel}:{week}"} | {f"nudge:{p}:recap:{week}" for p in people}
