"""A simulated clock for the fakes and the jobs, and posts that appear on the fake X as it passes them.

The jobs take `now`; FakeSlack takes `clock` (message ts, rate limits) and FakeX takes `today` (billing),
so one `SimClock` moves all three and a message's ts is the simulated moment it was sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import Settings, load_settings
from tests.fakes.slack_requests import SIGNING_SECRET
from tests.fakes.x_server import FakeX


class SimClock:
    """A settable UTC clock."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def time(self) -> float:
        return self.now.timestamp()

    def today(self) -> date:
        return self.now.date()


def at(tz: str, day: date, clock_time: str) -> datetime:
    """A local wall-clock time in `tz` on `day`, as an aware datetime."""
    hour, minute = (int(part) for part in clock_time.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(tz))


@dataclass
class Timeline:
    """Posts to publish on the fake X once the simulated clock reaches their `created_at`."""

    fake: FakeX
    pending: list[tuple[datetime, int]] = field(default_factory=list)  # (created_at, X user id)
    published: list[tuple[datetime, int, int]] = field(default_factory=list)  # (..., post id)

    def post(self, user_id: int, created_at: datetime) -> None:
        self.pending.append((created_at, user_id))

    def burst(self, user_id: int, start: datetime, count: int = 7, every: int = 8) -> None:
        """`count` posts `every` minutes from `start` (7 every 8 minutes: 48 minutes, a burst of 6 in 60)."""
        for n in range(count):
            self.post(user_id, start + timedelta(minutes=every * n))

    def release(self, now: datetime) -> None:
        """Publish what was created by `now`, oldest first, with ids increasing with time (like X's)."""
        due = sorted((p for p in self.pending if p[0] <= now), key=lambda p: p[0])
        self.pending = [p for p in self.pending if p[0] > now]
        for created_at, user_id in due:
            post_id = 10**15 + len(self.published) + 1
            self.fake.add_post(user_id, post_id, created_at, f"post {post_id}")
            self.published.append((created_at, user_id, post_id))


def job_settings(*, db_url: str, slack_url: str, x_url: str, out: Path, poll_seconds: int = 900) -> Settings:
    """What `python -m bot worker` would read from its environment, against the fakes."""
    return load_settings(
        {
            "DATABASE_URL": db_url,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "SLACK_API_URL": slack_url,
            "X_BEARER_TOKEN": "sim-bearer",
            "X_API_URL": x_url,
            "POLL_INTERVAL": str(poll_seconds),
            "PLUME_OUTPUT_DIR": str(out),
            "LOG_LEVEL": "WARNING",
        }
    )


def metadata_key(message: dict) -> str | None:
    """The delivery key a Plume message carries in its Slack metadata, if any."""
    return ((message.get("metadata") or {}).get("event_payload") or {}).get("key")


def sent_at(message: dict, tz: str) -> datetime:
    """A Slack message's ts as a local time in `tz`."""
    return datetime.fromtimestamp(float(message["ts"]), ZoneInfo(tz))
