"""`python -m bot teams` refuses to start without the bot's credentials: one line, exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_serving_teams_without_credentials_is_one_clear_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEAMS_", "SLACK_", "PLUME_"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'x.db'}"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "teams"], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: Bad setting TEAMS_APP_ID: serving Teams needs TEAMS_APP_ID and TEAMS_APP_PASSWORD"
    ]


def test_the_procfile_runs_teams_beside_slack():
    lines = (REPO / "Procfile").read_text().splitlines()
    assert "teams: python -m bot teams" in lines and "web: python -m bot serve" in lines
