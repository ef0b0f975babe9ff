"""Each platform's notifier with what the contract suite needs to drive and observe it.

A platform is a function of a temp folder yielding a `Platform`: a notifier wired to a fake of its
service, plus how to read what arrived and how to make the service answer 429 or refuse for good.
The Teams notifier adds one function here and one name to `PLATFORMS`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.config import load_settings
from bot.runtime import open_runtime
from bot.services.delivery.notifiers import Notifier
from handlers.slack.notifier import SlackNotifier
from tests.fakes.recording_notifier import RecordingNotifier
from tests.fakes.slack_requests import SIGNING_SECRET
from tests.fakes.slack_server import FakeSlack
from tests.teams_notifier.harness import CHANNEL, REFUSED_CHANNEL, USER, cards, image_count, teams_setup


@dataclass
class Platform:
    """A notifier and its fake service, observed through plain callables."""

    notifier: Notifier
    workspace_id: int
    channel: str  # a channel the bot may post to
    refused_channel: str  # one the platform refuses for good (archived)
    user: str  # someone to DM
    texts: Callable[[str], list[str]]  # fallback texts now in a channel, oldest first
    dm_texts: Callable[[str], list[str]]  # the same in the DM with a user
    image_counts: Callable[[str], list[int]]  # images shown in each message of a channel
    rate_limit: Callable[[str, int], None]  # ("post" | "find", Retry-After): the next such call gets 429
    attempts: Callable[[str], list[float]]  # when each "post" or "find" call reached the service


@contextmanager
def recording(tmp_path: Path, *, can_look_up: bool) -> Iterator[Platform]:
    """The RecordingNotifier; its attempts are timed on its virtual clock (Retry-After waited out)."""
    notifier = RecordingNotifier(can_look_up=can_look_up)
    notifier.refuse("C0ARCHIVE", "is_archived")

    def attempts(kind: str) -> list[float]:
        return [at for operation, _target, at in notifier.calls if (operation == "find") == (kind == "find")]

    yield Platform(
        notifier=notifier,
        workspace_id=1,
        channel="C1",
        refused_channel="C0ARCHIVE",
        user="U1",
        texts=lambda channel: [str(d.message.fallback) for d in notifier.to(channel)],
        dm_texts=lambda user: [str(d.message.fallback) for d in notifier.to(user)],
        image_counts=lambda channel: [len(d.message.images) for d in notifier.to(channel)],
        rate_limit=lambda _kind, seconds: notifier.rate_limit(seconds),
        attempts=attempts,
    )


@contextmanager
def slack(tmp_path: Path, *, can_look_up: bool) -> Iterator[Platform]:
    """The real SlackNotifier against the fake Slack Web API."""
    methods = {"post": "chat.postMessage", "find": "conversations.history"}
    with FakeSlack() as fake:
        fake.add_user("U1", name="ana", tz="UTC")
        fake.add_channel("C1", "ambassadors", members={"UBOT"})
        fake.add_channel("C0ARCHIVE", "old", is_archived=True, members={"UBOT"})
        settings = load_settings(
            {
                "DATABASE_URL": f"sqlite:///{tmp_path / 'contract.db'}",
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_BOT_TOKEN": "xoxb-test-token",
                "SLACK_API_URL": fake.url,
                "SLACK_HISTORY_LOOKUP": "true" if can_look_up else "false",
                "LOG_LEVEL": "WARNING",
            }
        )
        runtime = open_runtime(settings)
        yield Platform(
            notifier=SlackNotifier(settings, runtime),
            workspace_id=1,
            channel="C1",
            refused_channel="C0ARCHIVE",
            user="U1",
            texts=lambda channel: [m["text"] for m in fake.messages(channel)],
            dm_texts=lambda user: [m["text"] for m in fake.messages(fake.dm_id(user))],
            image_counts=lambda channel: [
                sum(1 for block in m.get("blocks", []) if block["type"] == "image")
                for m in fake.messages(channel)
            ],
            rate_limit=lambda kind, seconds: fake.inject(
                methods[kind], status=429, headers={"Retry-After": str(seconds)}
            ),
            attempts=lambda kind: [call.at for call in fake.calls_to(methods[kind])],
        )
        runtime.engine.dispose()


@contextmanager
def teams(tmp_path: Path) -> Iterator[Platform]:
    """The real TeamsNotifier (Teams SDK, MSAL through the proxy) against the fake Bot Framework."""
    with teams_setup(tmp_path) as setup:
        fake = setup.cloud.teams

        def rate_limit(kind: str, seconds: int) -> None:
            if kind == "post":  # a Teams bot never looks up: nothing to limit
                fake.rate_limit(CHANNEL, seconds)

        yield Platform(
            notifier=setup.notifier,
            workspace_id=setup.workspace_id,
            channel=CHANNEL,
            refused_channel=REFUSED_CHANNEL,
            user=USER,
            texts=setup.summaries,
            dm_texts=lambda user: setup.summaries(fake.personal_id(user)),
            image_counts=lambda channel: [image_count(card) for card in cards(fake.activities(channel))],
            rate_limit=rate_limit,
            attempts=lambda kind: [c.at for c in fake.sends(CHANNEL)] if kind == "post" else [],
        )


PLATFORMS = {
    "recording": lambda tmp: recording(tmp, can_look_up=True),
    "recording-no-look-up": lambda tmp: recording(tmp, can_look_up=False),
    "slack": lambda tmp: slack(tmp, can_look_up=True),
    "slack-no-look-up": lambda tmp: slack(tmp, can_look_up=False),
    "teams": teams,
}
