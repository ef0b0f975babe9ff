"""Ingestion fixtures: the fake X server, the real tweepy client pointed at it, a controllable clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.schedule import WorkSchedule
from bot.services.ingest.cycle import CycleReport, run_cycle
from bot.services.ingest.polling import PollConfig
from bot.services.people import ambassadors
from bot.sources.x_api import XSource, make_client
from bot.storage.db import transaction
from tests.fakes.x_server import FakeX

BEARER = "test-bearer-SECRET"
START = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)  # a Wednesday


class Clock:
    """A clock tests move by hand; the fake bills by its UTC day."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def fake(clock: Clock) -> Iterator[FakeX]:
    with FakeX(bearer=BEARER, today=lambda: clock().date()) as server:
        yield server


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def source(fake: FakeX, clock: Clock, sleeps: list[float]) -> XSource:
    return XSource(make_client(BEARER, fake.url), clock=clock, sleep=sleeps.append)


class Ingest:
    """Track people and run cycles the way the worker does."""

    def __init__(self, sessions, source: XSource, clock: Clock) -> None:
        self.sessions, self.source, self.clock = sessions, source, clock
        self.config = PollConfig()

    def track(self, handle: str, team: str = "T1") -> int:
        with transaction(self.sessions) as session:
            ws = ambassadors.ensure_workspace(session=session, platform="slack", external_id=team)
            amb = ambassadors.track(
                session=session,
                workspace_id=ws.id,
                handle=handle,
                schedule=WorkSchedule(),
                consent_text="yes",
                consent_source="self",
            )
            return amb.workspace_id

    def cycle(self, budget_usd: float | None = None) -> CycleReport:
        return run_cycle(
            sessions=self.sessions,
            source=self.source,
            now=self.clock,
            config=self.config,
            budget_usd=budget_usd,
        )


@pytest.fixture
def ingest(sessions, source: XSource, clock: Clock) -> Ingest:
    return Ingest(sessions, source, clock)


def seed_posts(
    fake: FakeX, user_id: int, count: int, *, newest: datetime, every: timedelta, first_id: int
) -> list[int]:
    """`count` posts ending at `newest`, `every` apart, with increasing ids."""
    ids = []
    for n in range(count):
        created = newest - every * (count - 1 - n)
        fake.add_post(user_id, first_id + n, created, f"post {first_id + n}", likes=n % 7)
        ids.append(first_id + n)
    return ids
