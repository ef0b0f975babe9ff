"""`python -m bot digest` killed with SIGKILL after Slack accepted the post, then rerun: one digest."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.schedule import WorkSchedule
from bot.services.people import ambassadors
from bot.sources.records import PostKind, PostRecord
from bot.storage import repositories as repo
from bot.storage.db import transaction

REPO = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.both_backends]  # SIGKILL between accept and mark: the outbox


def seed(runtime) -> None:
    with transaction(runtime.sessions) as session:
        ws = ambassadors.ensure_workspace(session=session, platform="slack", external_id="T0001")
        ws.digest_channel = "C0DIGEST"
        for n in range(5):
            amb = ambassadors.track(
                session=session,
                workspace_id=ws.id,
                handle=f"p{n}",
                schedule=WorkSchedule(),
                consent_text="yes",
                consent_source="self",
                chat_user_id=f"U5{n}",
            )
            at = datetime(2026, 11, 10, 12, tzinfo=UTC) + timedelta(hours=n)
            record = PostRecord(x_id=10**18 + n, created_at=at, kind=PostKind.ORIGINAL, text="hello", likes=n)
            repo.upsert_posts(session=session, x_account_id=amb.x_account_id, records=[record], source="api")


def test_killed_after_slack_accepted_then_restarted(settings, runtime, slack, tmp_path):
    seed(runtime)
    slack.add_channel("C0DIGEST", "ambassadors", members={"UBOT"})
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "X_", "PLUME_"))}
    env.update(
        DATABASE_URL=settings.DATABASE_URL,
        SLACK_SIGNING_SECRET="s",
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_API_URL=slack.url,
        LOG_LEVEL="WARNING",
        PLUME_OUTPUT_DIR=str(tmp_path),
    )
    command = [sys.executable, "-m", "bot", "digest", "--week", "2026-W46"]

    slack.hold_after_accepting("chat.postMessage", 30)
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not slack.messages("C0DIGEST") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert slack.messages("C0DIGEST"), "the digest never reached Slack"
    process.send_signal(signal.SIGKILL)  # Slack has the message; the process never heard back
    process.wait(timeout=10)

    slack.hold_after_accepting("chat.postMessage", 0)
    rerun = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert "recovered" in rerun.stdout
    assert len(slack.messages("C0DIGEST")) == 1
    again = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert "already_sent" in again.stdout and len(slack.messages("C0DIGEST")) == 1
