"""SIGKILL between Slack accepting a message and its mark, with history look-ups off
(SLACK_HISTORY_LOOKUP=false, as for a platform that cannot look): each kind's policy, for real.

A digest in doubt is posted again only after the admin who chose the channel is told; a recap or a
nudge in doubt is never sent again (at most once)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.schedule import WorkSchedule
from bot.services.people import ambassadors
from bot.sources.records import PostKind, PostRecord
from bot.storage import repositories as repo
from bot.storage.db import transaction
from bot.storage.tables import NudgeLog

REPO = Path(__file__).resolve().parents[2]
WEEK = "2026-W46"
pytestmark = pytest.mark.slow


def seed(runtime, slack, people: int) -> int:
    slack.add_channel("C0DIGEST", "ambassadors", members={"UBOT"})
    with transaction(runtime.sessions) as session:
        ws = ambassadors.ensure_workspace(session=session, platform="slack", external_id="T0001")
        ws.digest_channel = "C0DIGEST"
        ws.settings = {"digest_channel_set_by": "UADMIN"}
        for n in range(people):
            slack.add_user(f"U5{n:02d}", name=f"p{n}", tz="UTC")
            amb = ambassadors.track(
                session=session,
                workspace_id=ws.id,
                handle=f"p{n}",
                schedule=WorkSchedule(),
                consent_text="yes",
                consent_source="self",
                chat_user_id=f"U5{n:02d}",
            )
            at = datetime(2026, 11, 10, 12, tzinfo=UTC) + timedelta(hours=n)
            record = PostRecord(x_id=10**18 + n, created_at=at, kind=PostKind.ORIGINAL, text="hello", likes=n)
            repo.upsert_posts(session=session, x_account_id=amb.x_account_id, records=[record], source="api")
        return ws.id


def environment(settings, slack, tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "X_", "PLUME_"))}
    env.update(
        DATABASE_URL=settings.DATABASE_URL,
        SLACK_SIGNING_SECRET="s",
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_API_URL=slack.url,
        SLACK_HISTORY_LOOKUP="false",
        LOG_LEVEL="WARNING",
        PLUME_OUTPUT_DIR=str(tmp_path),
    )
    return env


def kill_once_accepted(command, env, slack, accepted) -> None:
    """Run `command` until Slack accepted a first message (its answer held back), then SIGKILL it."""
    slack.hold_after_accepting("chat.postMessage", 30)
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not accepted() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert accepted(), "nothing reached Slack"
    process.send_signal(signal.SIGKILL)  # Slack has the message; the process never heard back
    process.wait(timeout=10)
    slack.hold_after_accepting("chat.postMessage", 0)


def digests(slack) -> list[dict]:
    return [m for m in slack.messages("C0DIGEST") if m.get("metadata")]


def test_a_digest_in_doubt_is_posted_again_after_the_admin_is_told(settings, runtime, slack, tmp_path):
    seed(runtime, slack, 5)
    env = environment(settings, slack, tmp_path)
    command = [sys.executable, "-m", "bot", "digest", "--week", WEEK]
    kill_once_accepted(command, env, slack, lambda: digests(slack))

    rerun = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert rerun.stdout.strip() == f"workspace 1 {WEEK}: sent"
    [told] = slack.messages(slack.dm_id("UADMIN"))
    first, second = digests(slack)  # the duplicate the admin was warned of
    assert "may appear twice" in told["text"] and first["ts"] < told["ts"] < second["ts"]
    assert slack.calls_to("conversations.history") == []
    again = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert "already_sent" in again.stdout and len(digests(slack)) == 2


def test_recaps_in_doubt_are_never_sent_again(settings, runtime, slack, tmp_path):
    workspace = seed(runtime, slack, 12)
    env = environment(settings, slack, tmp_path)
    command = [sys.executable, "-m", "tests.delivery.job_driver", "week", str(workspace), WEEK]

    def recaps() -> list[str]:
        return [m["channel"] for m in slack.messages() if m["channel"].startswith("D") and m.get("metadata")]

    kill_once_accepted(command, env, slack, lambda: recaps())
    [before] = recaps()

    rerun = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0 and rerun.stdout == "done\n", rerun.stderr
    # The first chunk of ten entered `sending` together: all in doubt, none sent again (the one Slack
    # had included). The two beyond it were never handed over: sent now. The digest went once.
    assert sorted(recaps()) == sorted([before, slack.dm_id("U510"), slack.dm_id("U511")])
    with transaction(runtime.sessions) as session:
        statuses = list(session.scalars(select(NudgeLog.status).order_by(NudgeLog.ambassador_id)))
    assert statuses == ["unknown"] * 10 + ["sent"] * 2
    assert len(digests(slack)) == 1 and slack.calls_to("conversations.history") == []


def test_a_nudge_in_doubt_is_never_sent_again(settings, runtime, slack, tmp_path):
    seed(runtime, slack, 6)
    now = datetime(2026, 11, 18, 10, 30, tzinfo=UTC)  # Wednesday, at work in UTC
    with transaction(runtime.sessions) as session:  # two people burst this morning
        for n in (0, 1):
            account = repo.get_account_by_handle(session=session, handle_key=f"p{n}")
            burst = [
                PostRecord(
                    x_id=2 * 10**18 + 10 * n + i,
                    created_at=now - timedelta(minutes=60 - 5 * i),
                    kind=PostKind.ORIGINAL,
                    text="hi",
                    likes=1,
                )
                for i in range(6)
            ]
            repo.upsert_posts(session=session, x_account_id=account.id, records=burst, source="api")
    env = environment(settings, slack, tmp_path)
    command = [sys.executable, "-m", "tests.delivery.job_driver", "nudges", now.isoformat()]

    def nudged() -> list[str]:
        return [m["channel"] for m in slack.messages() if m.get("metadata")]

    kill_once_accepted(command, env, slack, lambda: nudged())
    [first] = nudged()

    rerun = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0 and rerun.stdout == "done\n", rerun.stderr
    # The one Slack had is not sent again; the other person's, never claimed before, goes now.
    assert sorted(nudged()) == sorted([slack.dm_id("U500"), slack.dm_id("U501")]) and first in nudged()
    assert slack.calls_to("conversations.history") == []
