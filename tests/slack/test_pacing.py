"""A 429 told to one sender holds the workspace's other senders of that method, and nobody else."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime

from bot.messages.replies import notice
from handlers.slack.notifier import SlackNotifier
from handlers.slack.pacing import RateLimitGate

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)


class ManualClock:
    """A clock that only moves when slept on."""

    def __init__(self) -> None:
        self.now, self.slept = 100.0, []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_the_gate_waits_until_the_latest_hold_of_that_method_only():
    clock = ManualClock()
    gate = RateLimitGate(clock=lambda: clock.now, sleep=clock.sleep)
    gate.wait("chat.postMessage")
    assert clock.slept == []  # nothing held: no wait
    gate.hold("chat.postMessage", 3.0)
    gate.hold("chat.postMessage", 1.0)  # an earlier end does not shorten the hold
    gate.wait("dnd.info")
    assert clock.slept == []  # another method is not held
    gate.wait("chat.postMessage")
    assert clock.now == 103.0
    gate.wait("chat.postMessage")
    assert clock.now == 103.0  # passed: no second wait


def _key(call) -> str:
    metadata = call.body["metadata"]
    return (json.loads(metadata) if isinstance(metadata, str) else metadata)["event_payload"]["key"]


def _refusal(slack, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        refused = [c for c in slack.calls_to("chat.postMessage") if c.status == 429]
        if refused:
            return refused[0]
        time.sleep(0.01)
    raise AssertionError("the first post was never refused")


def test_a_429_holds_the_workspaces_other_senders_not_other_workspaces_or_methods(settings, runtime, slack):
    notifier = SlackNotifier(settings, runtime)
    slack.inject("chat.postMessage", status=429, headers={"Retry-After": "2"})
    message = notice("Hello", "A test message.")
    first = threading.Thread(
        target=notifier.direct, kwargs={"workspace_id": 1, "user_id": "U100", "message": message, "key": "a"}
    )
    first.start()
    refused = _refusal(slack)
    # While workspace 1's posts are held: another workspace posts, and workspace 1 reads DND, at once.
    notifier.direct(workspace_id=2, user_id="U200", message=message, key="b")
    assert notifier.is_calm(workspace_id=1, user_id="U100", now=NOW)
    # Another of workspace 1's posts waits out what Slack told the first one, without being refused.
    notifier.direct(workspace_id=1, user_id="U200", message=message, key="c")
    first.join(timeout=10)

    posts = slack.calls_to("chat.postMessage")
    assert [c.status for c in posts].count(429) == 1
    accepted = {_key(c): c for c in posts if c.status == 200}
    assert sorted(accepted) == ["a", "b", "c"]
    assert accepted["b"].at < refused.at + 2
    assert slack.calls_to("dnd.info")[0].at < refused.at + 2
    assert accepted["c"].at >= refused.at + 2 and accepted["a"].at >= refused.at + 2
