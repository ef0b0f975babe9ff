"""A delivery run over many workspaces: one thread each, each with its own token, everything once."""

from __future__ import annotations

import argparse
import json
from collections import Counter

import pytest

from bot.config import Settings, load_settings
from bot.jobs import tasks
from bot.jobs.fanout import PROCESS_FROM, fan_out
from bot.messages.replies import notice
from handlers.slack.installation import installation_store
from handlers.slack.notifier import slack_notifier
from tests.bench.delivery_rate import CLIENT_ID, NOW, WEEK, build, fake_slack, measure

pytestmark = pytest.mark.slow
WORKSPACES, PEOPLE = PROCESS_FROM, 5  # enough workspaces for the helper processes, people for charts


def many_workspace_settings(db_url: str, slack, tmp_path) -> Settings:
    """OAuth mode (tokens from the installation store), against the fake."""
    return load_settings(
        {
            "DATABASE_URL": db_url,
            "SLACK_API_URL": slack.url,
            "SLACK_CLIENT_ID": CLIENT_ID,
            "SLACK_CLIENT_SECRET": "s",
            "SLACK_SIGNING_SECRET": "x",
            "PLUME_OUTPUT_DIR": str(tmp_path),
            "LOG_LEVEL": "WARNING",
        }
    )


def test_a_run_over_many_workspaces_delivers_everything_once_with_each_token(db_url, tmp_path):
    who = build(db_url, WORKSPACES, PEOPLE, nudged=0.2)
    with fake_slack(who["teams"], PEOPLE) as slack:
        slack.set_rate_limit(per_channel_per_second=1.0)
        settings = many_workspace_settings(db_url, slack, tmp_path)
        for _ in range(2):  # the second run finds everything delivered: nothing twice
            tasks.nudges(settings, NOW)  # notifiers found by platform, as the worker does
            tasks.weekly_deliveries(settings, NOW)
        args = argparse.Namespace(workspaces=WORKSPACES, people=PEOPLE, per_minute=60, per_channel=1.0)
        result = measure(slack, who, args, {"started": 0.0, "finished": 0.0})
        posts = [c for c in slack.calls_to("chat.postMessage") if c.status == 200]
        uploads = slack.calls_to("files.completeUploadExternal")
    assert (result["lost"], result["duplicated"], result["unexpected"]) == (0, 0, 0)
    assert result["digests"] == WORKSPACES and result["recaps"] == WORKSPACES * PEOPLE
    assert result["nudges"] == len(who["bursting"]) == WORKSPACES
    assert len(uploads) == 2 * WORKSPACES  # each digest's two charts, rendered in the chart process
    # Each workspace's messages went with its own token, into its own channel and people.
    for call in posts:
        team = call.token.removeprefix("xoxb-bench-")
        metadata = call.body["metadata"]
        key = (json.loads(metadata) if isinstance(metadata, str) else metadata)["event_payload"]["key"]
        if key.startswith("digest:"):
            assert call.body["channel"] == f"C{team}" and key.endswith(WEEK)
        else:
            person = int(call.body["channel"].removeprefix("U"))
            assert (person - 1) // PEOPLE + 1 == int(team.removeprefix("TB"))
    assert Counter(c.token for c in posts) == Counter(
        {f"xoxb-bench-{t}": 1 + PEOPLE + 1 for t in who["teams"]}  # digest, recaps, one nudge
    )


def test_one_failing_workspace_does_not_stop_the_others():
    def job(workspace_id: int) -> None:
        if workspace_id == 2:
            raise RuntimeError("boom")

    assert fan_out(job, [1, 2, 3], threads=3) == {1: True, 2: False, 3: True}


def test_a_reinstalled_workspace_is_sent_with_its_new_token(db_url, tmp_path):
    who = build(db_url, 1, 5, nudged=0.0)
    [team] = who["teams"]
    with fake_slack(who["teams"], 5) as slack:
        settings = many_workspace_settings(db_url, slack, tmp_path)
        runtime = tasks.shared_runtime(settings)
        notifier = slack_notifier(settings, runtime)
        hello = notice("Hello", "before")
        notifier.direct(workspace_id=1, user_id="U000001", message=hello, key="k1")  # caches the client
        slack.reinstall(team, "xoxb-after-reinstall")
        installation = installation_store(settings, runtime.engine).find_installation(
            enterprise_id=None, team_id=team
        )
        installation.bot_token = "xoxb-after-reinstall"
        installation_store(settings, runtime.engine).save(installation)
        notifier.direct(workspace_id=1, user_id="U000001", message=hello, key="k2")
        calls = slack.calls_to("chat.postMessage")
    accepted = [c.token for c in calls if (c.response or {}).get("ok")]
    refused = [c.response["error"] for c in calls if not (c.response or {}).get("ok")]
    assert accepted == [f"xoxb-bench-{team}", "xoxb-after-reinstall"] and refused == ["invalid_auth"]
