"""Seeding a workspace of people who all posted during 2026-W46 (delivery tests on any platform)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import count

from bot.schedule import WorkSchedule
from bot.services.people import ambassadors
from bot.sources.records import PostKind, PostRecord
from bot.storage import repositories as repo

MONDAY_W46 = datetime(2026, 11, 9, 10, tzinfo=UTC)
_ids = count(7 * 10**18)


def post(at: datetime, likes: int = 1) -> PostRecord:
    """An original post at `at`."""
    return PostRecord(x_id=next(_ids), created_at=at, kind=PostKind.ORIGINAL, text="hi", likes=likes)


def seed_posting_workspace(
    session,
    *,
    platform: str,
    team: str,
    channel: str,
    people: range,
    handle: Callable[[int], str],
    user: Callable[[int], str],
    admin: str | None = "UADMIN",
) -> int:
    """A workspace whose digest goes to `channel` (chosen by `admin`), with a person for each n of
    `people`, each posting three times on a weekday of 2026-W46 in UTC; its id."""
    ws = ambassadors.ensure_workspace(session=session, platform=platform, external_id=team)
    ws.digest_channel = channel
    ws.settings = {"digest_channel_set_by": admin} if admin else {}
    for n in people:
        amb = ambassadors.track(
            session=session,
            workspace_id=ws.id,
            handle=handle(n),
            schedule=WorkSchedule(tz="UTC"),
            consent_text="yes",
            consent_source="self",
            chat_user_id=user(n),
        )
        day = MONDAY_W46 + timedelta(days=n % 5)
        records = [post(day + timedelta(minutes=m)) for m in range(3)]
        repo.upsert_posts(session=session, x_account_id=amb.x_account_id, records=records, source="api")
    return ws.id
