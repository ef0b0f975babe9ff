"""Which database a test runs on: SQLite by default, each backend in turn under `both_backends`.

The PostgreSQL leg must really run in CI (PLUME_REQUIRE_POSTGRES=1 turns an unreachable server into a
failure, not a skip); this checks it is PostgreSQL that answers, and not SQLite under another name.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.storage.db import make_engine


def dialect_and_tables(db_url: str) -> tuple[str, bool]:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            version = "SELECT version()" if engine.dialect.name == "postgresql" else "SELECT sqlite_version()"
            assert conn.execute(text(version)).scalar()
            migrated = conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
            return engine.dialect.name, migrated
    finally:
        engine.dispose()


@pytest.mark.both_backends
def test_each_leg_runs_migrated_on_its_own_backend(db_url, request):
    backend = request.node.callspec.params["db_url"]
    assert dialect_and_tables(db_url) == (backend, True)
    if backend == "postgresql":
        assert db_url.startswith("postgresql+psycopg://") and "/plume_test_" in db_url


def test_unmarked_tests_run_on_sqlite_only(db_url, request):
    assert not hasattr(request.node, "callspec")  # not parametrized: one run, not two
    assert dialect_and_tables(db_url) == ("sqlite", True)
