"""A chat workspace's life: first contact, uninstall (a purge scheduled), reinstall (the purge called
off), and the platform events already handled (platforms retry, Plume acts once)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.services.people.ambassadors import ensure_workspace
from bot.storage.db import transaction
from bot.storage.tables import ProcessedEvent, Workspace


def installed_workspace(*, session: Session, platform: str, external_id: str, name: str = "") -> int:
    """The Plume workspace of a platform's team, created on first contact; hearing from a team that
    uninstalled within the grace period means it is back, so its scheduled purge is called off."""
    workspace = ensure_workspace(session=session, platform=platform, external_id=external_id, name=name)
    if (workspace.settings or {}).get("purge_after"):
        workspace.settings = {k: v for k, v in workspace.settings.items() if k != "purge_after"}
    return workspace.id


def mark_uninstalled(*, session: Session, workspace_id: int, now: datetime) -> None:
    """Schedule the workspace's data purge (retention runs it after the grace period)."""
    workspace = session.get(Workspace, workspace_id)
    workspace.settings = {**(workspace.settings or {}), "purge_after": now.isoformat()}


def first_delivery(sessions: sessionmaker[Session], event_id: str, team_id: str, now: datetime) -> bool:
    """Claim a platform event id; False when it was handled already (the platform retried it)."""
    try:
        with transaction(sessions) as session:
            session.add(ProcessedEvent(event_id=event_id, team_id=team_id, received_at=now))
        return True
    except IntegrityError:
        return False


def already_handled(sessions: sessionmaker[Session], event_id: str) -> bool:
    """Whether an event id was claimed already (by first_delivery), without claiming it."""
    with sessions() as session:
        return session.get(ProcessedEvent, event_id) is not None
