"""Pacing sends to a Teams conversation so a burst is not refused.

Teams allows a bot about 7 messages a second in one conversation (and 8 in 2 s, 60 in 30 s, 1,800 in
an hour), and answers 429 with Retry-After beyond that. Many delivery threads may post to one
conversation at once (a storm of retries, an admin's channel), so each conversation's sends pass a
`SendGate`: a send starts only when, in every window, fewer sends than the limit have *finished*
within the window before now (a send still in flight counts as finishing later). Counting finish
times rather than start times is what makes it exact: a send that started inside a window but reached
Teams late still counts, so Teams never sees more than the limit in any window, however the network
reorders them. A Retry-After holds the conversation for everyone.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable

# (sends, seconds) per conversation: Teams' documented limits for a bot sending to one conversation.
TEAMS_LIMITS: tuple[tuple[int, float], ...] = ((7, 1.0), (8, 2.0), (60, 30.0), (1800, 3600.0))
# (calls, seconds) per tenant for what is not sent to one conversation (creating 1:1 chats): Teams'
# global limit for an app in a tenant.
TENANT_LIMITS: tuple[tuple[int, float], ...] = ((50, 1.0),)


class Slot:
    """One send's place in its conversation's windows; `ended` is when it finished (inf: in flight)."""

    __slots__ = ("ended",)

    def __init__(self) -> None:
        self.ended = math.inf


class SendGate:
    """Per conversation: sliding windows of finished sends, and Retry-After holds."""

    def __init__(
        self,
        limits: tuple[tuple[int, float], ...] = TEAMS_LIMITS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits, self._clock = limits, clock
        self._longest = max(seconds for _, seconds in limits)
        self._slots: dict[Hashable, deque[Slot]] = {}
        self._held: dict[Hashable, float] = {}
        self._changed = threading.Condition()

    def acquire(self, conversation: Hashable) -> Slot:
        """Wait until a send to `conversation` may start, and take its place (release it after)."""
        with self._changed:
            while True:
                wait = self._wait(conversation, self._clock())
                if wait <= 0:
                    slot = Slot()
                    self._slots.setdefault(conversation, deque()).append(slot)
                    return slot
                self._changed.wait(None if wait == math.inf else wait)

    def release(self, slot: Slot) -> None:
        """The send has its answer (whatever it was)."""
        with self._changed:
            slot.ended = self._clock()
            self._changed.notify_all()

    def hold(self, conversation: Hashable, seconds: float) -> None:
        """Nobody sends to `conversation` for `seconds` from now (a later hold already set stays)."""
        with self._changed:
            until = self._clock() + seconds
            self._held[conversation] = max(self._held.get(conversation, 0.0), until)

    def _wait(self, conversation: Hashable, now: float) -> float:
        """Seconds until a send may start (inf: until a send in flight finishes); lock held."""
        wait = self._held.get(conversation, 0.0) - now
        slots = self._slots.get(conversation)
        if not slots:
            return wait
        while slots and slots[0].ended <= now - self._longest:
            slots.popleft()  # finished before the longest window: counts nowhere any more
        for limit, seconds in self.limits:
            recent = sorted(s.ended for s in slots if s.ended > now - seconds)
            if len(recent) >= limit:
                # the oldest that must leave the window for one more send to fit
                wait = max(wait, recent[len(recent) - limit] + seconds - now)
        if not slots:
            del self._slots[conversation]
        return wait
