"""Requests from many job threads of one worker, computed together.

A queue worker runs hundreds of `deliver_week` (and `nudge_workspace`) jobs side by side, each asking
for one workspace's figures. A metrics pass costs about the same for one workspace as for fifty (the
frames are vectorized), so the requests waiting at a moment are answered by one pass: the first
alone, the next by everything that arrived meanwhile, and so on. The jobs stay one per workspace
(each under its workspace's lock); only their CPU work is shared.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable, Mapping
from concurrent.futures import Future
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

LINGER = 0.2  # seconds a batch waits for more requests before it is computed
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Coalescer(Generic[K, V]):
    """`get(key)` waits for `compute(keys)[key]`, `compute` being called on up to `limit` keys at a
    time by one thread of its own. When a batch fails, its keys are computed one by one, so that one
    bad workspace fails alone."""

    def __init__(
        self, compute: Callable[[list[K]], Mapping[K, V]], limit: int, name: str, linger: float = LINGER
    ) -> None:
        self._compute, self._limit, self._name, self._linger = compute, limit, name, linger
        self._ready = threading.Condition()
        self._waiting: dict[K, Future[V]] = {}
        self._thread: threading.Thread | None = None

    def get(self, key: K) -> V:
        with self._ready:
            future = self._waiting.get(key)
            if future is None:
                future = self._waiting[key] = Future()
            if self._thread is None:  # daemon: a worker stopping never waits for it
                self._thread = threading.Thread(target=self._serve, name=self._name, daemon=True)
                self._thread.start()
            self._ready.notify()
        return future.result()

    def _serve(self) -> None:
        while True:
            with self._ready:
                self._ready.wait_for(lambda: bool(self._waiting))
                # Jobs starting together ask within a moment of each other: the first request waits
                # that moment for the others rather than make a pass of its own.
                self._ready.wait_for(lambda: len(self._waiting) >= self._limit, timeout=self._linger)
                keys = list(self._waiting)[: self._limit]
                batch = {key: self._waiting.pop(key) for key in keys}
            self._answer(batch)

    def _answer(self, batch: dict[K, Future[V]]) -> None:
        started = time.monotonic()
        try:
            values = self._compute(list(batch))
        except Exception as exc:
            if len(batch) == 1:
                next(iter(batch.values())).set_exception(exc)
                return
            log.warning("batch failed: its keys one by one", extra={"fields": {"batch": self._name}})
            for key, future in batch.items():
                self._answer({key: future})
            return
        fields = {"batch": self._name, "size": len(batch), "seconds": round(time.monotonic() - started, 3)}
        log.info("batch computed", extra={"fields": fields})
        for key, future in batch.items():
            if key in values:
                future.set_result(values[key])
            else:
                future.set_exception(LookupError(f"{self._name}: nothing computed for {key!r}"))
