"""The Deferrer's contract, with a stand-in queue that can be down: in order, exactly once, never
dropped, given up after its time (the person told), and never in the submitting thread's way."""

from __future__ import annotations

import logging
import threading
import time

from bot.jobs.deferral import Deferrer


class Queue:
    """A job queue that refuses while `down` (as a database that does not answer)."""

    def __init__(self) -> None:
        self.down = False
        self.jobs: list[str] = []
        self.attempts = 0

    def defer(self, job: str) -> None:
        self.attempts += 1
        if self.down:
            raise ConnectionRefusedError("database unreachable")
        self.jobs.append(job)


def until(condition, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_jobs_are_deferred_in_order_exactly_once():
    queue, gave_up = Queue(), []
    deferrer = Deferrer(queue.defer, gave_up.append, retry_seconds=0.05)
    for n in range(50):
        deferrer.submit(f"job{n}")
    until(lambda: len(queue.jobs) == 50)
    deferrer.shutdown()
    assert queue.jobs == [f"job{n}" for n in range(50)] and gave_up == []


def test_a_down_queue_buffers_then_defers_each_job_once_in_order(caplog):
    queue, gave_up = Queue(), []
    queue.down = True
    deferrer = Deferrer(queue.defer, gave_up.append, retry_seconds=0.05)
    with caplog.at_level(logging.INFO, logger="bot.jobs.deferral"):
        for name in ("join", "me", "hours"):
            deferrer.submit(name)
        until(lambda: queue.attempts >= 3)  # retried, not given up
        assert deferrer.buffered == 3 and queue.jobs == []
        queue.down = False
        until(lambda: deferrer.buffered == 0)
        deferrer.shutdown()
    assert queue.jobs == ["join", "me", "hours"] and gave_up == []
    messages = [r.getMessage() for r in caplog.records]
    assert messages.count("command deferral failed: buffering") == 1  # once per outage, not per try
    assert messages.count("command deferral resumed") == 1


def test_after_the_give_up_time_the_person_is_told_once_and_the_job_is_not_deferred(caplog):
    queue, gave_up = Queue(), []
    queue.down = True
    now = [1000.0]
    deferrer = Deferrer(
        queue.defer, gave_up.append, retry_seconds=0.02, give_up_seconds=60, clock=lambda: now[0]
    )
    with caplog.at_level(logging.ERROR, logger="bot.jobs.deferral"):
        deferrer.submit("old")
        now[0] += 30
        deferrer.submit("young")
        until(lambda: queue.attempts >= 2)
        assert gave_up == []
        now[0] += 31  # "old" is 61 s old, "young" 31 s
        until(lambda: gave_up == ["old"])
        queue.down = False
        until(lambda: queue.jobs == ["young"])
        deferrer.shutdown()
    assert gave_up == ["old"]
    lines = [r for r in caplog.records if r.getMessage() == "command given up"]
    assert len(lines) == 1 and lines[0].fields == {"kind": "str", "reason": "timeout", "waited_s": 61.0}


def test_shutdown_gives_up_on_what_is_still_buffered():
    queue, gave_up = Queue(), []
    queue.down = True
    deferrer = Deferrer(queue.defer, gave_up.append, retry_seconds=0.02)
    deferrer.submit("a")
    deferrer.submit("b")
    until(lambda: queue.attempts >= 1)
    deferrer.shutdown(timeout=2)
    assert gave_up == ["a", "b"] and queue.jobs == []


def test_a_failing_give_up_is_logged_and_the_next_one_still_runs(caplog):
    queue, told = Queue(), []
    queue.down = True

    def give_up(job: str) -> None:
        if job == "a":
            raise OSError("response_url unreachable")
        told.append(job)

    deferrer = Deferrer(queue.defer, give_up, retry_seconds=0.02)
    deferrer.submit("a")
    deferrer.submit("b")
    with caplog.at_level(logging.ERROR, logger="bot.jobs.deferral"):
        deferrer.shutdown(timeout=1)
    assert told == ["b"]
    assert "telling the person to try again failed" in [r.getMessage() for r in caplog.records]


def test_submit_never_waits_for_a_slow_queue():
    release = threading.Event()
    deferrer = Deferrer(lambda job: release.wait(5), lambda job: None)
    deferrer.submit("first")  # the deferring thread now hangs on the "database"
    started = time.perf_counter()
    for n in range(1000):
        deferrer.submit(n)
    elapsed = time.perf_counter() - started
    release.set()
    deferrer.shutdown()
    assert elapsed < 0.5  # 1000 hand-overs while the queue hangs: each is an append


def test_a_job_the_queue_refuses_is_given_up_at_once_and_the_others_go_on(caplog):
    deferred, gave_up = [], []

    def defer(job: str) -> None:
        if job == "poison":
            raise TypeError("not JSON serialisable")
        deferred.append(job)

    deferrer = Deferrer(
        defer, gave_up.append, retry_seconds=60, retryable=lambda exc: not isinstance(exc, TypeError)
    )
    with caplog.at_level(logging.ERROR, logger="bot.jobs.deferral"):
        for job in ("a", "poison", "b"):
            deferrer.submit(job)
        until(lambda: deferred == ["a", "b"])  # not 60 s behind the poison
        deferrer.shutdown()
    assert gave_up == ["poison"]
    assert [r.getMessage() for r in caplog.records].count("command refused by the job queue") == 1


def test_only_an_unreachable_database_is_worth_retrying():
    import psycopg
    from procrastinate.exceptions import ConnectorException

    from bot.jobs.command_tasks import database_unreachable

    def wrapped(cause: Exception) -> ConnectorException:
        try:
            raise ConnectorException() from cause
        except ConnectorException as exc:
            return exc

    assert database_unreachable(wrapped(psycopg.OperationalError("server closed the connection")))
    assert database_unreachable(wrapped(psycopg.errors.AdminShutdown("terminating connection")))
    assert database_unreachable(ConnectionRefusedError())
    assert not database_unreachable(wrapped(psycopg.errors.InvalidTextRepresentation("bad json")))
    assert not database_unreachable(TypeError("not JSON serialisable"))
