"""Shared fixtures: a migrated database on SQLite for every test, and on PostgreSQL where it matters.

`db_url` is SQLite only, unless the test or its module carries `@pytest.mark.both_backends`: then it
runs once per backend, `[sqlite]` and `[postgresql]`. Put the mark where the database's own behaviour is
under test (upserts, unique claims, the outbox, retention, locking); everything else stays on SQLite,
which is what halved `make test` (issue 10). The PostgreSQL leg uses a fresh database per test run (per
xdist worker), created and dropped here. When PLUME_REQUIRE_POSTGRES=1 (set by .ci/run) an unreachable
PostgreSQL fails the run instead of skipping.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.cli import main
from bot.config import load_settings
from bot.storage.db import make_engine, make_sessionmaker, migrate
from bot.storage.tables import Base

PG_BASE_URL = os.environ.get("PLUME_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throw-away PostgreSQL database for this run, migrated once."""
    admin = create_engine(PG_BASE_URL, isolation_level="AUTOCOMMIT")
    name = f"plume_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # any failure to reach the server
        admin.dispose()
        if os.environ.get("PLUME_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL required but unreachable at {PG_BASE_URL}: {exc}")
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    url = make_url(PG_BASE_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per run (per xdist worker), which each test gets a copy of.

    Migrating a new file costs 0.2-0.6 s (alembic runs every revision); copying the result costs under
    1 ms, and gives the same schema, the same alembic version and the same WAL journal mode."""
    path = tmp_path_factory.mktemp("template") / "plume.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()  # the last connection checkpoints the WAL into the file: nothing else to copy
    return path


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run `both_backends` tests that use `db_url` (directly or through a fixture) on each backend."""
    if "db_url" in metafunc.fixturenames and metafunc.definition.get_closest_marker("both_backends"):
        metafunc.parametrize("db_url", BACKENDS, indirect=True)


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A migrated, empty database URL: SQLite, or each backend in turn under `both_backends`."""
    if getattr(request, "param", "sqlite") == "sqlite":
        shutil.copyfile(request.getfixturevalue("sqlite_template"), tmp_path / "plume.db")
        yield f"sqlite:///{tmp_path / 'plume.db'}"
        return
    url = request.getfixturevalue("postgres_url")
    yield url
    engine = make_engine(url)
    with engine.begin() as conn:
        # Plume's tables and slack_sdk's (installations, OAuth states), which live in the same database.
        ours = [t.name for t in Base.metadata.sorted_tables]
        theirs = conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'slack\\_%'")
        ).scalars()
        names = ", ".join(f'"{name}"' for name in [*ours, *theirs])
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker[Session]]:
    """A session factory on the migrated database."""
    engine = make_engine(db_url)
    yield make_sessionmaker(engine)
    engine.dispose()


CliRun = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> CliRun:
    """`python -m bot ARGS` in-process: `cli(environ, *args)` runs `bot.cli.main` on settings built from
    `environ` and hands back its exit code and output, shaped like `subprocess.run`'s. A subprocess costs
    about a second of interpreter and import start-up; keep real ones for what needs a process boundary
    (SIGKILL, `serve`, the exit code of `python -m bot` itself)."""

    def run(environ: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
        capsys.readouterr()  # drop anything printed before this call
        root = logging.getLogger()
        handlers, level = root.handlers[:], root.level
        try:  # main() points the root logger at this test's stderr: give pytest its handlers back after
            code = main(list(args), settings=load_settings(environ))
        finally:
            root.handlers[:] = handlers
            root.setLevel(level)
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(["python", "-m", "bot", *args], code, out, err)

    return run


@pytest.fixture(autouse=True)
def _fresh_queue_apps_after_a_downgrade(monkeypatch) -> Iterator[None]:
    """A test that downgrades the schema drops procrastinate's types and functions and makes them
    again: a pooled connection of a cached procrastinate app that ran them before keeps plans naming
    the old types ("cache lookup failed for type"). After such a test, the apps are made afresh."""
    from alembic import command

    downgraded: list[bool] = []
    real = command.downgrade

    def downgrade(*args, **kwargs):
        downgraded.append(True)
        return real(*args, **kwargs)

    monkeypatch.setattr(command, "downgrade", downgrade)
    yield
    if downgraded:
        from bot.jobs import command_tasks, queue

        queue._app_for.cache_clear()
        command_tasks._web_app.cache_clear()
