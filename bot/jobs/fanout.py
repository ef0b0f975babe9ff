"""Running one job per workspace side by side, and digest charts beside them.

Slack's rate limits are per workspace (and per channel), so a weekly run over 500 workspaces can wait
on 500 limits at once instead of one after another: each workspace gets a thread, which mostly sleeps
on `Retry-After`. Charts are CPU work (matplotlib, about 0.35 s a digest); with many workspaces they
render in a separate process so the sending threads keep the interpreter lock.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot.messages.digest import digest_charts
from bot.messages.model import Image
from bot.services.digest import DigestData

log = logging.getLogger(__name__)
CHART_PROCESS_FROM = 8  # workspaces; below this, spawning a process costs more than it saves

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


@contextmanager
def chart_renderer(workspaces: int) -> Iterator[ChartRenderer]:
    """A function rendering a digest's charts into a folder, returning a future of the images."""
    if workspaces < CHART_PROCESS_FROM:
        lock = threading.Lock()  # matplotlib is not thread-safe: one chart at a time in this process

        def render_here(data: DigestData, out: Path) -> Future[tuple[Image, ...]]:
            future: Future[tuple[Image, ...]] = Future()
            with lock:
                future.set_result(digest_charts(data, out))
            return future

        yield render_here
        return
    context = multiprocessing.get_context("spawn")  # the worker has threads: never fork it
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        yield lambda data, out: pool.submit(digest_charts, data, out)
