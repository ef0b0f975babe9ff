"""Opt-in, schedule and removal of ambassadors. Everything is scoped by workspace."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import InvalidInput, NotFound, PlumeError
from bot.schedule import WorkSchedule
from bot.storage import repositories as repo
from bot.storage.tables import Ambassador, Workspace, XAccount

Clock = Callable[[], datetime]
_HANDLE = re.compile(r"^[A-Za-z0-9_]{1,15}$")
LOCAL_PLATFORM, LOCAL_TEAM = "cli", "local"
OPERATOR_CONSENT = (
    "Operator-asserted consent (python -m bot track): @{handle} agreed that Plume reads their public "
    "posts and public metrics on X to compute figures that only they see, and program totals that "
    "are withheld below the minimum group size. They can leave at any time; leaving deletes their data."
)


def utc_now() -> datetime:
    """The real clock."""
    return datetime.now(UTC)


def normalize_handle(handle: str) -> str:
    """`@Alice_B` -> `Alice_B`, or a clear error for anything that is not an X handle."""
    cleaned = (handle or "").strip().removeprefix("@")
    if not _HANDLE.match(cleaned):
        raise InvalidInput(f"'{handle}' is not an X handle (1-15 letters, digits or _).")
    return cleaned


def ensure_workspace(
    *, session: Session, platform: str, external_id: str, name: str = "", now: Clock = utc_now
) -> Workspace:
    """The workspace of a chat team, created on first sight."""
    workspace = repo.get_workspace(session=session, platform=platform, external_id=external_id)
    if workspace is None:
        workspace = Workspace(
            platform=platform, external_id=external_id, name=name, settings={}, created_at=now()
        )
        session.add(workspace)
        session.flush()
    return workspace


def local_workspace(*, session: Session, now: Clock = utc_now) -> Workspace:
    """The workspace of operator-tracked people (no chat platform)."""
    return ensure_workspace(
        session=session, platform=LOCAL_PLATFORM, external_id=LOCAL_TEAM, name="Operator", now=now
    )


def get_by_handle(*, session: Session, workspace_id: int, handle: str) -> Ambassador:
    """The ambassador tracking this X handle in this workspace, or NotFound."""
    name = normalize_handle(handle)
    stmt = (
        select(Ambassador)
        .join(XAccount, Ambassador.x_account_id == XAccount.id)
        .where(Ambassador.workspace_id == workspace_id, XAccount.handle_key == name.lower())
    )
    ambassador = session.scalars(stmt).one_or_none()
    if ambassador is None:
        raise not_tracked(name)
    return ambassador


def not_tracked(name: str) -> NotFound:
    """The error for a handle nobody tracks, with the way to track it."""
    return NotFound(f"@{name} is not tracked here. Track them first: python -m bot track {name}")


def tracking_workspaces(*, session: Session, handle: str) -> list[tuple[Ambassador, Workspace]]:
    """Every workspace tracking this X handle (any platform, the operator's local one included), with
    its ambassador row, by workspace external id."""
    name = normalize_handle(handle)
    stmt = (
        select(Ambassador, Workspace)
        .join(XAccount, Ambassador.x_account_id == XAccount.id)
        .join(Workspace, Ambassador.workspace_id == Workspace.id)
        .where(XAccount.handle_key == name.lower())
        .order_by(Workspace.external_id, Workspace.platform)
    )
    return [(ambassador, workspace) for ambassador, workspace in session.execute(stmt)]


def workspace_ids(*, session: Session) -> list[str]:
    """The external ids of every workspace (`local` for the operator's), sorted."""
    return sorted(set(session.scalars(select(Workspace.external_id))))


def track(
    *,
    session: Session,
    workspace_id: int,
    handle: str,
    schedule: WorkSchedule,
    consent_text: str,
    consent_source: str,
    chat_user_id: str | None = None,
    now: Clock = utc_now,
) -> Ambassador:
    """Opt a person in, recording their consent; re-tracking updates the schedule and keeps the data."""
    name = normalize_handle(handle)
    account = repo.get_account_by_handle(session=session, handle_key=name.lower())
    if account is None:
        account = XAccount(handle=name, handle_key=name.lower(), status="active", created_at=now())
        session.add(account)
        session.flush()
    stmt = select(Ambassador).where(
        Ambassador.workspace_id == workspace_id, Ambassador.x_account_id == account.id
    )
    ambassador = session.scalars(stmt).one_or_none()
    if ambassador is None:
        ambassador = Ambassador(
            workspace_id=workspace_id,
            x_account_id=account.id,
            created_at=now(),
            consent_at=now(),
            consent_text=consent_text,
            consent_source=consent_source,
            topics=[],
            nudge_overrides={},
        )
        session.add(ambassador)
    ambassador.chat_user_id = chat_user_id or ambassador.chat_user_id
    apply_schedule(ambassador, schedule)
    session.flush()
    return ambassador


def apply_schedule(ambassador: Ambassador, schedule: WorkSchedule) -> None:
    """Copy a schedule onto a stored ambassador."""
    ambassador.timezone = schedule.tz
    ambassador.work_start = schedule.start_minute
    ambassador.work_end = schedule.end_minute
    ambassador.work_days = list(schedule.days)
    ambassador.country = schedule.country
    ambassador.topics = list(schedule.topics)


def schedule_of(ambassador: Ambassador) -> WorkSchedule:
    """The stored schedule of an ambassador."""
    return WorkSchedule(
        tz=ambassador.timezone,
        start_minute=ambassador.work_start,
        end_minute=ambassador.work_end,
        days=tuple(ambassador.work_days),
        country=ambassador.country,
        topics=tuple(ambassador.topics),
    )


def untrack(*, session: Session, workspace_id: int, handle: str) -> str:
    """Remove a person and all that is stored about them (their posts too, unless tracked elsewhere)."""
    ambassador = get_by_handle(session=session, workspace_id=workspace_id, handle=handle)
    account_id, name = ambassador.x_account_id, ambassador.x_account.handle
    session.delete(ambassador)
    session.flush()
    if repo.count_ambassadors_of_account(session=session, x_account_id=account_id) == 0:
        repo.delete_account_data(session=session, x_account_id=account_id)
    return name


def require_tracked_account(*, session: Session, workspace_id: int, handle: str) -> XAccount:
    """The X account of a tracked person; importing posts for someone who never opted in is refused."""
    ambassador = get_by_handle(session=session, workspace_id=workspace_id, handle=handle)
    if ambassador.x_account is None:
        raise PlumeError(f"@{handle} has no X account on record.")
    return ambassador.x_account
