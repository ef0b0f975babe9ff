"""The per-conversation send gate: windows counted on finish times, sends in flight, Retry-After holds."""

from __future__ import annotations

import threading
import time

from handlers.teams.pacing import TEAMS_LIMITS, SendGate

WINDOW = 0.3


def test_sends_beyond_the_limit_wait_until_the_oldest_finished_a_window_ago() -> None:
    gate = SendGate(limits=((2, WINDOW),))
    start = time.monotonic()
    first, second = gate.acquire("c"), gate.acquire("c")
    assert time.monotonic() - start < 0.1  # two fit at once
    time.sleep(0.1)
    gate.release(first)
    finished = time.monotonic()
    third = gate.acquire("c")
    assert time.monotonic() - finished >= WINDOW - 0.01  # counted from when the first finished
    gate.release(second)
    gate.release(third)


def test_a_send_in_flight_holds_its_place_until_it_finishes() -> None:
    gate = SendGate(limits=((1, WINDOW),))
    slot = gate.acquire("c")
    waiter = threading.Thread(target=gate.acquire, args=("c",))
    waiter.start()
    time.sleep(WINDOW * 2)  # longer than the window: a start-time count would have let it through
    assert waiter.is_alive()
    gate.release(slot)
    waiter.join(timeout=5)
    assert not waiter.is_alive()


def test_conversations_are_paced_apart() -> None:
    gate = SendGate(limits=((1, 10.0),))
    gate.release(gate.acquire("a"))
    start = time.monotonic()
    gate.release(gate.acquire("b"))
    assert time.monotonic() - start < 0.1


def test_a_hold_stops_everyone_for_its_time_and_a_shorter_one_does_not_shorten_it() -> None:
    gate = SendGate()
    gate.hold("c", 0.3)
    gate.hold("c", 0.1)
    start = time.monotonic()
    gate.release(gate.acquire("c"))
    assert time.monotonic() - start >= 0.29
    start = time.monotonic()
    gate.release(gate.acquire("other"))
    assert time.monotonic() - start < 0.1


def test_teams_limits_are_the_documented_ones() -> None:
    assert TEAMS_LIMITS == ((7, 1.0), (8, 2.0), (60, 30.0), (1800, 3600.0))
