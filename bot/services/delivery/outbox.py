"""The outbox: each effect that must happen once (a digest, a nudge, a recap) is a row whose life is
claimed → sending → sent (with the platform's message id) or failed.

- `claimed`: the unique key is ours; nothing was handed to the platform yet, so it is simply sent.
- `sending`: written (durably, before the call) the moment a message is handed over; a crash leaves
  it there, in doubt. Only such a row is looked up, in one narrow call, where the notifier can; where
  it cannot, the message kind's policy decides (`sending.py`: a nudge or recap is at most once and
  ends `unknown`; a digest is sent again only after the admin who chose the channel is told).
- `sent`: the platform accepted it; `message_ref` holds its id. `failed`: refused for good, reported.

The `sent` marks of a run go in batches (MarkWriter, the decisive fix for 500 workspaces); the
`sending` write cannot wait, so a nudge is claimed straight into `sending` (nothing happens between
its claim and its send), recaps enter it a chunk at a time, and a digest (one per workspace) on its
own. A lost batch of marks leaves rows in `sending`: looked up, or the kind's policy.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.messages.model import Message
from bot.services.delivery.notifiers import DeliveryFailed
from bot.storage.db import transaction
from bot.storage.tables import DigestLog, NudgeLog

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one effect: sent, already_sent, recovered, in_doubt, failed, skipped, deferred."""

    status: str
    ref: str | None = None
    detail: str = ""


REPORTED = "failed before and reported; not retried"
DONE = ("sent", "failed", "unknown")  # statuses never sent again
# Recaps entering `sending` per transaction: a crash leaves at most this many in doubt (looked up one
# narrow call each, or, where the platform cannot look, never sent), for a tenth of the transactions.
RECAP_CHUNK = 10


def digest_key(workspace_id: int, channel: str, week: str) -> str:
    return f"digest:{workspace_id}:{channel}:{week}"


def nudge_key(ambassador_id: int, rule: str, window: str) -> str:
    return f"nudge:{ambassador_id}:{rule}:{window}"


def claim(
    sessions: sessionmaker[Session], model: type, keys: dict, now: datetime, status: str = "claimed", **extra
) -> tuple[object, bool]:
    """The log row under these unique keys, and whether this call created it (False: claimed before)."""
    try:
        with transaction(sessions) as session:
            row = model(**keys, **extra, status=status, claimed_at=now)
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
    500 threads were waiting there rather than sending. A mark lost to a crash leaves its claim in
    `sending` (written before the send): the next run looks it up, or applies the kind's policy."""

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
        except Exception:  # the claims stay in `sending`: looked up, or the kind's policy, next run
            log.exception("could not record sent messages", extra={"fields": {"count": len(items)}})


@contextmanager
def mark_writer(sessions: sessionmaker[Session]) -> Iterator[MarkWriter]:
    """A MarkWriter for the length of a run, its last marks written on the way out."""
    writer = MarkWriter(sessions)
    try:
        yield writer
    finally:
        writer.close()


def begin_sending(sessions: sessionmaker[Session], model: type, row_ids: list[int]) -> set[int]:
    """Record that these claims are being handed to the platform (one UPDATE, before the sends); the
    ids this call moved. Only a claim still `claimed` moves: of two runs that read the same claim, one
    takes it and the other leaves it alone, so it is never handed over twice."""
    if not row_ids:
        return set()
    with transaction(sessions) as session:
        moved = session.scalars(
            update(model)
            .where(model.id.in_(row_ids), model.status == "claimed")
            .values(status="sending")
            .returning(model.id),
            execution_options={"synchronize_session": False},
        )
        return set(moved)


def deliver_once(
    *,
    sessions: sessionmaker[Session],
    model: type,
    row,
    fresh: bool,
    compose: Callable[[], Message],
    send: Callable[[Message], str],
    find: Callable[[datetime], str | None] | None,
    in_doubt: Callable[[], Outcome | None],
    now: datetime,
    started: bool = False,
    marks: MarkWriter | None = None,
) -> Outcome:
    """Send unless already sent. A claim a crash left in `sending` is looked up with `find` (None: the
    platform cannot), else `in_doubt` decides: an Outcome stops, None sends again. `started`: the
    caller wrote `sending` already. With `marks`, the `sent` mark goes in a batch with others."""
    if not fresh and row.status in DONE:
        return _settled(row)
    if not fresh and row.status == "sending":
        decided = _resolve_doubt(sessions, model, row, find, in_doubt, now)
        if decided is not None:
            return decided
        started = True
    message = compose()
    if not started and not begin_sending(sessions, model, [row.id]):
        return Outcome("skipped", detail="another run is handing it over")
    try:
        ref = send(message)
    except DeliveryFailed as exc:
        # The platform answered no: nothing is in doubt. Other errors (a dropped connection) propagate
        # and leave the claim in `sending`.
        mark(sessions, model, row.id, "failed" if exc.permanent else "claimed", None, now)
        return Outcome("failed" if exc.permanent else "deferred", detail=str(exc))
    if marks is None:
        mark(sessions, model, row.id, "sent", ref, now)
    else:
        marks.sent(model, row.id, ref, now)
    return Outcome("sent", ref)


def _settled(row) -> Outcome:
    """The outcome of a claim that is never sent again."""
    if row.status == "sent":
        return Outcome("already_sent", row.message_ref)
    if row.status == "failed":
        return Outcome("failed", detail=REPORTED)
    return Outcome("in_doubt", detail="may have been sent before a crash; not sent again")


def _resolve_doubt(sessions, model, row, find, in_doubt, now: datetime) -> Outcome | None:
    """A claim left in `sending`: recovered if the platform has it; else the kind's policy."""
    if find is None:
        return in_doubt()
    try:
        found = find(row.claimed_at)
    except DeliveryFailed as exc:  # rate-limited beyond patience, or the channel is gone: next run
        return Outcome("deferred", detail=f"look-up failed: {exc}")
    if found:
        mark(sessions, model, row.id, "sent", found, now)
        return Outcome("recovered", found)
    return None


def at_most_once(sessions: sessionmaker[Session], model: type, row_id: int, now: datetime) -> Outcome:
    """The policy of a private message in doubt: never sent twice (a lost DM is the gentle failure)."""
    mark(sessions, model, row_id, "unknown", None, now)
    return Outcome("in_doubt", detail="may have been sent before a crash; not sent again (at most once)")


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
    """Claim one nudge: (person, rule, window), straight into `sending` (it is sent right after: one
    transaction per nudge, not two)."""
    keys = {"ambassador_id": ambassador_id, "rule": rule, "window_key": window}
    return claim(sessions, NudgeLog, keys, now, status="sending", numbers=numbers)
