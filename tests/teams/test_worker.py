"""The worker's deliveries to Teams through the fake Bot Connector: beside a Slack workspace in one
run, and killed between Teams accepting the digest and the worker hearing so."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.config import load_settings
from bot.jobs import tasks
from bot.messages.action_ids import ActionId
from bot.runtime import open_runtime
from bot.services.workspaces.chat_state import update_platform_state
from bot.storage import repositories as repo
from bot.storage.db import transaction
from bot.storage.tables import DigestLog
from handlers.teams.charts import KEY_LABEL as CHART_LABEL
from handlers.teams.charts import charts_dir, verify_chart
from handlers.teams.signed import link_key
from tests.fakes.serve_process import REPO, free_port
from tests.fakes.slack_server import FakeSlack
from tests.fakes.teams_server import TENANT, TeamsCloud
from tests.seeding import post, seed_posting_workspace
from tests.teams.activities import BOT, CHANNEL
from tests.teams.conftest import shown, strings_of, teams_env

pytestmark = pytest.mark.slow
WEEK = "2026-W46"
AFTER_W46 = datetime(2026, 11, 16, 9, tzinfo=UTC)  # Monday of the next week: W46's deliveries are due
SLACK_CHANNEL = "C0DIGEST"
CARD = "application/vnd.microsoft.card.adaptive"


@pytest.fixture
def cloud(monkeypatch):
    """The fake Bot Framework and login, with this process's egress and trust set for them."""
    with TeamsCloud() as running:
        for name, value in running.env().items():
            monkeypatch.setenv(name, value)
        yield running


def seed_tenant(runtime, cloud, people: int = 5, admin: str = "aad-admin") -> int:
    """A Teams tenant whose digest goes to CHANNEL, as a verified activity left it (service URL, bot
    id), with `people` members who all posted during W46."""
    fake = cloud.teams
    fake.add_channel(CHANNEL)
    for n in range(people):
        fake.add_member(f"aad-{n}", f"Person {n}")
    fake.add_member(admin, "Ada Admin")
    with transaction(runtime.sessions) as session:
        workspace = seed_posting_workspace(
            session,
            platform="teams",
            team=TENANT,
            channel=CHANNEL,
            people=range(people),
            handle=lambda n: f"t{n}",
            user=lambda n: f"aad-{n}",
            admin=admin,
        )
        update_platform_state(session=session, workspace_id=workspace, service_url=fake.url, bot_id=BOT)
    return workspace


def chart_served(settings, url: str) -> bool:
    """The chart URL's token verifies, for a PNG file that exists."""
    token = url.rsplit("/", 1)[1].removesuffix(".png")
    found = verify_chart(link_key(settings, CHART_LABEL), token, datetime.now(UTC))
    return found is not None and (charts_dir(settings) / found[1]).is_file()


def digests_in(fake) -> list[str]:
    return [shown(a) for a in fake.activities(CHANNEL) if "weekly digest" in shown(a).lower()]


def test_one_worker_serves_a_slack_workspace_and_a_teams_tenant(cloud, tmp_path):
    with FakeSlack() as slack:
        slack.add_channel(SLACK_CHANNEL, "ambassadors", members={"UBOT"})
        env = {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'both.db'}",
            "SLACK_SIGNING_SECRET": "s",
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "SLACK_API_URL": slack.url,
            "PLUME_OUTPUT_DIR": str(tmp_path),
            "PLUME_PUBLIC_URL": "https://plume.example",
            **cloud.settings_env(),
        }
        settings = load_settings(env)
        runtime = open_runtime(settings)
        with transaction(runtime.sessions) as session:
            for n in range(5):
                slack.add_user(f"U5{n:02d}", name=f"s{n}", tz="UTC")
            seed_posting_workspace(
                session,
                platform="slack",
                team="T0001",
                channel=SLACK_CHANNEL,
                people=range(5),
                handle=lambda n: f"s{n}",
                user=lambda n: f"U5{n:02d}",
            )
        teams_workspace = seed_tenant(runtime, cloud)

        tasks.weekly_deliveries(settings, AFTER_W46)
        tasks.weekly_deliveries(settings, AFTER_W46)  # the next check: nothing twice

        slack_digests = [m for m in slack.messages(SLACK_CHANNEL) if m.get("metadata")]
        assert len(slack_digests) == 1
        [digest] = [a for a in cloud.teams.activities(CHANNEL) if "weekly digest" in shown(a).lower()]
        charts = [u for u in strings_of(digest) if u.startswith("https://plume.example/charts/")]
        assert charts and all(chart_served(settings, url) for url in charts)  # signed for this tenant
        recaps = [cloud.teams.activities(cloud.teams.personal_id(f"aad-{n}")) for n in range(5)]
        assert [len(r) for r in recaps] == [1] * 5  # each person's 1:1, created once by the bot
        assert len(cloud.teams.created) == 5
        bodies = [c.body for c in cloud.teams.calls_to("POST", "/activities")]
        assert {b["attachments"][0]["contentType"] for b in bodies} == {CARD}
        with transaction(runtime.sessions) as session:
            marked = select(DigestLog.status).where(DigestLog.workspace_id == teams_workspace)
            assert list(session.scalars(marked)) == ["sent"]


