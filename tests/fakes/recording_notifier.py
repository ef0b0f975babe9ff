"""A notifier that records what it is asked to send: for delivery tests that are not about a platform.

It behaves as a real notifier must (the contract suite in tests/delivery checks it alongside Slack's):
it waits out a rate limit's Retry-After (recorded on a virtual clock, not slept, so no test sleeps),
raises DeliveryFailed for a refusal (permanent, or not), and looks messages up only if told it can.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.messages.model import Message
from bot.services.delivery.notifiers import DeliveryFailed, LookUpUnsupported


@dataclass
class Delivered:
    """One message as the recording platform holds it now (an update replaces `message`)."""

    ref: str
    kind: str  # "post" or "direct"
    workspace_id: int
    to: str  # channel, or user for a DM
    message: Message
    key: str
    at: datetime
    history: list[Message] = field(default_factory=list)  # earlier versions, before updates


class RecordingNotifier:
    """Implements bot.services.delivery.notifiers.Notifier in memory."""

    def __init__(self, *, can_look_up: bool = True, clock=None) -> None:
        self.can_look_up = can_look_up
        self.delivered: list[Delivered] = []
        # (operation, target, seconds waited before it) of every attempt, refused ones too.
        self.calls: list[tuple[str, str, float]] = []
        self.look_ups: list[dict] = []
        self.waits: list[float] = []  # each Retry-After waited out
        self.images: list[str] = []  # paths of the images "uploaded"
        self._clock = clock or (lambda: datetime.now(UTC))
        self._rate_limited: list[float] = []
        self._refusals: dict[str, tuple[str, bool]] = {}
        self._not_calm: set[str] = set()
        self._lock = threading.Lock()

    # ---- what a test tells it ----------------------------------------------------------------------

    def rate_limit(self, retry_after: float, times: int = 1) -> None:
        """The next `times` calls are answered 429 with this Retry-After (waited out, then made again)."""
        self._rate_limited += [retry_after] * times

    def refuse(self, target: str, reason: str = "channel_not_found", *, permanent: bool = True) -> None:
        """Every send to `target` (channel or user) is refused."""
        self._refusals[target] = (reason, permanent)

    def accept(self, target: str) -> None:
        """Sends to `target` are accepted again."""
        self._refusals.pop(target, None)

    def set_calm(self, user_id: str, calm: bool) -> None:
        """Whether `user_id` is free to be nudged (not in do-not-disturb)."""
        (self._not_calm.discard if calm else self._not_calm.add)(user_id)

    # ---- what a test reads ---------------------------------------------------------------------------

    def to(self, target: str) -> list[Delivered]:
        """Messages delivered to a channel or user, oldest first."""
        return [d for d in self.delivered if d.to == target]

    def texts(self, target: str) -> list[str]:
        """Titles of the messages delivered to `target`, oldest first."""
        return [d.message.title for d in self.to(target)]

    # ---- the Notifier protocol -------------------------------------------------------------------------

    def post(self, *, workspace_id: int, channel: str, message: Message, key: str) -> str:
        return self._deliver("post", workspace_id, channel, message, key)

    def direct(self, *, workspace_id: int, user_id: str, message: Message, key: str) -> str:
        return self._deliver("direct", workspace_id, user_id, message, key)

    def update(self, *, workspace_id: int, channel: str, ref: str, message: Message) -> str:
        self._admit("update", channel)
        with self._lock:
            found = [d for d in self.delivered if d.ref == ref and d.to == channel]
            if not found:
                raise DeliveryFailed("message_not_found", permanent=True)
            found[0].history.append(found[0].message)
            found[0].message = message
            self.images += [image.path for image in message.images]
        return ref

    def find(
        self, *, workspace_id: int, channel: str | None, user_id: str | None, key: str, since: datetime
    ) -> str | None:
        if not self.can_look_up:
            raise LookUpUnsupported("this notifier cannot look messages up")
        target = channel or user_id or ""
        self._admit("find", target, refusable=False)
        self.look_ups.append({"to": target, "key": key, "since": since})
        for item in self.to(target):
            if item.key == key and item.at >= since:
                return item.ref
        return None

    def is_calm(self, *, workspace_id: int, user_id: str, now: datetime) -> bool:
        return user_id not in self._not_calm

    def _admit(self, operation: str, target: str, *, refusable: bool = True) -> None:
        """Record the attempt; wait out a rate limit; raise a refusal."""
        while True:
            with self._lock:
                self.calls.append((operation, target, sum(self.waits)))
                wait = self._rate_limited.pop(0) if self._rate_limited else None
                if wait is None:
                    break
                self.waits.append(wait)
        if refusable and target in self._refusals:
            reason, permanent = self._refusals[target]
            raise DeliveryFailed(f"refused: {reason}", permanent=permanent)

    def _deliver(self, kind: str, workspace_id: int, target: str, message: Message, key: str) -> str:
        self._admit(kind, target)
        with self._lock:
            ref = f"R{len(self.delivered) + 1}"
            self.images += [image.path for image in message.images]
            self.delivered.append(Delivered(ref, kind, workspace_id, target, message, key, self._clock()))
        return ref
