"""Running one job per workspace side by side, with the CPU work beside them in other processes.

Slack's rate limits are per workspace (and per channel), so a weekly run over 500 workspaces can wait
on 500 limits at once instead of one after another: each workspace gets a thread, which mostly sleeps
on `Retry-After`. The metrics passes (pandas, about 0.8 s a batch of 50 workspaces) and the charts
(matplotlib, about 0.3 s a digest) are CPU work: with many workspaces they run in processes of their
own, so the sending threads keep the interpreter lock. Under a workspace rate limit, how soon every
workspace's first minute of messages goes out sets when the whole run ends, because each later minute
repeats that spread.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.jobs.coalesce import Coalescer
from bot.messages.digest import digest_charts
from bot.messages.model import Image
from bot.services.reports.digest import DigestData

log = logging.getLogger(__name__)
CHART_NICENESS = 10
NUDGE_NICENESS = 5
PROCESS_FROM = 8  # workspaces; below this, spawning a process costs more than it saves

BATCH = 50  # workspaces per metrics pass: vectorized enough, and the first batch starts sending at once


def batches(ids: Sequence[int], size: int = BATCH) -> Iterator[list[int]]:
    """`ids` in consecutive lists of `size`."""
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


ChartRenderer = Callable[[DigestData, Path], "Future[tuple[Image, ...]]"]


def fan_out(job: Callable[[int], Any], ids: Iterable[int], threads: int) -> dict[int, bool]:
    """Run `job(id)` for every id on up to `threads` threads; whether each succeeded. A failing
    workspace is logged with its id and never stops the others (its claims make the next run retry).
    `ids` may be a generator preparing them a batch at a time: each job starts as soon as its id comes."""
    done: dict[int, bool] = {}
    with ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="plume-ws") as pool:
        futures = {pool.submit(job, wid): wid for wid in ids}
        for future in as_completed(futures):
            wid = futures[future]
            try:
                future.result()
                done[wid] = True
            except Exception:
                log.exception("workspace job failed", extra={"fields": {"workspace": wid}})
                done[wid] = False
    return done


Submit = Callable[..., "Future[Any]"]


@contextmanager
def worker_process(workspaces: int, niceness: int = 0) -> Iterator[Submit]:
    """`submit(fn, *args)`, a future of `fn(*args)`: in a spawned process of its own from
    PROCESS_FROM workspaces (`fn` and its arguments must pickle), one call at a time in submission
    order, at `niceness`; below that, at once in the calling thread, one at a time."""
    if workspaces < PROCESS_FROM:
        lock = threading.Lock()  # matplotlib, for one, is not thread-safe

        def here(fn: Callable[..., Any], *args: Any) -> Future[Any]:
            future: Future[Any] = Future()
            with lock:
                try:
                    future.set_result(fn(*args))
                except Exception as exc:  # handed to whoever waits on the future, as a process would
                    future.set_exception(exc)
            return future

        yield here
        return
    context = multiprocessing.get_context("spawn")  # the worker has threads: never fork it
    initializer, initargs = (os.nice, (niceness,)) if niceness else (None, ())
    with ProcessPoolExecutor(
        max_workers=1, mp_context=context, initializer=initializer, initargs=initargs
    ) as pool:
        yield pool.submit


@contextmanager
def chart_renderer(workspaces: int) -> Iterator[ChartRenderer]:
    """A function rendering a digest's charts into a folder, returning a future of the images.

    Niced: a digest is one message of a workspace's dozens and is sent last, so its charts can wait
    for spare CPU; the messages being sent now cannot."""
    with worker_process(workspaces, CHART_NICENESS) as submit:
        yield lambda data, out: submit(digest_charts, data, out)


class HelperProcess:
    """A long-lived process of a job queue's worker for its CPU work, one call at a time in the order
    asked: the worker's event loop and sending threads keep its interpreter lock. (Figures computed
    on the job threads starved the loop that fetches jobs: with a few dozen jobs drawing, a worker
    started about one job a second.) Started on first use; a process that died (killed, out of
    memory) is replaced on the next call. It exits by itself when its worker is gone, SIGKILLed
    included, rather than wait forever on a queue nobody writes to."""

    def __init__(self, niceness: int = 0) -> None:
        self._niceness = niceness
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        """A future of `fn(*args)` (both must pickle)."""
        with self._lock:
            try:
                return self._started().submit(fn, *args)
            except BrokenProcessPool:  # its process died since the last call: a new one
                self._pool = None
                return self._started().submit(fn, *args)

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_helper_child,
                initargs=(self._niceness, os.getpid()),
            )
        return self._pool


class Helpers:
    """A queue worker's helper processes, by urgency: the figures of the weeks being delivered (every
    workspace's first messages wait for them), the nudge rules (niced: a workspace's nudges go after
    its weekly delivery, under the same lock), and digest charts (niced most: a digest is sent last,
    after minutes of recaps)."""

    def __init__(self) -> None:
        self.metrics = HelperProcess()
        self.nudges = HelperProcess(NUDGE_NICENESS)
        self.charts = HelperProcess(CHART_NICENESS)
        self._together: dict[str, Coalescer] = {}
        self._lock = threading.Lock()

    def warm(self, settings: Settings) -> None:
        """Start the processes, their imports and their database runtime now (seconds each), not when
        the first job waits; one log line once they are all ready."""
        futures = [helper.submit(_ready, settings) for helper in (self.metrics, self.nudges, self.charts)]
        threading.Thread(
            target=_log_when_ready, args=(futures,), name="plume-helpers-warm", daemon=True
        ).start()

    def together(self, name: str, compute: Callable[[list[Any]], Mapping[Any, Any]]) -> Coalescer:
        """The worker's Coalescer `name` (made with `compute` on first use): requests of its jobs
        computed in batches of BATCH."""
        with self._lock:
            if name not in self._together:
                self._together[name] = Coalescer(compute, BATCH, f"plume-{name}")
            return self._together[name]

    def render(self, data: DigestData, out: Path) -> Future[tuple[Image, ...]]:
        """A ChartRenderer: the digest's charts drawn in `out`."""
        return self.charts.submit(digest_charts, data, out)


@contextmanager
def preparing(workspaces: int, submit: Submit | None) -> Iterator[Submit]:
    """Where a run computes its figures: `submit` (a queue worker's helper), else `worker_process`."""
    if submit is not None:
        yield submit
        return
    with worker_process(workspaces) as here:
        yield here


def _log_when_ready(futures: list[Future]) -> None:
    try:
        for future in futures:
            future.result()
    except Exception:
        log.exception("a helper process could not start")
        return
    log.info("helpers ready", extra={"fields": {"processes": len(futures), "worker": os.getpid()}})


def _ready(settings: Settings) -> None:
    """What a helper does before its first call: import the metrics (pandas) and the charts
    (matplotlib), and open its runtime (the migrations checked, the engine made)."""
    import bot.jobs.preparation  # noqa: F401
    from bot.runtime import shared_runtime

    shared_runtime(settings)


def _helper_child(niceness: int, parent: int) -> None:
    os.nice(niceness)
    threading.Thread(target=_exit_with_parent, args=(parent,), name="plume-orphan-watch", daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)
