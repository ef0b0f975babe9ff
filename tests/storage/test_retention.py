"""Retention: posts past the window and uninstalled workspaces are purged; nothing else is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.schedule import WorkSchedule
from bot.services.people import ambassadors
from bot.services.workspaces.lifecycle import first_delivery
from bot.services.workspaces.retention import run_retention
from bot.sources.records import PostKind, PostRecord
from bot.storage import repositories as repo
from bot.storage.db import transaction
from bot.storage.tables import Ambassador, Post, ProcessedEvent, Workspace, XAccount

pytestmark = pytest.mark.both_backends  # retention's bulk deletes and cascades

NOW = datetime(2026, 11, 20, tzinfo=UTC)


def setup(session, team: str, handle: str, ages_days: list[int]) -> Workspace:
    ws = ambassadors.ensure_workspace(session=session, platform="slack", external_id=team)
    amb = ambassadors.track(
        session=session,
        workspace_id=ws.id,
        handle=handle,
        schedule=WorkSchedule(),
        consent_text="yes",
        consent_source="self",
    )
    records = [
        PostRecord(
            x_id=hash((handle, d)) % 10**12,
            created_at=NOW - timedelta(days=d),
            kind=PostKind.ORIGINAL,
            text="x",
        )
        for d in ages_days
    ]
    repo.upsert_posts(session=session, x_account_id=amb.x_account_id, records=records, source="api")
    return ws


def count(session, model) -> int:
    return int(session.scalar(select(func.count()).select_from(model)))


def test_old_posts_go_after_the_window(sessions):
    with transaction(sessions) as s:
        ws = setup(s, "T1", "ana", [10, 390, 400, 420])  # 13 months is about 396 days
        ws.settings = {"retention_months": 13}
    with transaction(sessions) as s:
        result = run_retention(session=s, now=NOW)
    with transaction(sessions) as s:
        ages = sorted((NOW - p.created_at).days for p in s.scalars(select(Post)))
    assert (result.posts, ages) == (2, [10, 390])


def test_uninstalled_workspaces_are_purged_after_the_grace(sessions):
    with transaction(sessions) as s:
        gone = setup(s, "T1", "ana", [1, 2])
        setup(s, "T2", "ben", [1])
        gone.settings = {"purge_after": (NOW - timedelta(days=8)).isoformat()}
    with transaction(sessions) as s:
        assert run_retention(session=s, now=NOW).workspaces == 1
    with transaction(sessions) as s:
        assert [w.external_id for w in s.scalars(select(Workspace))] == ["T2"]
        assert (count(s, Ambassador), count(s, XAccount), count(s, Post)) == (1, 1, 1)


def test_a_recent_uninstall_waits_for_the_grace(sessions):
    with transaction(sessions) as s:
        ws = setup(s, "T1", "ana", [1])
        ws.settings = {"purge_after": (NOW - timedelta(days=2)).isoformat()}
    with transaction(sessions) as s:
        assert run_retention(session=s, now=NOW).workspaces == 0


def test_handled_events_are_forgotten_after_a_week(sessions):
    with transaction(sessions) as session:
        for name, age in (("old", 8), ("recent", 6)):
            first_delivery(sessions, f"command-job:{name}", "T1", NOW - timedelta(days=age))
        result = run_retention(session=session, now=NOW)
    assert result.events == 1
    with transaction(sessions) as session:
        assert list(session.scalars(select(ProcessedEvent.event_id))) == ["command-job:recent"]
