"""Pending Sign in with X: opened by one browser, consumed once even by two racing callbacks, refused
when expired, on each backend; and migration 0007 down and up again."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import inspect, select, text

from bot.schedule import WorkSchedule
from bot.services.delivery.outbox import claim_nudge
from bot.services.people.ambassadors import ensure_workspace, track
from bot.services.people.x_signin import (
    PendingSignIn,
    SignInRefused,
    consume_signin,
    open_signin,
    start_signin,
)
from bot.storage.db import alembic_config, make_engine, make_sessionmaker, transaction
from bot.storage.tables import Ambassador

pytestmark = pytest.mark.both_backends  # conditional UPDATEs under each backend's own locking

NOW = datetime(2026, 11, 18, 10, tzinfo=UTC)


def pending(sessions, browser: str | None = "browser-nonce-0123456789abcdef") -> str:
    """A sign-in started in chat and, when `browser` is given, opened by that browser."""
    with transaction(sessions) as session:
        workspace = ensure_workspace(session=session, platform="slack", external_id="T1")
        state = start_signin(
            session=session,
            workspace_id=workspace.id,
            platform="slack",
            chat_user_id="U1",
            handle="@Ana_X",
            tz="Europe/Paris",
            consent_text="shown",
            now=NOW,
        )
    if browser:
        with transaction(sessions) as session:
            open_signin(session=session, state=state, browser=browser, now=NOW)
    return state


def consume(sessions, state: str, browser: str = "browser-nonce-0123456789abcdef", now=NOW):
    with transaction(sessions) as session:
        return consume_signin(session=session, state=state, browser=browser, now=now)


def reason(call) -> str:
    with pytest.raises(SignInRefused) as refused:
        call()
    return refused.value.reason


def test_a_sign_in_is_used_once_by_the_browser_that_opened_it(sessions):
    state = pending(sessions)
    assert reason(lambda: consume(sessions, state, browser="another-browser-0123456789")) == "other_browser"
    got = consume(sessions, state)
    assert (got.chat_user_id, got.handle, got.timezone, got.consent_text) == (
        "U1",
        "Ana_X",
        "Europe/Paris",
        "shown",
    )
    assert reason(lambda: consume(sessions, state)) == "used_state"
    assert reason(lambda: consume(sessions, "never-made-by-plume-0123456789")) == "unknown_state"


def test_opening_binds_the_first_browser_only(sessions):
    state = pending(sessions, browser=None)
    with transaction(sessions) as session:
        first = open_signin(session=session, state=state, browser="first-browser-0123456789", now=NOW)
    with transaction(sessions) as session:  # the same browser may reload the page
        assert open_signin(session=session, state=state, browser="first-browser-0123456789", now=NOW) == first
    with transaction(sessions) as session:
        late = lambda: open_signin(session=session, state=state, browser="second-browser-012345678", now=NOW)  # noqa: E731
        assert reason(late) == "other_browser"


def test_a_sign_in_expires_after_ten_minutes(sessions):
    state = pending(sessions)
    assert reason(lambda: consume(sessions, state, now=NOW + timedelta(minutes=10))) == "expired_state"
    assert isinstance(consume(sessions, state, now=NOW + timedelta(minutes=9, seconds=59)), PendingSignIn)


def race(sessions, state: str) -> list:
    """Two callbacks of the same sign-in at the same moment, each in its own transaction."""
    barrier, results = threading.Barrier(2), []

    def callback() -> None:
        barrier.wait()
        try:
            results.append(consume(sessions, state))
        except SignInRefused as refused:
            results.append(refused.reason)

    threads = [threading.Thread(target=callback) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_racing_callbacks_use_it_once(sessions):
    for _ in range(5):
        results = race(sessions, pending(sessions))
        assert sorted(type(r).__name__ for r in results) == ["PendingSignIn", "str"], results
        assert "used_state" in results


def test_migration_0007_down_and_up(db_url):
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    pending(sessions)
    with transaction(sessions) as session:
        workspace_id = ensure_workspace(session=session, platform="slack", external_id="T1").id
        person = track(
            session=session,
            workspace_id=workspace_id,
            handle="ana",
            schedule=WorkSchedule(),
            consent_text="yes",
            consent_source="self",
            chat_user_id="U1",
        ).id
    claim_nudge(sessions, person, "burst", "2026-11-17", {}, NOW)
    config = alembic_config(engine)
    command.downgrade(config, "0006")
    names = inspect(engine).get_table_names()
    assert "x_signins" not in names
    assert "x_verified_at" not in {c["name"] for c in inspect(engine).get_columns("ambassadors")}
    command.upgrade(config, "head")
    assert "x_verified_at" in {c["name"] for c in inspect(engine).get_columns("ambassadors")}
    assert "x_signins" in inspect(engine).get_table_names()
    with engine.connect() as conn:  # dropping the column touched no one's data
        assert conn.execute(text("SELECT COUNT(*) FROM nudge_log")).scalar_one() == 1
    engine.dispose()


def test_the_operator_s_track_stays_unverified(cli, tmp_path):
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "LOG_LEVEL": "WARNING",
        "X_CLIENT_ID": "cid",
        "PLUME_PUBLIC_URL": "https://plume.example",
    }
    assert cli(env, "track", "alice").returncode == 0
    engine = make_engine(env["DATABASE_URL"])
    with transaction(make_sessionmaker(engine)) as session:
        (alice,) = session.scalars(select(Ambassador)).all()
        assert (alice.x_verified_at, alice.consent_source) == (None, "operator")
    engine.dispose()
