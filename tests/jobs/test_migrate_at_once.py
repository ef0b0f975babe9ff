"""Many processes starting at once on a new PostgreSQL database (web and workers on several machines,
each migrating on start): one migrates, the others wait and find the schema at head, none fails."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from subprocess import PIPE

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.storage.db import make_engine
from tests.conftest import PG_BASE_URL

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def new_database(postgres_url) -> str:  # postgres_url: skipped without PostgreSQL
    admin = create_engine(PG_BASE_URL, isolation_level="AUTOCOMMIT")
    name = f"plume_race_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(PG_BASE_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.mark.postgres
@pytest.mark.slow
def test_three_processes_migrating_a_new_database_at_once_all_succeed(new_database):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "X_", "PLUME_"))}
    env["DATABASE_URL"] = new_database
    command = [sys.executable, "-m", "bot", "migrate"]
    processes = [
        subprocess.Popen(command, cwd=REPO, env=env, stdout=PIPE, stderr=PIPE, text=True) for _ in range(3)
    ]
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert (process.returncode, out, err) == (0, "Database is at the newest schema.\n", "")  # no trace
    engine = make_engine(new_database)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM procrastinate_jobs")).scalar_one() == 0
    engine.dispose()
