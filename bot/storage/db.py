"""Engine, sessions and automatic Alembic migrations."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str) -> Engine:
    """An engine for `url`; creates the SQLite file's folder and turns on SQLite foreign keys."""
    if url.startswith("sqlite:///") and ":memory:" not in url:
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    # A delivery run has a thread per workspace: they queue for a connection (up to 5 minutes)
    # rather than fail after the default 30 s.
    pooling = {} if ":memory:" in url else {"pool_size": 10, "max_overflow": 10, "pool_timeout": 300}
    # hide_parameters: an error's text (which logs carry) must not hold what people typed or posted.
    engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"), hide_parameters=True, **pooling)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """Cascading deletes need foreign keys on; WAL lets the web and worker processes share the file."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=60000")  # a delivery run's threads take turns writing
    cursor.close()


def alembic_config(engine: Engine) -> Config:
    """Alembic configuration that migrates through `engine` (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


# Alembic's command API keeps its context in module globals: two threads migrating at once (a worker's
# first jobs, each opening its runtime) crash with KeyError: 'config' (seen in the chaos test).
_MIGRATING = threading.Lock()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision; a no-op when it already is (one thread at a time)."""
    with _MIGRATING:
        command.upgrade(alembic_config(engine), "head")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Session factory; objects stay readable after commit so services can return them."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work commits together or not at all."""
    with factory() as session, session.begin():
        yield session
