"""Migration 0005 moves the Home file id under its platform and puts old claims in doubt, and back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import text

from bot.schedule import WorkSchedule
from bot.services.delivery.outbox import claim_nudge, mark
from bot.services.people import ambassadors
from bot.storage.db import alembic_config, make_engine, make_sessionmaker, transaction
from bot.storage.tables import Ambassador, NudgeLog

pytestmark = pytest.mark.both_backends  # a migration runs on each backend

NOW = datetime(2026, 11, 18, 10, tzinfo=UTC)


def seed(sessions) -> tuple[int, int, int]:
    with transaction(sessions) as session:
        ws = ambassadors.ensure_workspace(session=session, platform="slack", external_id="T1")
        person = ambassadors.track(
            session=session,
            workspace_id=ws.id,
            handle="ana",
            schedule=WorkSchedule(),
            consent_text="yes",
            consent_source="self",
            chat_user_id="U1",
        ).id
    old, _ = claim_nudge(sessions, person, "burst", "2026-11-17", {}, NOW)
    doubtful, _ = claim_nudge(sessions, person, "burst", "2026-11-18", {}, NOW)
    mark(sessions, NudgeLog, doubtful.id, "unknown", None, NOW)
    return person, old.id, doubtful.id


def statuses(conn) -> list[str]:
    return list(conn.execute(text("SELECT status FROM nudge_log ORDER BY id")).scalars())


def test_upgrade_and_downgrade_move_the_home_file_and_the_claims(db_url):
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    person, old, _ = seed(sessions)
    config = alembic_config(engine)
    command.downgrade(config, "0004")
    with engine.begin() as conn:  # what the earlier code left: a Home file, a claim it may have sent
        conn.execute(text("UPDATE ambassadors SET home_file_id = 'F7' WHERE id = :id"), {"id": person})
        conn.execute(text("UPDATE nudge_log SET status = 'claimed' WHERE id = :id"), {"id": old})
    command.upgrade(config, "head")
    with transaction(sessions) as session:
        ana = session.get(Ambassador, person)
        assert (ana.chat_state, ana.home_file_id) == ({"slack": {"home_file_id": "F7"}}, "F7")
    with engine.connect() as conn:
        assert statuses(conn) == ["sending", "sent"]  # the old claim is in doubt; `unknown` was sent
        conn.execute(text("UPDATE nudge_log SET status = 'unknown' WHERE id > :id"), {"id": old})
        conn.commit()
    command.downgrade(config, "0004")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT home_file_id FROM ambassadors")).scalar_one() == "F7"
        assert statuses(conn) == ["claimed", "sent"]
    command.upgrade(config, "head")
    engine.dispose()
