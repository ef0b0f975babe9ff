"""The operator CLI: track, import, stats, untrack, and clear errors.

In-process through `bot.cli.main` (the `cli` fixture), and one real `python -m bot` for the exit code and
the first line of a process that fails on a bad setting."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

TWEETS_JS = """window.YTD.tweets.part0 = [
  {"tweet": {"id_str": "1001", "created_at": "Mon Nov 09 08:59:00 +0000 2026", "full_text": "Early #b2b note",
             "favorite_count": "4", "retweet_count": "1", "lang": "en"}},
  {"tweet": {"id_str": "1002", "created_at": "Mon Nov 09 09:00:00 +0000 2026", "full_text": "On the clock",
             "favorite_count": "2", "retweet_count": "0", "lang": "en"}},
  {"tweet": {"id_str": "1003", "created_at": "Mon Nov 09 09:10:00 +0000 2026", "full_text": "RT @x: shared",
             "favorite_count": "0", "retweet_count": "0", "lang": "en"}},
  {"tweet": {"id_str": "1004", "created_at": "Tue Nov 10 17:30:00 +0000 2026", "full_text": "@y agreed, B2B!",
             "in_reply_to_status_id_str": "77", "favorite_count": "6", "retweet_count": "0", "lang": "en"}},
  {"tweet": {"id_str": "1005", "created_at": "Tue Nov 10 18:00:00 +0000 2026", "full_text": "Evening post",
             "favorite_count": "10", "retweet_count": "2", "lang": "en"}},
  {"tweet": {"id_str": "900", "created_at": "Mon Nov 02 12:00:00 +0000 2026", "full_text": "Last week",
             "favorite_count": "1", "retweet_count": "0", "lang": "en"}}
]
"""


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "LOG_LEVEL": "WARNING"}


def test_track_import_stats_untrack(cli, env, tmp_path):
    archive = tmp_path / "tweets.js"
    archive.write_text(TWEETS_JS, encoding="utf-8")
    tracked = cli(
        env,
        "track",
        "@Alice_B",
        "--tz",
        "UTC",
        "--hours",
        "09:00-18:00",
        "--days",
        "mon-fri",
        "--topics",
        "b2b",
    )
    assert tracked.returncode == 0, tracked.stderr
    assert "Tracking @Alice_B: 09:00-18:00 mon,tue,wed,thu,fri UTC" in tracked.stdout

    first = cli(env, "import", str(archive), "--handle", "alice_b")
    again = cli(env, "import", str(archive), "--handle", "alice_b")
    assert "Imported 6 posts for @Alice_B from tweets.js: 6 new, 0 already stored." in first.stdout
    assert "Imported 6 posts for @Alice_B from tweets.js: 0 new, 6 already stored." in again.stdout

    stats = cli(env, "stats", "--handle", "alice_b", "--week", "2026-W46", "--format", "json")
    assert stats.returncode == 0, stats.stderr
    report = json.loads(stats.stdout)
    # 08:59 out, 09:00 in, 09:10 (retweet) in, 17:30 in, 18:00 out -> 3 of 5 in work hours.
    # Own posts engage 4+1, 2, 6, 10+2 -> total 25, median of (2, 5, 6, 12) = 5.5; b2b in 2 of 4.
    expected = {
        "handle": "Alice_B",
        "week": "2026-W46",
        "tz": "UTC",
        "posts": 5,
        "originals": 3,
        "replies": 1,
        "retweets": 1,
        "quotes": 0,
        "active_days": 2,
        "work_hours_posts": 3,
        "work_hours_share": 0.6,
        "median_gap_minutes_work_hours": 10.0,
        "bursts": 0,
        "engagement": 25,
        "engagement_posts": 4,
        "engagement_per_post_median": 5.5,
        "on_topic_share": 0.5,
    }
    assert {k: report[k] for k in expected} == expected
    assert report["baseline"]["posts"] == 1 and report["baseline_weeks"] == 1
    assert sum(map(sum, report["hour_weekday"])) == 5 and report["hour_weekday"][0][9] == 2

    shifted = json.loads(
        cli(
            env,
            "stats",
            "--handle",
            "alice_b",
            "--week",
            "2026-W46",
            "--format",
            "json",
            "--tz",
            "Europe/Paris",
        ).stdout
    )
    # In Paris (UTC+1): 08:59Z is 09:59 (in), 09:00Z 10:00, 09:10Z 10:10, 17:30Z 18:30 (out), 18:00Z out
    assert shifted["work_hours_posts"] == 3 and shifted["tz"] == "Europe/Paris"

    text = cli(env, "stats", "--handle", "alice_b", "--week", "2026-W46")
    assert "Work-hours share" in text.stdout and "60%" in text.stdout

    gone = cli(env, "untrack", "alice_b")
    assert "deleted their data" in gone.stdout
    after = cli(env, "stats", "--handle", "alice_b", "--week", "2026-W46")
    assert after.returncode == 2 and "not tracked" in after.stderr


def test_malformed_archive_imports_nothing(cli, env, tmp_path):
    broken = tmp_path / "tweets.js"
    broken.write_text(
        TWEETS_JS.replace('"created_at": "Tue Nov 10 18:00:00 +0000 2026"', '"created_at": "soon"')
    )
    assert cli(env, "track", "alice").returncode == 0
    result = cli(env, "import", str(broken), "--handle", "alice")
    assert result.returncode == 2
    assert "tweets.js" in result.stderr and "Traceback" not in result.stderr
    stats = json.loads(
        cli(env, "stats", "--handle", "alice", "--week", "2026-W46", "--format", "json").stdout
    )
    assert stats["posts"] == 0  # the four good entries before the bad one were rolled back too


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["track", "not a handle!"], "is not an X handle"),
        (["track", "alice", "--tz", "Mars/Base"], "not an IANA zone"),
        (["track", "alice", "--hours", "9 to 5"], "not like 09:00-18:00"),
        (["stats", "--handle", "nobody", "--week", "2026-W46"], "not tracked"),
        (["stats", "--handle", "x", "--week", "2026-W60"], "2026 has no week 60"),
        (["import", "/nonexistent/tweets.js", "--handle", "x"], "not tracked"),
    ],
)
def test_bad_input_gets_one_clear_line(cli, env, args, message):
    result = cli(env, *args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_bad_setting_names_the_variable(env):
    """A real process: settings are read from its environment, and the exit code is the process's."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "X_", "PLUME_"))}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"],
        cwd=REPO,
        env={**base, **env, "PORT": "http"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: Bad setting PORT:") and "Traceback" not in result.stderr
