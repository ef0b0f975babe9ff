"""Storage on SQLite and PostgreSQL: migrations, idempotent writes, cascades and erasure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot.schedule import WorkSchedule
from bot.services.people import ambassadors
from bot.sources.records import PostKind, PostRecord
from bot.storage import repositories as repo
from bot.storage.db import make_engine, migrate, transaction
from bot.storage.tables import Ambassador, Base, FollowerSnapshot, NudgeLog, Post, XAccount

pytestmark = pytest.mark.both_backends  # storage: schema, upserts, big ints, aware datetimes, cascades

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def fixed_clock() -> datetime:
    return T0


def record(x_id: int, minutes: int = 0, likes: int = 0, read_at: datetime | None = None) -> PostRecord:
    return PostRecord(
        x_id=x_id,
        created_at=T0 + timedelta(minutes=minutes),
        kind=PostKind.ORIGINAL,
        text=f"post {x_id}",
        likes=likes,
        metrics_read_at=read_at,
    )


def tracked(session, handle: str = "alice", team: str = "T1") -> Ambassador:
    workspace = ambassadors.ensure_workspace(
        session=session, platform="slack", external_id=team, now=fixed_clock
    )
    return ambassadors.track(
        session=session,
        workspace_id=workspace.id,
        handle=handle,
        schedule=WorkSchedule(tz="Europe/Paris"),
        consent_text="I agree",
        consent_source="self",
        now=fixed_clock,
    )


def count(session, model) -> int:
    return int(session.scalar(select(func.count()).select_from(model)))


def test_schema_matches_models_and_migrate_is_idempotent(db_url):
    engine = make_engine(db_url)
    migrate(engine)  # second time: nothing to do, no error

    # slack_sdk's installation and OAuth-state tables are created by slack_sdk itself, not by Alembic;
    # procrastinate's job queue comes from its own schema SQL (migration 0008), not from our models.
    def ours(obj, name, type_, reflected, compare_to):
        return not (type_ == "table" and name.startswith(("slack_", "procrastinate_")))

    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": ours})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == []


def test_importing_the_same_posts_twice_changes_nothing(sessions):
    read_at = T0 + timedelta(days=1)
    with transaction(sessions) as s:
        amb = tracked(s)
        first = repo.upsert_posts(
            session=s,
            x_account_id=amb.x_account_id,
            records=[record(1, 0, 5, read_at), record(2, 5, 7, read_at)],
            source="archive",
        )
    with transaction(sessions) as s:
        second = repo.upsert_posts(
            session=s,
            x_account_id=amb.x_account_id,
            records=[record(1, 0, 5, read_at), record(2, 5, 7, read_at)],
            source="archive",
        )
        rows = s.execute(select(Post.x_id, Post.likes, Post.created_at).order_by(Post.x_id)).all()
    assert (first, second) == (2, 0)
    assert rows == [(1, 5, T0), (2, 7, T0 + timedelta(minutes=5))]


def test_metrics_refresh_only_when_read_later(sessions):
    early, late = T0 + timedelta(hours=1), T0 + timedelta(hours=5)
    with transaction(sessions) as s:
        amb = tracked(s)
        repo.upsert_posts(
            session=s, x_account_id=amb.x_account_id, records=[record(9, likes=3, read_at=late)], source="api"
        )
        repo.upsert_posts(
            session=s,
            x_account_id=amb.x_account_id,
            records=[record(9, likes=1, read_at=early)],
            source="archive",
        )
        assert s.scalar(select(Post.likes)) == 3
        newer = late + timedelta(hours=1)
        repo.upsert_posts(
            session=s,
            x_account_id=amb.x_account_id,
            records=[record(9, likes=8, read_at=newer)],
            source="api",
        )
        assert s.scalar(select(Post.likes)) == 8
        assert s.scalar(select(Post.metrics_read_at)) == newer


def test_x_ids_beyond_float_precision_round_trip(sessions):
    big = 1_850_000_000_000_000_123  # real X ids exceed 2**53
    with transaction(sessions) as s:
        amb = tracked(s)
        repo.upsert_posts(session=s, x_account_id=amb.x_account_id, records=[record(big)], source="api")
    with transaction(sessions) as s:
        assert s.scalar(select(Post.x_id)) == big


def test_datetimes_come_back_aware_utc(sessions):
    with transaction(sessions) as s:
        amb = tracked(s)
        repo.upsert_posts(session=s, x_account_id=amb.x_account_id, records=[record(1, 30)], source="api")
    with transaction(sessions) as s:
        created = s.scalar(select(Post.created_at))
        consent = s.scalar(select(Ambassador.consent_at))
    assert created == T0 + timedelta(minutes=30) and created.tzinfo is not None
    assert created.utcoffset() == timedelta(0) and consent == T0


def test_untrack_erases_person_posts_snapshots_and_nudges(sessions):
    with transaction(sessions) as s:
        amb = tracked(s)
        repo.upsert_posts(
            session=s, x_account_id=amb.x_account_id, records=[record(1), record(2)], source="api"
        )
        repo.add_snapshot(
            session=s, x_account_id=amb.x_account_id, taken_at=T0, followers=10, following=3, posts_count=2
        )
        s.add(
            NudgeLog(ambassador_id=amb.id, rule="burst", window_key="2026-11-02", numbers={}, claimed_at=T0)
        )
        workspace_id = amb.workspace_id
    with transaction(sessions) as s:
        assert ambassadors.untrack(session=s, workspace_id=workspace_id, handle="@Alice") == "alice"
    with transaction(sessions) as s:
        assert [count(s, m) for m in (Ambassador, XAccount, Post, FollowerSnapshot, NudgeLog)] == [
            0,
            0,
            0,
            0,
            0,
        ]


def test_posts_stay_while_another_workspace_tracks_the_account(sessions):
    with transaction(sessions) as s:
        one = tracked(s, team="T1")
        two = tracked(s, team="T2")
        assert one.x_account_id == two.x_account_id
        repo.upsert_posts(session=s, x_account_id=one.x_account_id, records=[record(1)], source="api")
    with transaction(sessions) as s:
        ambassadors.untrack(session=s, workspace_id=one.workspace_id, handle="alice")
    with transaction(sessions) as s:
        assert (count(s, Ambassador), count(s, Post)) == (1, 1)


def test_a_nudge_window_can_be_claimed_once(sessions):
    with transaction(sessions) as s:
        amb = tracked(s)
        s.add(
            NudgeLog(ambassador_id=amb.id, rule="burst", window_key="2026-11-02", numbers={}, claimed_at=T0)
        )
    with pytest.raises(IntegrityError), transaction(sessions) as s:
        s.add(
            NudgeLog(ambassador_id=amb.id, rule="burst", window_key="2026-11-02", numbers={}, claimed_at=T0)
        )
    with transaction(sessions) as s:
        assert count(s, NudgeLog) == 1


def test_workspaces_do_not_see_each_others_people(sessions):
    with transaction(sessions) as s:
        amb = tracked(s, team="T1")
        other = ambassadors.ensure_workspace(session=s, platform="slack", external_id="T2")
        assert repo.ambassadors_in(session=s, workspace_ids=[other.id]) == []
        with pytest.raises(ambassadors.NotFound):
            ambassadors.get_by_handle(session=s, workspace_id=other.id, handle="alice")
        assert (
            ambassadors.get_by_handle(session=s, workspace_id=amb.workspace_id, handle="ALICE").id == amb.id
        )


def test_nul_characters_are_dropped_not_fatal(sessions):
    with transaction(sessions) as s:
        amb = tracked(s)
        bad = PostRecord(x_id=5, created_at=T0, kind=PostKind.ORIGINAL, text="a\x00b")
        repo.upsert_posts(session=s, x_account_id=amb.x_account_id, records=[bad], source="csv")
    with transaction(sessions) as s:
        assert s.scalar(select(Post.text)) == "ab"
