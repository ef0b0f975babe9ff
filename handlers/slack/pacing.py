"""Waiting out Slack's rate limits together: one workspace's threads share what Slack said.

Slack limits each method per workspace. When one thread is told to wait (HTTP 429 and Retry-After),
every other thread sending the same method to that workspace would be refused too until then: each
refusal is a wasted round trip on both sides, and in a weekly run of 11,500 messages they were about a
quarter of all requests (4,000 to 4,700). So the wait is recorded in a `RateLimitGate` shared by the
workspace's client, and senders wait at the gate before trying.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable

from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState


class RateLimitGate:
    """Per method, the moment before which Slack said not to call it again, for one workspace."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._until: dict[str, float] = {}

    def hold(self, method: str, seconds: float) -> None:
        """Nobody calls `method` for `seconds` from now (a later hold already recorded stays)."""
        with self._lock:
            self._until[method] = max(self._until.get(method, 0.0), self._clock() + seconds)

    def wait(self, method: str) -> None:
        """Return once `method` may be called (at once when nothing holds it)."""
        while True:
            with self._lock:
                remaining = self._until.get(method, 0.0) - self._clock()
            if remaining <= 0:
                return
            self._sleep(remaining)


def method_of(request: HttpRequest) -> str:
    """The Web API method a request calls (the last segment of its URL)."""
    return request.url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


class GatedRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """slack_sdk's 429 retry (Retry-After plus up to a second of jitter), recorded in the gate so the
    workspace's other threads wait too instead of being refused one by one."""

    def __init__(self, gate: RateLimitGate, max_retry_count: int) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.gate = gate

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if response is None:
            raise error  # type: ignore[misc]  # as the parent does: nothing to retry on
        state.next_attempt_requested = True
        header = next((v for k, v in response.headers.items() if k.lower() == "retry-after"), None)
        seconds = float(header[0] if isinstance(header, list) else header) if header else 1.0
        method = method_of(request)
        self.gate.hold(method, seconds + random.random())
        self.gate.wait(method)
        state.increment_current_attempt()
