"""The worker: its jobs end to end against the fake Slack and fake X, and a clean SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.jobs import tasks
from bot.jobs.worker import build_scheduler
from bot.services.delivery.notifiers import Notifiers
from bot.storage.db import transaction
from bot.storage.tables import Workspace
from handlers.slack.notifier import SlackNotifier
from tests.fakes.slack_requests import SIGNING_SECRET
from tests.fakes.x_server import FakeX

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.both_backends  # Slack's one end-to-end path on PostgreSQL: commands, ingest, nudges, digest
def test_a_round_of_jobs_polls_nudges_posts_the_digest_and_recaps(slack, db_url, tmp_path, chat, runtime):
    now = datetime.now(UTC)
    with FakeX(bearer="w-bearer") as fake:
        for n, user in enumerate(("U100", "U101", "U102", "U103", "U104")):
            if user != "U100":
                slack.add_user(user, name=f"p{n}", tz="UTC")
            fake.add_user(n + 1, f"p{n}")
            for k in range(3):  # last week's posts, so last week's digest has five active people
                fake.add_post(n + 1, (n + 1) * 1000 + k, now - timedelta(days=7, hours=k), f"post {k}")
            chat.command(f"join @p{n}", user=user)
        slack.add_channel("C0DIGEST", "ambassadors", members={"UBOT"})
        with transaction(runtime.sessions) as session:
            workspace = session.query(Workspace).filter_by(external_id="T0001").one()
            workspace.digest_channel = "C0DIGEST"
            workspace.settings = {"digest_day": 0, "digest_time": 0}  # due as soon as the week starts
        settings = load_settings(
            {
                "DATABASE_URL": db_url,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_BOT_TOKEN": "xoxb-test-token",
                "SLACK_API_URL": slack.url,
                "X_BEARER_TOKEN": "w-bearer",
                "X_API_URL": fake.url,
                "PLUME_OUTPUT_DIR": str(tmp_path),
                "LOG_LEVEL": "WARNING",
            }
        )
        notifiers = Notifiers.fixed(runtime.sessions, slack=SlackNotifier(settings, runtime))
        tasks.ingest_and_nudge(settings, notifiers=notifiers)
        tasks.weekly_deliveries(settings, notifiers=notifiers)
        tasks.weekly_deliveries(settings, notifiers=notifiers)  # the 15-minute check again: nothing twice
        assert fake.billed_post_reads() == 15
    digests = [m for m in slack.messages("C0DIGEST") if m.get("metadata")]
    assert len(digests) == 1 and "15 posts by 5 ambassadors" in digests[0]["text"]
    recaps = [m for u in ("U100", "U101") for m in slack.messages(slack.dm_id(u)) if m.get("metadata")]
    assert len(recaps) == 2 and all("Your week" in m["text"] for m in recaps)


def test_the_scheduler_has_every_job(settings, runtime):
    notifiers = Notifiers.fixed(runtime.sessions, slack=SlackNotifier(settings, runtime))
    scheduler = build_scheduler(settings, notifiers)
    assert sorted(job.id for job in scheduler.get_jobs()) == ["compliance", "ingest", "retention", "weekly"]
    # Checked hourly; each kind of compliance job runs once per UTC day (bot.services.ingest.compliance).
    assert scheduler.get_job("compliance").trigger.interval.total_seconds() == 3600


@pytest.mark.slow
def test_sigterm_stops_the_worker_cleanly(slack, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "X_", "PLUME_"))}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'w.db'}",
        SLACK_SIGNING_SECRET="s",
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_API_URL=slack.url,
        LOG_LEVEL="INFO",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "worker"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    started = False
    while time.monotonic() < deadline and not started:
        line = process.stderr.readline()
        started = "worker started" in line
    assert started
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
