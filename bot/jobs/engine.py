"""Which runner executes the jobs: today's in-process scheduler, or procrastinate on PostgreSQL."""

from __future__ import annotations

from functools import cache
from typing import Literal

from bot.config import Settings, load_settings
from bot.errors import ConfigError

Engine = Literal["inprocess", "procrastinate"]


def is_postgres(settings: Settings) -> bool:
    """The database is PostgreSQL (procrastinate's jobs live there)."""
    return settings.DATABASE_URL.startswith("postgresql")


def jobs_engine(settings: Settings) -> Engine:
    """PLUME_JOBS when set, else procrastinate on PostgreSQL and the in-process scheduler on SQLite."""
    if settings.PLUME_JOBS == "procrastinate" and not is_postgres(settings):
        raise ConfigError(
            "Bad setting PLUME_JOBS: procrastinate needs DATABASE_URL on PostgreSQL "
            "(SQLite runs the in-process scheduler: PLUME_JOBS=inprocess or unset)."
        )
    if settings.PLUME_JOBS is not None:
        return settings.PLUME_JOBS
    return "procrastinate" if is_postgres(settings) else "inprocess"


@cache
def worker_settings() -> Settings:
    """A procrastinate worker's settings (what its jobs use), from its own environment, built once."""
    return load_settings()
