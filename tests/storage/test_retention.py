"""Retention: posts past the window, uninstalled workspaces, handled events after a week and the X read
ledger's days over 62 days old are purged; nothing else is."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.schedule import WorkSchedule
from bot.services.ingest.usage import month_usage, record_reads
from bot.services.people import ambassadors
from bot.services.workspaces.lifecycle import first_delivery
from bot.services.workspaces.retention import run_retention, usage_cutoff
from bot.sources.records import PostKind, PostRecord
from bot.storage import repositories as repo
from bot.storage.db import transaction
from bot.storage.tables import Ambassador, Post, ProcessedEvent, Workspace, XAccount, XUsage

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


def test_the_x_read_ledger_keeps_62_days(sessions):
    days = [date(2026, 9, 18), date(2026, 9, 19), date(2026, 11, 1), date(2026, 11, 20)]
    with transaction(sessions) as session:
        for n, day in enumerate(days):
            record_reads(session=session, day=day, kind="post", item_ids=[n, 100 + n])
        result = run_retention(session=session, now=NOW)  # 20 Nov: 19 Sep is 62 days back
    assert result.usage == 2
    with transaction(sessions) as session:
        assert sorted(set(session.scalars(select(XUsage.day)))) == days[1:]
        assert month_usage(session=session, now=NOW, budget_usd=None).post_reads == 4  # the budget's month


def test_the_ledger_always_holds_the_whole_of_last_month():
    """Whatever the day, X's invoice for last month can be checked against the ledger."""
    day = date(2024, 1, 1)
    while day < date(2028, 1, 1):
        first_of_last_month = (day.replace(day=1) - timedelta(days=1)).replace(day=1)
        assert usage_cutoff(day) <= first_of_last_month, day
        day += timedelta(days=1)


def test_the_retention_command_says_what_it_pruned(db_url, sessions, cli):
    today = datetime.now(UTC).date()
    with transaction(sessions) as session:
        record_reads(session=session, day=today - timedelta(days=63), kind="user", item_ids=[1, 2, 3])
        record_reads(session=session, day=today, kind="user", item_ids=[1])
    done = cli({"DATABASE_URL": db_url}, "retention")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        "Retention: 0 old posts and 0 uninstalled workspaces purged (0 handled events forgotten;"
        " 3 X read-ledger rows over 62 days old pruned)."
    )
    with transaction(sessions) as session:
        assert list(session.scalars(select(XUsage.day))) == [today]
