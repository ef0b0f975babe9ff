"""Exactly-once delivery of digests and nudges through a platform-neutral notifier.

Each effect is claimed under a unique key in the database before it is sent and marked sent after.
If a process dies between the platform accepting a message and the mark, the claim is still there on
restart: the notifier looks for the message by its key (Slack: message metadata in the channel's
history) and only posts when it is not found.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.errors import PlumeError
from bot.messages.model import Message
from bot.storage.db import transaction
from bot.storage.tables import DigestLog, NudgeLog

log = logging.getLogger(__name__)


class DeliveryFailed(PlumeError):
    """The platform refused the message. `permanent` failures (archived channel, bot not in it) are
    reported once and never retried; the others are retried by the next run."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class Notifier(Protocol):
    """What delivery needs from a chat platform (Slack now, Teams later)."""

    def post(self, *, workspace_id: int, channel: str, message: Message, key: str) -> str: ...

    def direct(self, *, workspace_id: int, user_id: str, message: Message, key: str) -> str: ...

    def find(
        self, *, workspace_id: int, channel: str | None, user_id: str | None, key: str, since: datetime
    ) -> str | None: ...

    def is_calm(self, *, workspace_id: int, user_id: str, now: datetime) -> bool: ...


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one effect: sent, already_sent, recovered, failed, skipped, deferred."""

    status: str
    ref: str | None = None
    detail: str = ""


REPORTED = "failed before and reported; not retried"


def digest_key(workspace_id: int, channel: str, week: str) -> str:
    return f"digest:{workspace_id}:{channel}:{week}"


def nudge_key(ambassador_id: int, rule: str, window: str) -> str:
    return f"nudge:{ambassador_id}:{rule}:{window}"


def claim(
    sessions: sessionmaker[Session], model: type, keys: dict, now: datetime, **extra
) -> tuple[object, bool]:
    """The log row under these unique keys, and whether this call created it (False: claimed before)."""
    try:
        with transaction(sessions) as session:
            row = model(**keys, **extra, status="claimed", claimed_at=now)
            session.add(row)
        return row, True
    except IntegrityError:
        with transaction(sessions) as session:
            stmt = select(model).where(*(getattr(model, k) == v for k, v in keys.items()))
            return session.scalars(stmt).one(), False


def claim_digest(sessions: sessionmaker[Session], workspace_id: int, channel: str, week: str, now: datetime):
    """Claim one digest: (workspace, channel, week)."""
    return claim(sessions, DigestLog, {"workspace_id": workspace_id, "channel": channel, "week": week}, now)


def mark(
    sessions: sessionmaker[Session], model: type, row_id: int, status: str, ref: str | None, now: datetime
) -> None:
    """Record the result of a send: one UPDATE by id (no read first: one runs after every message)."""
    values = {"status": status, "message_ref": ref, **({"sent_at": now} if status == "sent" else {})}
    with transaction(sessions) as session:
        # No ORM session synchronization: no object of this row lives in this fresh session, and
        # evaluating one for every message was most of the mark's cost.
        session.execute(
            update(model).where(model.id == row_id).values(**values),
            execution_options={"synchronize_session": False},
        )


class MarkWriter:
    """Marks of sent messages, written a batch per transaction by one thread.

    At thousands of messages a minute, a transaction per message kept the sending threads queueing for
    a database connection (on SQLite, for its one write lock too): at one point of a weekly run, 400 of
    500 threads were waiting there rather than sending. A mark lost to a crash does not make a message
    go twice: its claim stays, and the next run finds the message by its key before sending."""

    BATCH = 500

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._queue: queue.SimpleQueue[tuple[type, int, str, datetime] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="plume-marks", daemon=True)
        self._thread.start()

    def sent(self, model: type, row_id: int, ref: str, now: datetime) -> None:
        """Record, soon, that the claim `row_id` of `model` was sent as message `ref`."""
        self._queue.put((model, row_id, ref, now))

    def close(self) -> None:
        """Write what is queued, then stop."""
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        while True:
            items = [self._queue.get()]
            while len(items) < self.BATCH:
                try:
                    items.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._write([item for item in items if item is not None])
            if None in items:
                return

    def _write(self, items: list[tuple[type, int, str, datetime]]) -> None:
        by_model: dict[type, list[dict]] = {}
        for model, row_id, ref, now in items:
            by_model.setdefault(model, []).append(
                {"id": row_id, "status": "sent", "message_ref": ref, "sent_at": now}
            )
        try:
            with transaction(self._sessions) as session:
                for model, rows in by_model.items():
                    session.execute(update(model), rows)  # an UPDATE by primary key for each row
        except Exception:  # the claims stay: the next run finds these messages by their keys
            log.exception("could not record sent messages", extra={"fields": {"count": len(items)}})


@contextmanager
def mark_writer(sessions: sessionmaker[Session]) -> Iterator[MarkWriter]:
    """A MarkWriter for the length of a run, its last marks written on the way out."""
    writer = MarkWriter(sessions)
    try:
        yield writer
    finally:
        writer.close()


def deliver_once(
    *,
    sessions: sessionmaker[Session],
    model: type,
    row,
    fresh: bool,
    send,
    find,
    now: datetime,
    marks: MarkWriter | None = None,
) -> Outcome:
    """Send unless already sent; after a crash, find the message before sending again. With `marks`,
    the mark of a sent message is written in a batch with others."""
    if not fresh and row.status == "sent":
        return Outcome("already_sent", row.message_ref)
    if not fresh and row.status == "failed":
        return Outcome("failed", detail=REPORTED)
    if not fresh:
        found = find(row.claimed_at)
        if found:
            mark(sessions, model, row.id, "sent", found, now)
            return Outcome("recovered", found)
    try:
        ref = send()
    except DeliveryFailed as exc:
        if exc.permanent:
            mark(sessions, model, row.id, "failed", None, now)
            return Outcome("failed", detail=str(exc))
        return Outcome("deferred", detail=str(exc))
    if marks is None:
        mark(sessions, model, row.id, "sent", ref, now)
    else:
        marks.sent(model, row.id, ref, now)
    return Outcome("sent", ref)


def claim_recaps(
    sessions: sessionmaker[Session], ambassador_ids: list[int], week: str, now: datetime
) -> list[tuple[NudgeLog, bool]]:
    """Claim the recaps of `week` for these people in one transaction (one commit for a whole
    workspace, not one each: at 10,000 recaps the commits were what kept everyone waiting);
    (row, created by this call) per person, in the order given."""
    if not ambassador_ids:
        return []
    with transaction(sessions) as session:
        insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
        stmt = (
            insert(NudgeLog)
            .values(
                [
                    {
                        "ambassador_id": pid,
                        "rule": "recap",
                        "window_key": week,
                        "numbers": {},
                        "status": "claimed",
                        "claimed_at": now,
                    }
                    for pid in ambassador_ids
                ]
            )
            .on_conflict_do_nothing(index_elements=["ambassador_id", "rule", "window_key"])
            .returning(NudgeLog.id)
        )
        fresh = set(session.scalars(stmt))
        rows = session.scalars(
            select(NudgeLog).where(
                NudgeLog.ambassador_id.in_(ambassador_ids),
                NudgeLog.rule == "recap",
                NudgeLog.window_key == week,
            )
        )
        by_person = {row.ambassador_id: row for row in rows}
    return [(by_person[pid], by_person[pid].id in fresh) for pid in ambassador_ids]


def claim_nudge(
    sessions: sessionmaker[Session], ambassador_id: int, rule: str, window: str, numbers: dict, now: datetime
):
    """Claim one nudge (or recap): (person, rule, window)."""
    keys = {"ambassador_id": ambassador_id, "rule": rule, "window_key": window}
    return claim(sessions, NudgeLog, keys, now, numbers=numbers)