def test_a_digest_in_doubt_is_posted_again_after_the_admin_is_told(cloud, tmp_path):
    env = teams_env(cloud, free_port(), tmp_path / "crash.db", PLUME_OUTPUT_DIR=str(tmp_path))
    settings = load_settings({k: v for k, v in env.items() if k.startswith(("TEAMS_", "DATABASE", "PLUME_"))})
    seed_tenant(open_runtime(settings), cloud)
    command = [sys.executable, "-W", "ignore", "-m", "bot", "digest", "--week", WEEK]

    cloud.teams.hold_answers(CHANNEL, 30)
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not digests_in(cloud.teams) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert digests_in(cloud.teams), "the digest never reached Teams"
    process.send_signal(signal.SIGKILL)  # Teams has the digest; the worker never heard back
    process.wait(timeout=10)
    cloud.teams.hold_answers(CHANNEL, 0)

    rerun = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert rerun.stdout.strip().endswith(f"{WEEK}: sent")
    [told] = cloud.teams.activities(cloud.teams.personal_id("aad-admin"))
    assert "may appear twice" in shown(told)
    assert len(digests_in(cloud.teams)) == 2  # the duplicate the admin was warned of, and no more
    again = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert "already_sent" in again.stdout and len(digests_in(cloud.teams)) == 2


def test_a_nudge_reaches_the_one_to_one_with_its_buttons(cloud, tmp_path):
    database = {"DATABASE_URL": f"sqlite:///{tmp_path / 'nudge.db'}", "PLUME_OUTPUT_DIR": str(tmp_path)}
    settings = load_settings({**database, **cloud.settings_env()})
    runtime = open_runtime(settings)
    seed_tenant(runtime, cloud, people=6)
    now = datetime(2026, 11, 18, 10, 30, tzinfo=UTC)  # Wednesday, at work in UTC
    with transaction(runtime.sessions) as session:  # one person bursts this morning
        account = repo.get_account_by_handle(session=session, handle_key="t0")
        burst = [post(now - timedelta(minutes=60 - 5 * i)) for i in range(6)]
        repo.upsert_posts(session=session, x_account_id=account.id, records=burst, source="api")

    assert tasks.nudges(settings, now) == 1
    [nudge] = cloud.teams.activities(cloud.teams.personal_id("aad-0"))
    card = nudge["attachments"][0]["content"]
    buttons = [a for block in card["body"] + [card] for a in block.get("actions", [])]
    assert [b["data"]["action"] for b in buttons] == [
        ActionId.NUDGE_THANKS,
        ActionId.NUDGE_SNOOZE_WEEK,
        ActionId.NUDGE_NOT_USEFUL,
        ActionId.NUDGE_TURN_OFF,
    ]
    assert all(b["type"] == "Action.Execute" and b["verb"] == b["data"]["action"] for b in buttons)
    assert all(b["data"]["value"] for b in buttons)  # the nudge's reference, for the feedback
    assert nudge["summary"] and "posts" in shown(nudge)
