"""`python -m bot poll` in-process: real tweepy against the fake X, nudges through the fake Slack.

`poll` reads the real clock (as cron runs it), so the person's zone is chosen to put them mid-morning
right now: their burst of the last hour is inside today's work hours whatever the time of the run."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main
from bot.config import load_settings
from bot.runtime import open_runtime
from bot.schedule import WorkSchedule, parse_days
from bot.services.people import ambassadors
from bot.storage.db import transaction
from tests.fakes.slack_requests import SIGNING_SECRET
from tests.fakes.slack_server import FakeSlack
from tests.fakes.x_server import FakeX

BEARER = "poll-bearer"
QUIET = (
    "Poll cycle: 0 accounts polled, 0 new posts, 0 handles resolved, 0 follower snapshots, "
    "0 refreshed, 0 purged."
)


def mid_morning_zone(now: datetime) -> str:
    """An Etc/GMT zone where `now` is between 10:00 and 13:59 (Etc/GMT-3 is UTC+3)."""
    offset = next(k for k in range(-12, 15) if 10 <= (now.hour + k) % 24 <= 13)
    return f"Etc/GMT{-offset:+d}"


@pytest.fixture
def x() -> Iterator[FakeX]:
    with FakeX(bearer=BEARER) as fake:
        yield fake


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


def settings_for(tmp_path, x: FakeX, slack: FakeSlack | None, **extra: str):
    chat = {"SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_SIGNING_SECRET": SIGNING_SECRET}
    return load_settings(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'poll.db'}",
            "X_BEARER_TOKEN": BEARER,
            "X_API_URL": x.url,
            "PLUME_OUTPUT_DIR": str(tmp_path),
            "LOG_LEVEL": "WARNING",
            **({**chat, "SLACK_API_URL": slack.url} if slack else {}),
            **extra,
        }
    )


def busy_hour(settings, x: FakeX, slack: FakeSlack) -> str:
    """@ana joined through Slack (T0001) and posted 6 times in the last hour, a burst: her shift day."""
    now = datetime.now(UTC)
    zone = mid_morning_zone(now)
    slack.add_user("U100", name="ana", tz=zone)
    x.add_user(1, "ana")
    for n, minutes in enumerate((50, 40, 30, 20, 10, 5)):
        x.add_post(1, 7000 + n, now - timedelta(minutes=minutes), f"post {n}")
    with transaction(open_runtime(settings).sessions) as session:
        workspace = ambassadors.ensure_workspace(session=session, platform="slack", external_id="T0001")
        ambassadors.track(
            session=session,
            workspace_id=workspace.id,
            handle="ana",
            schedule=WorkSchedule(tz=zone, days=parse_days("mon-sun")),
            consent_text="I agree",
            consent_source="self",
            chat_user_id="U100",
        )
    return now.astimezone(ZoneInfo(zone)).date().isoformat()


def poll(capsys, settings, *flags: str) -> tuple[int, list[str], str]:
    code = main(["poll", *flags], settings=settings)
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def nudges_to(slack: FakeSlack, user: str) -> list[str]:
    return [m["text"] for m in slack.messages(slack.dm_id(user)) if m.get("metadata")]


def burst_nudge(day: str) -> str:
    return (
        f"Plume: On {day} you posted 6 times during your work hours, including 1 burst(s) of 6+ posts "
        "within an hour."
    )


def test_a_burst_brought_by_poll_is_nudged_once(capsys, tmp_path, x, slack):
    settings = settings_for(tmp_path, x, slack)
    day = busy_hour(settings, x, slack)
    assert poll(capsys, settings) == (
        0,
        [
            "Poll cycle: 1 accounts polled, 6 new posts, 1 handles resolved, 0 follower snapshots, "
            "0 refreshed, 0 purged.",
            "Nudges: 1 sent.",
        ],
        "",
    )
    assert nudges_to(slack, "U100") == [burst_nudge(day)]

    # Not due again yet: nothing polled; the rules run again and find the nudge already sent.
    assert poll(capsys, settings) == (0, [QUIET, "Nudges: 0 sent."], "")
    # --all polls her now anyway, from her cursor: nothing new is read, nothing is sent twice.
    assert poll(capsys, settings, "--all")[1] == [
        "Poll cycle: 1 accounts polled, 0 new posts, 0 handles resolved, 0 follower snapshots, "
        "0 refreshed, 0 purged.",
        "Nudges: 0 sent.",
    ]
    timeline = [r for r in x.requests if r.path == "/2/users/1/tweets"]
    assert len(timeline) == 2 and timeline[1].query["since_id"] == ["7005"]
    assert (x.billed_post_reads(), nudges_to(slack, "U100")) == (6, [burst_nudge(day)])


def test_no_nudges_skips_them_and_a_later_poll_still_sends(capsys, tmp_path, x, slack):
    settings = settings_for(tmp_path, x, slack)
    day = busy_hour(settings, x, slack)
    code, lines, _ = poll(capsys, settings, "--no-nudges")
    assert (code, lines[1:], slack.calls_to("chat.postMessage")) == (0, [], [])
    assert lines[0].startswith("Poll cycle: 1 accounts polled, 6 new posts")
    # Nothing was claimed: the next run's rules see the stored burst and nudge.
    assert poll(capsys, settings)[1][1:] == ["Nudges: 1 sent."]
    assert nudges_to(slack, "U100") == [burst_nudge(day)]


def test_without_a_chat_platform_nudges_are_skipped_in_one_line(capsys, tmp_path, x, slack):
    settings = settings_for(tmp_path, x, None)
    busy_hour(settings, x, slack)
    code, lines, _ = poll(capsys, settings)
    assert (code, lines[1:]) == (
        0,
        [
            "Nudges: skipped, no chat platform configured "
            "(SLACK_BOT_TOKEN, or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET)."
        ],
    )
    assert slack.calls == []


def test_without_a_chat_workspace_nudges_are_not_run(capsys, tmp_path, x, slack):
    settings = settings_for(tmp_path, x, slack)
    x.add_user(2, "solo")
    assert main(["track", "solo"], settings=settings) == 0
    capsys.readouterr()
    code, lines, _ = poll(capsys, settings)
    assert (code, lines[1:], slack.calls) == (0, ["Nudges: none, no chat workspace."], [])


def test_poll_all_is_still_budget_checked(capsys, tmp_path, x, slack):
    settings = settings_for(tmp_path, x, slack)
    busy_hour(settings, x, slack)
    assert poll(capsys, settings, "--no-nudges")[0] == 0  # 6 posts and a user: $0.04
    tight = settings_for(tmp_path, x, slack, X_MONTHLY_BUDGET_USD="0.03")
    code, lines, err = poll(capsys, tight, "--all", "--no-nudges")
    assert (code, lines) == (1, [QUIET])
    month = datetime.now(UTC).strftime("%Y-%m")
    assert err.splitlines()[-1] == f"Stopped: X budget of $0.03 reached ($0.04 spent in {month})"
    assert len([r for r in x.requests if r.path == "/2/users/1/tweets"]) == 1
