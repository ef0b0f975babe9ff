"""Delivery fixtures without a chat platform: a seeded program and a RecordingNotifier."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.config import load_settings
from bot.runtime import open_runtime
from bot.schedule import WorkSchedule
from bot.services.people import ambassadors
from bot.sources.records import PostKind, PostRecord
from bot.storage import repositories as repo
from bot.storage.db import transaction
from tests.fakes.recording_notifier import RecordingNotifier

WEEK = "2026-W46"
NOW = datetime(2026, 11, 18, 10, 30, tzinfo=UTC)  # Wednesday, 10:30 UTC
_ids = iter(range(5 * 10**18, 6 * 10**18))


def post(at: datetime, likes: int = 1) -> PostRecord:
    return PostRecord(x_id=next(_ids), created_at=at, kind=PostKind.ORIGINAL, text="hi", likes=likes)


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
    ws = ambassadors.ensure_workspace(session=session, platform=platform, external_id=team)
    ws.digest_channel = f"C{team}"
    ws.settings = {"digest_channel_set_by": admin} if admin else {}
    for n in range(people):
        amb = ambassadors.track(
            session=session,
            workspace_id=ws.id,
            handle=f"{team.lower()}amb{n}",
            schedule=WorkSchedule(tz="UTC"),
            consent_text="yes",
            consent_source="self",
            chat_user_id=f"U{team}{n}",
        )
        monday = datetime(2026, 11, 9, 10, tzinfo=UTC)
        repo.upsert_posts(
            session=session,
            x_account_id=amb.x_account_id,
            records=[post(monday + timedelta(days=n % 5, minutes=m)) for m in range(3)],
            source="api",
        )
    return ws.id


@pytest.fixture
def program(runtime) -> int:
    """Six people in workspace T1 (Slack), digest channel CT1 chosen by UADMIN."""
    with transaction(runtime.sessions) as session:
        return seed_workspace(session, platform="slack", team="T1", people=6)
