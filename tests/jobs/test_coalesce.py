"""The Coalescer: requests waiting at a moment are computed in one call, a failing batch is computed
again key by key so that only the bad key fails."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.jobs.coalesce import Coalescer


def test_requests_arriving_while_a_batch_is_computed_go_together_in_the_next():
    calls: list[list[int]] = []
    first_started, release = threading.Event(), threading.Event()

    def compute(keys: list[int]) -> dict[int, int]:
        calls.append(sorted(keys))
        if len(calls) == 1:
            first_started.set()
            release.wait(10)
        return {key: key * 10 for key in keys}

    together = Coalescer(compute, limit=50, name="test")
    with ThreadPoolExecutor(max_workers=30) as pool:
        first = pool.submit(together.get, 0)
        assert first_started.wait(10)
        rest = [pool.submit(together.get, key) for key in range(1, 30)]
        while len(together._waiting) < 29:  # all queued behind the first batch
            threading.Event().wait(0.01)
        release.set()
        assert first.result(10) == 0 and [f.result(10) for f in rest] == [k * 10 for k in range(1, 30)]
    assert calls == [[0], list(range(1, 30))]


def test_batches_hold_at_most_the_limit():
    calls: list[int] = []
    gate = threading.Event()

    def compute(keys: list[int]) -> dict[int, int]:
        calls.append(len(keys))
        gate.wait(10)
        return dict.fromkeys(keys, 1)

    together = Coalescer(compute, limit=4, name="test")
    with ThreadPoolExecutor(max_workers=10) as pool:
        futures = [pool.submit(together.get, key) for key in range(10)]
        while len(together._waiting) + sum(calls) < 10:  # all asked, the first batch being computed
            threading.Event().wait(0.01)
        gate.set()
        assert [f.result(10) for f in futures] == [1] * 10
    assert max(calls) <= 4 and sum(calls) == 10


def test_a_bad_key_fails_alone():
    def compute(keys: list[int]) -> dict[int, int]:
        if 13 in keys:
            raise ValueError("thirteen")
        return {key: key for key in keys}

    together = Coalescer(compute, limit=50, name="test")
    gate = threading.Barrier(3)

    def ask(key: int) -> int:
        gate.wait(10)
        return together.get(key)

    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {key: pool.submit(ask, key) for key in (12, 13, 14)}
        assert futures[12].result(10) == 12 and futures[14].result(10) == 14
        with pytest.raises(ValueError, match="thirteen"):
            futures[13].result(10)


def test_requests_a_moment_apart_wait_for_each_other():
    calls: list[list[int]] = []

    def compute(keys: list[int]) -> dict[int, int]:
        calls.append(sorted(keys))
        return {key: key for key in keys}

    together = Coalescer(compute, limit=50, name="test", linger=1.0)
    with ThreadPoolExecutor(max_workers=5) as pool:
        futures = []
        for key in range(5):
            futures.append(pool.submit(together.get, key))
            threading.Event().wait(0.02)
        assert [f.result(10) for f in futures] == list(range(5))
    assert calls == [list(range(5))]
