"""`import` and `stats` for people tracked in any workspace, chosen with `--workspace` when needed
(in-process: `bot.cli.main` with the real database, no subprocess)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.config import load_settings
from bot.runtime import open_runtime
from bot.schedule import WorkSchedule
from bot.services.people import ambassadors
from bot.storage.db import transaction
from bot.storage.tables import Post, Workspace

# Week 2026-W46 (Mon 9 Nov). In Paris (UTC+1) 08:30Z and 08:15Z are work hours and 17:30Z is not;
# in UTC it is the other way round: 3 work-hours posts for Paris, 2 for UTC.
POSTS_CSV = """id,created_at,text
5001,2026-11-09T08:30:00Z,Morning
5002,2026-11-09T12:00:00Z,Noon
5003,2026-11-09T17:30:00Z,Evening
5004,2026-11-10T07:30:00Z,Early
5005,2026-11-10T08:15:00Z,Start
"""


@pytest.fixture
def settings(tmp_path):
    return load_settings({"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "LOG_LEVEL": "WARNING"})


@pytest.fixture
def posts(tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text(POSTS_CSV, encoding="utf-8")
    return path


def join_through_slack(settings, handle: str, team: str = "T0001", tz: str = "Europe/Paris") -> None:
    """What `/plume join` stores: the person in the Slack workspace, with their Slack timezone."""
    with transaction(open_runtime(settings).sessions) as session:
        workspace = ambassadors.ensure_workspace(session=session, platform="slack", external_id=team)
        ambassadors.track(
            session=session,
            workspace_id=workspace.id,
            handle=handle,
            schedule=WorkSchedule(tz=tz),
            consent_text="I agree",
            consent_source="self",
            chat_user_id="U100",
            now=lambda: datetime(2026, 10, 1, tzinfo=UTC),
        )


def cli(capsys, settings, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv), settings=settings)
    out, err = capsys.readouterr()
    return code, out, err


def week(capsys, settings, *extra: str) -> dict:
    code, out, err = cli(
        capsys, settings, "stats", "--handle", "alice", "--week", "2026-W46", "--format", "json", *extra
    )
    assert (code, err) == (0, "")
    return json.loads(out)


def test_someone_who_joined_through_slack_needs_no_flag(capsys, settings, posts):
    join_through_slack(settings, "alice")
    assert cli(capsys, settings, "import", str(posts), "--handle", "@Alice") == (
        0,
        "Imported 5 posts for @alice from posts.csv: 5 new, 0 already stored.\n",
        "",
    )
    report = week(capsys, settings)
    assert (report["handle"], report["tz"], report["posts"], report["work_hours_posts"]) == (
        "alice",
        "Europe/Paris",
        5,
        3,
    )
    assert week(capsys, settings, "--workspace", "T0001")["work_hours_posts"] == 3


def test_a_handle_in_two_workspaces_is_chosen_with_workspace(capsys, settings, posts):
    join_through_slack(settings, "alice")
    assert cli(capsys, settings, "track", "alice", "--tz", "UTC")[0] == 0
    # Posts belong to the X account both workspaces share: importing needs no choice.
    assert cli(capsys, settings, "import", str(posts), "--handle", "alice")[1].endswith(
        "5 new, 0 already stored.\n"
    )
    again = cli(capsys, settings, "import", str(posts), "--handle", "alice", "--workspace", "local")
    assert again[1] == "Imported 5 posts for @alice from posts.csv: 0 new, 5 already stored.\n"

    assert cli(capsys, settings, "stats", "--handle", "alice", "--week", "2026-W46") == (
        2,
        "",
        "error: @alice is tracked in 2 workspaces (T0001, local): choose one with --workspace.\n",
    )
    paris, utc = (
        week(capsys, settings, "--workspace", "T0001"),
        week(capsys, settings, "--workspace", "local"),
    )
    assert (paris["tz"], paris["work_hours_posts"]) == ("Europe/Paris", 3)
    assert (utc["tz"], utc["work_hours_posts"]) == ("UTC", 2)
    # The flags that try another schedule still apply on top of the chosen workspace's.
    assert week(capsys, settings, "--workspace", "local", "--tz", "Europe/Paris")["work_hours_posts"] == 3


def test_a_wrong_workspace_or_handle_gets_one_clear_line_and_writes_nothing(capsys, settings, posts):
    join_through_slack(settings, "alice")
    assert cli(capsys, settings, "track", "bob")[0] == 0
    cases = [
        (
            ["stats", "--week", "2026-W46", "--handle", "alice", "--workspace", "T9"],
            "No workspace 'T9'; the workspaces are: T0001, local.",
        ),
        (
            ["import", str(posts), "--handle", "alice", "--workspace", "T9"],
            "No workspace 'T9'; the workspaces are: T0001, local.",
        ),
        (
            ["import", str(posts), "--handle", "bob", "--workspace", "T0001"],
            "@bob is not tracked in workspace T0001 (tracked in: local).",
        ),
        (
            ["stats", "--week", "2026-W46", "--handle", "carol", "--workspace", "local"],
            "@carol is not tracked in workspace local.",
        ),
        (
            ["import", str(posts), "--handle", "carol"],
            "@carol is not tracked here. Track them first: python -m bot track carol",
        ),
        (
            ["stats", "--week", "2026-W46", "--handle", "carol"],
            "@carol is not tracked here. Track them first: python -m bot track carol",
        ),
    ]
    for argv, message in cases:
        assert cli(capsys, settings, *argv) == (2, "", f"error: {message}\n")
    with transaction(open_runtime(settings).sessions) as session:
        assert session.scalar(select(func.count()).select_from(Post)) == 0
        assert sorted(session.scalars(select(Workspace.external_id))) == ["T0001", "local"]


def test_an_unknown_handle_creates_no_workspace(capsys, settings):
    assert cli(capsys, settings, "stats", "--handle", "nobody", "--week", "2026-W46") == (
        2,
        "",
        "error: @nobody is not tracked here. Track them first: python -m bot track nobody\n",
    )
    with transaction(open_runtime(settings).sessions) as session:
        assert session.scalar(select(func.count()).select_from(Workspace)) == 0
