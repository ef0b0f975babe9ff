"""Delivery fixtures without a chat platform: a seeded program and a RecordingNotifier."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.config import load_settings
from bot.runtime import open_runtime
from bot.storage.db import transaction
from tests.fakes.recording_notifier import RecordingNotifier
from tests.seeding import seed_posting_workspace

WEEK = "2026-W46"
NOW = datetime(2026, 11, 18, 10, 30, tzinfo=UTC)  # Wednesday, 10:30 UTC


@pytest.fixture
def settings(db_url, tmp_path):
    return load_settings({"DATABASE_URL": db_url, "PLUME_OUTPUT_DIR": str(tmp_path), "LOG_LEVEL": "WARNING"})


@pytest.fixture
def runtime(settings):
    built = open_runtime(settings)
    yield built
    built.engine.dispose()


@pytest.fixture
def recorder() -> RecordingNotifier:
    return RecordingNotifier()


def seed_workspace(session, *, platform: str, team: str, people: int, admin: str | None = "UADMIN") -> int:
    """A workspace of `people` (chat ids U<team>0…), all posting during 2026-W46; channel C<team>."""
    return seed_posting_workspace(
        session,
        platform=platform,
        team=team,
        channel=f"C{team}",
        people=range(people),
        handle=lambda n: f"{team.lower()}amb{n}",
        user=lambda n: f"U{team}{n}",
        admin=admin,
    )


@pytest.fixture
def program(runtime) -> int:
    """Six people in workspace T1 (Slack), digest channel CT1 chosen by UADMIN."""
    with transaction(runtime.sessions) as session:
        return seed_workspace(session, platform="slack", team="T1", people=6)
