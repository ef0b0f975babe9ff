"""`python -m bot poll` and `usage` through subprocesses against the fake X server."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.fakes.x_server import FakeX

REPO = Path(__file__).resolve().parents[2]


def run(env, *args):
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )


def test_track_poll_usage(tmp_path):
    now = datetime.now(UTC)
    with FakeX(bearer="cli-bearer") as fake:
        fake.add_user(11, "Writer", followers=10)
        for n in range(12):
            fake.add_post(11, 1100 + n, now - timedelta(hours=12 - n), f"post {n}")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "X_", "PLUME_"))}
        env.update(
            DATABASE_URL=f"sqlite:///{tmp_path / 'p.db'}",
            X_API_URL=fake.url,
            X_BEARER_TOKEN="cli-bearer",
            X_MONTHLY_BUDGET_USD="100",
        )
        assert run(env, "track", "writer").returncode == 0
        polled = run(env, "poll")
        assert polled.returncode == 0, polled.stderr
        assert "1 accounts polled, 12 new posts, 1 handles resolved" in polled.stdout
        assert "cli-bearer" not in polled.stderr + polled.stdout
        usage = run(env, "usage").stdout
        assert "post reads              12" in usage and "user reads               1" in usage
        assert "spend so far    $      0.07" in usage and "budget          $    100.00  ok" in usage
        assert fake.billed_post_reads() == 12


def test_poll_without_a_token_says_which_variable(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "X_", "PLUME_"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'p.db'}"
    result = run(env, "poll")
    assert result.returncode == 2 and result.stderr.startswith("error: Bad setting X_BEARER_TOKEN")
