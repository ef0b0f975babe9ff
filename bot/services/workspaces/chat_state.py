"""What a chat platform needs remembered about a workspace (e.g. Teams' service URL) and about a
person (their private conversation with the bot, where one must be created before it can be used)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage.tables import ChatConversation, Workspace


def platform_state(*, session: Session, workspace_id: int) -> dict[str, Any]:
    """The workspace's state under its own platform's key (empty when nothing is remembered)."""
    workspace = session.get(Workspace, workspace_id)
    if workspace is None:
        return {}
    return dict((workspace.chat_state or {}).get(workspace.platform, {}))


def update_platform_state(*, session: Session, workspace_id: int, **values: Any) -> None:
    """Merge `values` into the workspace's state under its platform's key (a new dict: JSON columns
    are saved when reassigned, not when mutated in place)."""
    workspace = session.get(Workspace, workspace_id)
    state = dict(workspace.chat_state or {})
    state[workspace.platform] = {**state.get(workspace.platform, {}), **values}
    workspace.chat_state = state


def remember_conversation(
    *, session: Session, workspace_id: int, user_id: str, conversation_id: str, now: datetime
) -> None:
    """Record (or replace) the person's private conversation with the bot."""
    row = session.get(ChatConversation, (workspace_id, user_id))
    if row is None:
        session.add(
            ChatConversation(
                workspace_id=workspace_id, user_id=user_id, conversation_id=conversation_id, updated_at=now
            )
        )
    elif row.conversation_id != conversation_id:
        row.conversation_id, row.updated_at = conversation_id, now


def conversation_of(*, session: Session, workspace_id: int, user_id: str) -> str | None:
    """The person's private conversation with the bot, if one is known."""
    return session.scalar(
        select(ChatConversation.conversation_id).where(
            ChatConversation.workspace_id == workspace_id, ChatConversation.user_id == user_id
        )
    )
