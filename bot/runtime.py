"""The composition root for the core: settings, migrated database and session factory."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.storage.db import make_engine, make_sessionmaker, migrate


@dataclass(frozen=True, slots=True)
class Runtime:
    """What every command needs: settings and a migrated database."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]


def open_runtime(settings: Settings, database_url: str | None = None) -> Runtime:
    """Connect, apply pending migrations, and hand back a session factory."""
    engine = make_engine(database_url or settings.DATABASE_URL)
    migrate(engine)
    return Runtime(settings=settings, engine=engine, sessions=make_sessionmaker(engine))
