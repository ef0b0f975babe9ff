"""A web process's hand-off of chat commands to the job queue, which never blocks an ack and never
drops a command: `Deferrer.submit` appends to an in-memory buffer and returns; one daemon thread
defers each job in the order it came (procrastinate: one INSERT), and while the database is
unreachable it keeps the buffer and tries again every few seconds. A job that still cannot be
deferred after `give_up_seconds` goes to `give_up(job)`, which tells the person to try again through
a path that needs no database (Slack: the command's response_url; Teams: the Bot Connector).

The buffer is in memory on purpose: what is down is the database, the only shared store there is.
So a web process killed while commands are buffered loses them (a SIGTERM first gives them up, and
their people are told); the window is the outage's length, and only for commands acked during it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from bot.messages.model import Message
from bot.messages.replies import notice

log = logging.getLogger(__name__)
J = TypeVar("J")
RETRY_SECONDS = 3.0
GIVE_UP_SECONDS = 20 * 60.0
TRY_AGAIN_LATER = (
    "Plume could not take your request just now (its database was unreachable), so nothing was done. "
    "Please try again."
)


class Handover(Protocol):
    """Where a web process hands a command's work: the in-process child (bot.jobs.child) or a Deferrer."""

    def submit(self, job: Any) -> None: ...

    def shutdown(self, timeout: float = 10.0) -> None: ...


def try_again_message() -> Message:
    """What a person hears when their command was given up on."""
    return notice("Plume", TRY_AGAIN_LATER, kind="error")


@dataclass(frozen=True, slots=True)
class _Held(Generic[J]):
    job: J
    since: float  # the clock's reading when it was submitted


class Deferrer(Generic[J]):
    """Defers jobs in submission order from one daemon thread; buffers them while `defer` fails."""

    def __init__(
        self,
        defer: Callable[[J], object],
        give_up: Callable[[J], None],
        *,
        retry_seconds: float = RETRY_SECONDS,
        give_up_seconds: float = GIVE_UP_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        retryable: Callable[[Exception], bool] = lambda exc: True,
    ) -> None:
        """`defer(job)` enqueues one job (raises when it cannot); `give_up(job)` tells its person.
        An error `retryable` says no to (the queue refused this job, not "unreachable") gives the job
        up at once: retried, it would hold every command behind it for the whole give-up time."""
        self._defer, self._give_up, self._retryable = defer, give_up, retryable
        self.retry_seconds, self.give_up_seconds, self._clock = retry_seconds, give_up_seconds, clock
        self._pending: deque[_Held[J]] = deque()
        self._wake = threading.Condition()
        self._stopping = False
        self._failing = False  # the database was unreachable at the last attempt
        self._in_flight: _Held[J] | None = None  # being deferred now, still first in the buffer
        self._thread = threading.Thread(target=self._run, name="plume-deferrer", daemon=True)
        self._thread.start()

    @property
    def buffered(self) -> int:
        """How many jobs wait to be deferred."""
        with self._wake:
            return len(self._pending)

    def submit(self, job: J) -> None:
        """Hand a job over; returns at once (the request thread never waits on the database)."""
        with self._wake:
            self._pending.append(_Held(job, self._clock()))
            self._wake.notify()

    def shutdown(self, timeout: float = 10.0) -> None:
        """Defer what can be within `timeout`, then give up on the rest (their people are told)."""
        with self._wake:
            self._stopping = True
            self._wake.notify()
        self._thread.join(timeout)
        with self._wake:
            left = [held for held in self._pending if held is not self._in_flight]
            self._pending = deque(held for held in self._pending if held is self._in_flight)
        if self._pending:  # the thread is still waiting on the database for it: its outcome is unknown
            kind = _kind(self._pending[0])
            log.error("command left in flight at shutdown", extra={"fields": {"kind": kind}})
        for held in left:
            self._abandon(held, "shutdown")

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._pending and not self._stopping:
                    self._wake.wait()
                if self._stopping and not self._pending:
                    return
            if not self._drain():
                if self._stopping:
                    return  # shutdown() gives up on what is left
                self._pause()

    def _pause(self) -> None:
        """Wait `retry_seconds` after a failure (new submissions do not cut it short; a stop does)."""
        until = time.monotonic() + self.retry_seconds
        with self._wake:
            while not self._stopping and (left := until - time.monotonic()) > 0:
                self._wake.wait(left)

    def _drain(self) -> bool:
        """Defer the buffer's jobs in order; False when the database refused one (it stays first)."""
        while True:
            self._expire()
            with self._wake:
                if not self._pending:
                    return True
                held = self._in_flight = self._pending[0]
            try:
                self._defer(held.job)
            except Exception as exc:  # unreachable, timed out, restarting: all the same to a buffer
                self._in_flight = None
                if not self._retryable(exc):
                    self._refused(held, exc)
                    continue
                if not self._failing:
                    log.warning(
                        "command deferral failed: buffering",
                        extra={"fields": {"error": type(exc).__name__, "buffered": self.buffered}},
                    )
                self._failing = True
                return False
            with self._wake:
                if self._pending and self._pending[0] is held:  # shutdown() may have emptied the buffer
                    self._pending.popleft()
                self._in_flight = None
            if self._failing:
                self._failing = False
                log.info("command deferral resumed", extra={"fields": {"buffered": self.buffered}})

    def _refused(self, held: _Held[J], exc: Exception) -> None:
        with self._wake:
            if self._pending and self._pending[0] is held:
                self._pending.popleft()
        log.error("command refused by the job queue", extra={"fields": {"error": type(exc).__name__}})
        self._abandon(held, "refused")

    def _expire(self) -> None:
        """Give up on jobs older than `give_up_seconds` (the oldest are first)."""
        now = self._clock()
        while True:
            with self._wake:
                if not self._pending or now - self._pending[0].since < self.give_up_seconds:
                    return
                held = self._pending.popleft()
            self._abandon(held, "timeout")

    def _abandon(self, held: _Held[J], reason: str) -> None:
        """Tell the job's person to try again; one log line, with no personal text."""
        log.error(
            "command given up",
            extra={
                "fields": {
                    "kind": _kind(held),
                    "reason": reason,
                    "waited_s": round(self._clock() - held.since, 1),
                }
            },
        )
        try:
            self._give_up(held.job)
        except Exception as exc:  # the person could not be told either: said in the log, once
            failure = {"error": type(exc).__name__}
            log.error("telling the person to try again failed", extra={"fields": failure})


def _kind(held: _Held) -> str:
    return type(held.job).__name__
