"""What a person does for themselves from chat: join, leave, schedule, nudges, topics, export.

Every function is scoped by workspace and chat user: nobody reaches another person's data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import InvalidInput, NotFound
from bot.messages.text import hint, text
from bot.schedule import WorkSchedule, parse_topics
from bot.services.people.ambassadors import (
    apply_schedule,
    normalize_handle,
    schedule_of,
    track,
    untrack,
    utc_now,
)
from bot.storage.tables import Ambassador, NudgeLog, XAccount

MAX_TOPICS = 20


def me(*, session: Session, workspace_id: int, chat_user_id: str) -> Ambassador:
    """The caller's own ambassador record, or a NotFound that says how to join."""
    stmt = select(Ambassador).where(
        Ambassador.workspace_id == workspace_id, Ambassador.chat_user_id == chat_user_id
    )
    ambassador = session.scalars(stmt).first()
    if ambassador is None:
        raise NotFound(text("You haven't joined yet. Join with ", hint("join @your_x_handle"), "."))
    return ambassador


def _current(session: Session, workspace_id: int, chat_user_id: str) -> Ambassador | None:
    return session.scalars(
        select(Ambassador).where(
            Ambassador.workspace_id == workspace_id, Ambassador.chat_user_id == chat_user_id
        )
    ).first()


def is_member(*, session: Session, workspace_id: int, chat_user_id: str) -> bool:
    """Whether the caller has joined in this workspace."""
    return _current(session, workspace_id, chat_user_id) is not None


def check_can_switch_to(*, session: Session, workspace_id: int, chat_user_id: str, handle: str) -> str:
    """The normalised handle, unless the caller already tracks another account (leave first)."""
    name = normalize_handle(handle)
    current = _current(session, workspace_id, chat_user_id)
    if current is not None and current.x_account.handle_key != name.lower():
        tracked = current.x_account.handle
        raise InvalidInput(text(f"You already track @{tracked}. ", hint("leave"), " first to switch."))
    return name


def join(
    *,
    session: Session,
    workspace_id: int,
    chat_user_id: str,
    handle: str,
    tz: str,
    consent_text: str,
    now: datetime | None = None,
) -> Ambassador:
    """Opt the caller in under their own consent, with the exact wording they were shown."""
    name = check_can_switch_to(
        session=session, workspace_id=workspace_id, chat_user_id=chat_user_id, handle=handle
    )
    current = _current(session, workspace_id, chat_user_id)
    # Another chat person tracking this handle, in any workspace, means it is not yours to claim: a
    # second claim would show their figures and archive to you. (With Sign in with X set up, joins go
    # through bot.services.people.x_signin instead, where the proof decides; operator-tracked rows, with
    # no chat person, do not block.)
    taken = session.scalars(
        select(Ambassador)
        .join(XAccount, Ambassador.x_account_id == XAccount.id)
        .where(XAccount.handle_key == name.lower(), Ambassador.chat_user_id.is_not(None))
        .where((Ambassador.workspace_id != workspace_id) | (Ambassador.chat_user_id != chat_user_id))
    ).first()
    if taken is not None:
        raise InvalidInput(
            f"@{name} is already tracked for someone else. Ask a program admin if it is yours."
        )
    schedule = schedule_of(current) if current else WorkSchedule(tz=tz)
    return track(
        session=session,
        workspace_id=workspace_id,
        handle=name,
        schedule=schedule,
        consent_text=consent_text,
        consent_source="self",
        chat_user_id=chat_user_id,
        now=(lambda: now) if now else utc_now,
    )


def leave(*, session: Session, workspace_id: int, chat_user_id: str) -> str:
    """Stop tracking the caller and delete their data; returns the handle."""
    ambassador = me(session=session, workspace_id=workspace_id, chat_user_id=chat_user_id)
    return untrack(session=session, workspace_id=workspace_id, handle=ambassador.x_account.handle)


def set_hours(
    *,
    session: Session,
    workspace_id: int,
    chat_user_id: str,
    start: int,
    end: int,
    days: Sequence[int] | None,
    tz: str | None,
) -> WorkSchedule:
    """Change the caller's work schedule; days and zone stay as they were when not given."""
    ambassador = me(session=session, workspace_id=workspace_id, chat_user_id=chat_user_id)
    current = schedule_of(ambassador)
    schedule = replace(
        current, start_minute=start, end_minute=end, days=tuple(days or current.days), tz=tz or current.tz
    )
    apply_schedule(ambassador, schedule)
    return schedule


def set_nudges(
    *,
    session: Session,
    workspace_id: int,
    chat_user_id: str,
    action: str,
    days: int | None = None,
    now: datetime | None = None,
) -> Ambassador:
    """Turn nudges on or off, or snooze them for `days`."""
    ambassador = me(session=session, workspace_id=workspace_id, chat_user_id=chat_user_id)
    if action == "on":
        ambassador.nudges_enabled, ambassador.nudges_snoozed_until = True, None
    elif action == "off":
        ambassador.nudges_enabled = False
    elif action == "snooze":
        ambassador.nudges_snoozed_until = (now or utc_now()) + timedelta(days=days or 7)
    return ambassador


