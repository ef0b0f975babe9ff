"""Which runner runs the jobs: PLUME_JOBS, else the database; procrastinate never on SQLite."""

from __future__ import annotations

import json

import pytest

from bot.cli import main
from bot.config import load_settings
from bot.errors import ConfigError
from bot.jobs.engine import jobs_engine
from bot.jobs.queue import conninfo, procrastinate_app

PG = "postgresql+psycopg://plume:secret@db.internal:5433/plume"


def settings(**env: str):
    return load_settings({"DATABASE_URL": "sqlite:///x.db", **env})


def test_the_default_follows_the_database_and_plume_jobs_overrides_it():
    assert jobs_engine(settings()) == "inprocess"
    assert jobs_engine(settings(DATABASE_URL=PG)) == "procrastinate"
    assert jobs_engine(settings(DATABASE_URL=PG, PLUME_JOBS="inprocess")) == "inprocess"
    assert jobs_engine(settings(DATABASE_URL=PG, PLUME_JOBS="procrastinate")) == "procrastinate"
    assert jobs_engine(settings(PLUME_JOBS="inprocess")) == "inprocess"


def test_procrastinate_on_sqlite_is_refused_in_one_line(capsys):
    with pytest.raises(ConfigError, match="PLUME_JOBS: procrastinate needs DATABASE_URL on PostgreSQL"):
        jobs_engine(settings(PLUME_JOBS="procrastinate"))
    with pytest.raises(ConfigError, match="PLUME_JOBS"):
        settings(PLUME_JOBS="celery")
    assert main(["jobs"], settings(PLUME_JOBS="procrastinate")) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Bad setting PLUME_JOBS") and err.count("\n") == 1


def test_jobs_on_the_in_process_scheduler_says_there_is_no_queue(capsys, tmp_path):
    quiet = settings(DATABASE_URL=f"sqlite:///{tmp_path / 'p.db'}", LOG_LEVEL="WARNING")
    assert main(["jobs", "--format", "json"], quiet) == 0
    assert json.loads(capsys.readouterr().out) == {"engine": "inprocess"}
    assert main(["jobs"], quiet) == 0
    assert "No job queue" in capsys.readouterr().out


def test_the_queue_connects_with_keepalives_and_timeouts_to_the_same_database():
    assert conninfo(PG) == "postgresql://plume:secret@db.internal:5433/plume"
    pool = procrastinate_app(settings(DATABASE_URL=PG)).connector._pool_args
    assert pool["conninfo"] == conninfo(PG)
    assert {k: pool["kwargs"][k] for k in ("keepalives", "connect_timeout")} == {
        "keepalives": 1,
        "connect_timeout": 5,
    }


def test_every_job_and_tick_is_a_task_on_its_queue():
    app = procrastinate_app(settings(DATABASE_URL=PG))
    ours = {name: task for name, task in app.tasks.items() if not name.startswith(("builtin", "procr"))}
    queues = {name: task.queue for name, task in ours.items()}
    assert queues == {
        "deliver_week": "deliveries",
        "nudge_workspace": "nudges",
        "evaluate_nudges": "nudges",
        "poll_accounts": "ingest",
        "ingest_upkeep": "ingest",
        "retention": "ticks",
        "compliance": "ticks",
        "tick_deliveries": "ticks",
        "tick_poll": "ticks",
        "tick_retention": "ticks",
        "tick_compliance": "ticks",
        "retry_stalled": "ticks",
        "commands:slack_command": "commands",  # the web processes' deferred work (command_tasks.py)
        "commands:teams_turn": "commands",
    }
    crons = {task.task.name: task.cron for task in app.periodic_registry.periodic_tasks.values()}
    assert crons["tick_deliveries"] == "* * * * *" and crons["retry_stalled"] == "* * * * * */10"
    fast = procrastinate_app(settings(DATABASE_URL=PG, PLUME_JOBS_STALLED_AFTER="2"))
    assert {t.cron for t in fast.periodic_registry.periodic_tasks.values()} >= {"* * * * * */1"}


def test_only_the_scanning_ticks_are_locked_never_the_stalled_jobs_retry():
    app = procrastinate_app(settings(DATABASE_URL=PG))
    locks = {name: app.tasks[name].lock for name in ("tick_deliveries", "tick_poll", "retry_stalled")}
    # A retry_stalled stalled with its worker would otherwise block every later one behind its lock.
    assert locks == {
        "tick_deliveries": "tick:tick_deliveries",
        "tick_poll": "tick:tick_poll",
        "retry_stalled": None,
    }
