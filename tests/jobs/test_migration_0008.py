"""Migration 0008: procrastinate's schema on PostgreSQL, dropped on the way down; nothing on SQLite."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect, text

from bot.config import load_settings
from bot.jobs.queue import defer_delivery, opened_app
from bot.storage.db import alembic_config, make_engine

pytestmark = pytest.mark.both_backends  # a migration runs on each backend

OBJECTS = """
SELECT (SELECT COUNT(*) FROM pg_tables WHERE tablename LIKE 'procrastinate%')
     + (SELECT COUNT(*) FROM pg_proc WHERE proname LIKE 'procrastinate%')
     + (SELECT COUNT(*) FROM pg_type WHERE typname LIKE 'procrastinate%')
"""


def procrastinate_objects(engine) -> int:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return sum(name.startswith("procrastinate") for name in inspect(conn).get_table_names())
        return conn.execute(text(OBJECTS)).scalar_one()


def test_upgrade_brings_the_queue_and_downgrade_takes_it_away(db_url):
    engine = make_engine(db_url)
    config = alembic_config(engine)
    on_postgresql = engine.dialect.name == "postgresql"
    assert (procrastinate_objects(engine) > 20) is on_postgresql
    tables = set(inspect(engine).get_table_names())

    command.downgrade(config, "0007")
    assert procrastinate_objects(engine) == 0
    assert set(inspect(engine).get_table_names()) == {t for t in tables if not t.startswith("procrastinate")}

    command.upgrade(config, "head")
    assert set(inspect(engine).get_table_names()) == tables
    engine.dispose()
    if on_postgresql:  # the schema procrastinate itself runs on
        settings = load_settings({"DATABASE_URL": db_url})
        assert defer_delivery(opened_app(settings), 7, "2026-W46") is not None
        with make_engine(db_url).begin() as conn:
            conn.execute(text("TRUNCATE procrastinate_jobs RESTART IDENTITY CASCADE"))