def replace_home_file(*, session: Session, workspace_id: int, chat_user_id: str, file_id: str) -> str | None:
    """Remember the chat file now on the caller's Home; returns the file no longer shown, to delete.

    That is the previous one, or `file_id` itself when the caller left while their Home was being built.
    The row is locked so two Home opens at once each hand back a different file (PostgreSQL; SQLite
    serialises writers anyway).
    """
    stmt = select(Ambassador).where(
        Ambassador.workspace_id == workspace_id, Ambassador.chat_user_id == chat_user_id
    )
    ambassador = session.scalars(stmt.with_for_update()).first()
    if ambassador is None:
        return file_id
    platform = ambassador.workspace.platform
    previous = ambassador.home_file_id
    state = dict(ambassador.chat_state or {})
    # A new dict, not an edit in place: the JSON column notices reassignment only.
    state[platform] = {**state.get(platform, {}), "home_file_id": file_id}
    ambassador.chat_state = state
    return previous


def nudge_history(
    *, session: Session, workspace_id: int, chat_user_id: str, limit: int = 10
) -> list[NudgeLog]:
    """The caller's most recent nudges, newest first."""
    ambassador = me(session=session, workspace_id=workspace_id, chat_user_id=chat_user_id)
    stmt = (
        select(NudgeLog)
        .where(NudgeLog.ambassador_id == ambassador.id)
        .order_by(NudgeLog.claimed_at.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def change_topics(
    *, session: Session, workspace_id: int, chat_user_id: str, action: str, topics: Sequence[str]
) -> tuple[str, ...]:
    """Add, remove or list the caller's declared topics; returns the list after the change."""
    ambassador = me(session=session, workspace_id=workspace_id, chat_user_id=chat_user_id)
    current = list(ambassador.topics or [])
    if action == "add":
        current = list(parse_topics(",".join([*current, *topics])))
        if len(current) > MAX_TOPICS:
            raise InvalidInput(f"At most {MAX_TOPICS} topics; remove some first.")
    elif action == "remove":
        drop = {t.casefold() for t in topics}
        current = [t for t in current if t.casefold() not in drop]
    ambassador.topics = current
    return tuple(current)


def set_preference(*, session: Session, workspace_id: int, chat_user_id: str, name: str, on: bool) -> None:
    """Switch highlights or the weekly recap for the caller."""
    ambassador = me(session=session, workspace_id=workspace_id, chat_user_id=chat_user_id)
    if name not in ("highlights_allowed", "recap_enabled"):
        raise KeyError(name)
    setattr(ambassador, name, on)


NOT_USEFUL_SNOOZE = timedelta(days=14)
THRESHOLD_STEP = 1.5


def nudge_feedback(
    *, session: Session, workspace_id: int, chat_user_id: str, nudge_ref: str, feedback: str, now: datetime
) -> str:
    """Record a nudge button: thanks, snooze a week, not useful, turn off. Returns what changed.

    Two "Not useful" in a row snooze nudges for two weeks and raise this person's thresholds by half.
    The button's nudge must be the caller's own: a forged value changes nothing.
    """
    ambassador = me(session=session, workspace_id=workspace_id, chat_user_id=chat_user_id)
    amb_id, _, window = nudge_ref.partition(":")
    rule, _, window = window.partition(":")
    if amb_id != str(ambassador.id):
        raise InvalidInput("That nudge isn't yours.")
    entry = session.scalars(
        select(NudgeLog).where(
            NudgeLog.ambassador_id == ambassador.id, NudgeLog.rule == rule, NudgeLog.window_key == window
        )
    ).first()
    if entry is None:
        raise NotFound("That nudge is no longer on record.")
    previous = session.scalars(
        select(NudgeLog)
        .where(
            NudgeLog.ambassador_id == ambassador.id,
            NudgeLog.rule != "recap",
            NudgeLog.claimed_at < entry.claimed_at,
        )
        .order_by(NudgeLog.claimed_at.desc())
    ).first()
    entry.feedback = feedback
    if feedback == "snooze":
        ambassador.nudges_snoozed_until = now + timedelta(days=7)
        return "snoozed for a week"
    if feedback == "off":
        ambassador.nudges_enabled = False
        return "nudges off"
    if feedback == "not_useful" and previous is not None and previous.feedback == "not_useful":
        ambassador.nudges_snoozed_until = now + NOT_USEFUL_SNOOZE
        factor = float((ambassador.nudge_overrides or {}).get("threshold_factor", 1.0)) * THRESHOLD_STEP
        ambassador.nudge_overrides = {
            **(ambassador.nudge_overrides or {}),
            "threshold_factor": round(factor, 3),
        }
        return "snoozed for two weeks, thresholds raised"
    return "noted"
