"""Job queue fixtures: on this run's PostgreSQL database only (skipped without PostgreSQL), with
procrastinate's tables emptied around each test (`db_url` empties only Plume's and slack_sdk's)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from bot.config import Settings, load_settings
from bot.runtime import Runtime, open_runtime
from bot.storage.db import make_engine

QUEUE_TABLES = ", ".join(f"procrastinate_{name}" for name in ("jobs", "workers", "periodic_defers", "events"))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test using `pg_url` (directly or through a fixture) runs on PostgreSQL only."""
    if "pg_url" in metafunc.fixturenames:
        param = pytest.param("postgresql", marks=pytest.mark.postgres, id="postgresql")
        metafunc.parametrize("db_url", [param], indirect=True)


def empty_queue(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {QUEUE_TABLES} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def pg_url(db_url: str) -> Iterator[str]:
    """The PostgreSQL `db_url` (Plume's tables emptied after the test), its job queue empty too."""
    empty_queue(db_url)
    yield db_url
    empty_queue(db_url)


@pytest.fixture
def pg_settings(pg_url: str, tmp_path) -> Settings:
    return load_settings({"DATABASE_URL": pg_url, "PLUME_OUTPUT_DIR": str(tmp_path), "LOG_LEVEL": "WARNING"})


@pytest.fixture
def pg_runtime(pg_settings: Settings) -> Iterator[Runtime]:
    built = open_runtime(pg_settings)
    yield built
    built.engine.dispose()
