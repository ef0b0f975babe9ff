"""A chat command's work in a separate process, so the web process only verifies and acks (Slack's
`serve`, Teams' `teams`).

A `/plume me` costs 35-50 ms of pandas CPU; run in the web process it holds the interpreter lock
and slows every other ack (p99 222 ms at 50 concurrent clients). The ack function puts a plain,
picklable job on a queue instead, and a child process answers it (Slack: through the command's
response_url; Teams: a proactive message). One child serves the queue in order, so one person's
commands are answered in the order they were sent.

Fire and forget on purpose: a `ProcessPoolExecutor` returns a future per job, and its manager thread
collecting those results took the web process's interpreter lock so often that a child doing
*nothing* still pushed the ack p99 to 164 ms. A `multiprocessing.Queue` costs the request thread one
append, and one feeder thread does the pickling and the pipe writes.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)
ORPHAN_CHECK_SECONDS = 2.0


JobHandler = Callable[[Any], None]  # runs one job in the child


def _serve_jobs(jobs: Any, log_level: str, handler: JobHandler) -> None:
    """The child's loop: run jobs until the `None` that says stop, or until the web process is gone
    (killed without a chance to say stop: an orphan would wait on its queue forever)."""
    from bot.logs import configure_logging

    configure_logging(log_level)
    os.nice(10)  # acks first: the child yields the CPU to the web process when both want it
    parent = os.getppid()
    while True:
        try:
            job = jobs.get(timeout=ORPHAN_CHECK_SECONDS)
        except queue.Empty:
            if os.getppid() != parent:
                return
            continue
        if job is None:
            return
        try:
            handler(job)
        except Exception:  # one failed answer (say, a dead response_url) must not stop the others
            log.exception("command job failed")


class CommandRunner:
    """One spawned child process (not forked: the web process has threads) fed through a queue.

    A child that died is replaced on the next submit, with a fresh queue: a process killed while
    waiting in `get()` holds the old queue's read lock forever."""

    def __init__(self, handler: JobHandler, log_level: str = "INFO") -> None:
        """`handler` runs one job in the child: a module-level function (it is pickled by name)."""
        self._handler = handler
        self._context = multiprocessing.get_context("spawn")
        self._log_level = log_level
        self._lock = threading.Lock()
        self._jobs: Any = None
        self._child: Any = None

    def submit(self, job: object) -> None:
        """Queue a job (any picklable value its handler knows); returns at once."""
        if self._child is None or not self._child.is_alive():
            self._restart()
        self._jobs.put(job)

    def _restart(self) -> None:
        with self._lock:
            if self._child is not None and self._child.is_alive():
                return
            if self._child is not None:
                exitcode = self._child.exitcode
                log.error("command process died; starting another", extra={"fields": {"exitcode": exitcode}})
                self._jobs.close()
            self._jobs = self._context.Queue()
            self._child = self._context.Process(
                target=_serve_jobs,
                args=(self._jobs, self._log_level, self._handler),
                name="plume-commands",
                daemon=True,
            )
            self._child.start()

    def shutdown(self, timeout: float = 10.0) -> None:
        """Let the child finish what is queued, then stop it."""
        if self._child is None:
            return
        self._jobs.put(None)
        self._child.join(timeout)
        if self._child.is_alive():
            self._child.terminate()
            self._child.join(5)
