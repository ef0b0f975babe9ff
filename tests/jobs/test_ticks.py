"""The periodic ticks only enqueue what is due, found from the state of the database: a missed tick
is caught up by the next one, and a tick seen twice queues nothing twice."""

from __future__ import annotations

from datetime import UTC, datetime

from procrastinate import sql
from sqlalchemy import select, update

from bot.config import load_settings
from bot.jobs.queue import enqueue_deliveries, enqueue_ingest, opened_app
from bot.storage.db import transaction
from bot.storage.tables import XAccount
from tests.jobs.workers import posting_workspace

DIGEST_TIME = datetime(2026, 11, 16, 11, 0, tzinfo=UTC)  # Monday of W47, after the default 09:00


def seed(runtime, team: str, people: int = 5) -> int:
    with transaction(runtime.sessions) as session:
        return posting_workspace(session, team, people)


def waiting(app, task: str) -> list[dict]:
    return sorted((j.task_kwargs for j in app.job_manager.list_jobs(task=task, status="todo")), key=str)


def test_due_deliveries_are_queued_once_whatever_the_ticks(pg_settings, pg_runtime):
    one, two = seed(pg_runtime, "T1"), seed(pg_runtime, "T2")
    app = opened_app(pg_settings)
    before = datetime(2026, 11, 16, 8, 59, tzinfo=UTC)
    assert enqueue_deliveries(app, pg_settings, before) == {}  # not yet 09:00 on Monday
    assert enqueue_deliveries(app, pg_settings, DIGEST_TIME) == {one: "2026-W46", two: "2026-W46"}
    enqueue_deliveries(app, pg_settings, DIGEST_TIME)  # the next tick: they are waiting already
    later = datetime(2026, 11, 19, 15, 0, tzinfo=UTC)  # days of missed ticks: still due, still once
    assert enqueue_deliveries(app, pg_settings, later) == {one: "2026-W46", two: "2026-W46"}
    assert waiting(app, "deliver_week") == [
        {"workspace_id": one, "week": "2026-W46"},
        {"workspace_id": two, "week": "2026-W46"},
    ]


def test_a_week_being_sent_is_not_queued_again_behind_its_job(pg_settings, pg_runtime):
    one, two = seed(pg_runtime, "T1"), seed(pg_runtime, "T2")
    app = opened_app(pg_settings)
    enqueue_deliveries(app, pg_settings, DIGEST_TIME)
    connector = app.connector.get_sync_connector()
    worker = connector.execute_query_one(query=sql.queries["register_worker"])["worker_id"]
    taken = connector.execute_query_one(query=sql.queries["fetch_job"], queues=None, worker_id=worker)
    assert taken["args"]["workspace_id"] == one  # "doing" now, its week still pending
    assert enqueue_deliveries(app, pg_settings, DIGEST_TIME) == {one: "2026-W46", two: "2026-W46"}
    assert waiting(app, "deliver_week") == [{"workspace_id": two, "week": "2026-W46"}]


def test_a_poll_tick_queues_the_due_accounts_in_batches_and_a_cycle_the_nudges(pg_settings, pg_runtime):
    workspace = seed(pg_runtime, "T1", people=3)
    app = opened_app(pg_settings)
    enqueue_ingest(app, pg_settings, DIGEST_TIME, cycle=False)
    assert waiting(app, "evaluate_nudges") == [] and waiting(app, "poll_accounts") == []
    enqueue_ingest(app, pg_settings, DIGEST_TIME, cycle=True)  # no X token: nudges only
    moment = DIGEST_TIME.isoformat()
    assert waiting(app, "evaluate_nudges") == [{"workspace_ids": [workspace], "moment": moment}]

    with transaction(pg_runtime.sessions) as session:  # resolved accounts, never polled: all due
        session.execute(update(XAccount).values(x_user_id=XAccount.id + 1000))
        accounts = sorted(session.scalars(select(XAccount.id)))
    with_x = load_settings({"DATABASE_URL": pg_settings.DATABASE_URL, "X_BEARER_TOKEN": "t"})
    enqueue_ingest(app, with_x, DIGEST_TIME, cycle=True)
    enqueue_ingest(app, with_x, DIGEST_TIME, cycle=True)
    assert waiting(app, "poll_accounts") == [{"account_ids": accounts}]
    assert len(waiting(app, "ingest_upkeep")) == 1 and len(waiting(app, "evaluate_nudges")) == 1
