"""The composition root for the core: settings, migrated database and session factory."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.errors import ConfigError
from bot.sources.x_api import XSource, make_client
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


def x_source(settings: Settings) -> XSource:
    """The X API source from settings, or a clear error when no token is configured."""
    if settings.X_BEARER_TOKEN is None:
        raise ConfigError("Bad setting X_BEARER_TOKEN: required to read from X (see README, X API).")
    client = make_client(settings.X_BEARER_TOKEN.get_secret_value(), settings.X_API_URL)
    return XSource(client)


@lru_cache(maxsize=4)
def shared_runtime(settings: Settings) -> Runtime:
    """One migrated engine per settings for the life of the process: the worker runs jobs every few
    minutes, and a new engine per call would re-check migrations and leave pools behind."""
    return open_runtime(settings)
