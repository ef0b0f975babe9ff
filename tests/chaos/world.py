"""The program the chaos test delivers to: Slack workspaces with people and posts whose week's digest is
due now (by the real clock: the workers run on it), installed through the installation store, and the
same people on the fake Slack and the fake X.

Each workspace's digest is due from Monday 00:00 UTC, so it is due whenever the test runs, for the ISO
week before this one; every person posted in that week (a recap each). Some people also posted a burst
this morning, local time, that only the fake X has: a worker's poll brings it in and the nudge rules
fire on it (one nudge each). Each person's zone is chosen so that their local time now is 11:00-11:59,
inside work hours, whatever the hour of the run.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from slack_sdk.oauth.installation_store.models.installation import Installation

from bot.config import Settings
from bot.metrics.weeks import week_label
from bot.runtime import open_runtime
from bot.schedule import WorkSchedule
from bot.services.people import ambassadors
from bot.sources.records import PostKind, PostRecord
from bot.storage import repositories as repo
from bot.storage.db import transaction
from handlers.slack.installation import installation_store
from tests.fakes.slack_server import FakeSlack
from tests.fakes.x_server import FakeX

CLIENT_ID = "chaos-client"
CLIENT_SECRET = "chaos-secret"
X_BEARER = "chaos-bearer"
BURST_POSTS = 6  # ten minutes apart: a burst by the default rule, inside work hours
EVERY_DAY = (0, 1, 2, 3, 4, 5, 6)
# X ids grow with time: a first poll starts after the newest post stored, and the refresh purges stored
# posts X no longer has, so last week's posts are on the fake X too, with lower ids than the burst's.
LAST_WEEK_IDS, BURST_IDS = 10**16, 10**17


@dataclass
class Person:
    ambassador_id: int
    x_account_id: int
    team: str
    user: str
    handle: str
    bursting: bool
    posts: list[PostRecord] = field(default_factory=list)  # last week's, stored and on the fake X


@dataclass
class World:
    """Who is where, and what must arrive: the keys of every expected message."""

    week: str
    teams: dict[int, str]  # workspace id -> Slack team id
    channels: dict[int, str]  # workspace id -> digest channel
    people: list[Person] = field(default_factory=list)

    def expected_keys(self) -> set[str]:
        """Every digest and recap key (nudge keys depend on the rule and day: counted per person)."""
        keys = {f"digest:{wid}:{self.channels[wid]}:{self.week}" for wid in self.teams}
        return keys | {f"nudge:{p.ambassador_id}:recap:{self.week}" for p in self.people}

    def bursting(self) -> set[int]:
        return {p.ambassador_id for p in self.people if p.bursting}


def local_zone(now: datetime) -> str:
    """A fixed-offset zone where it is 11:xx now (Etc/GMT-N is UTC+N: POSIX signs)."""
    offset = (11 - now.hour + 12) % 24 - 12  # -12..+11
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


def seed_world(
    settings: Settings, slack: FakeSlack, x: FakeX, *, workspaces: int, people: int, seed: int
) -> World:
    """Store the program, install every workspace, and mirror it on the fakes."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    week = week_label((now - timedelta(days=7)).date())
    monday = datetime.combine((now - timedelta(days=7 + now.weekday())).date(), datetime.min.time(), UTC)
    zone = local_zone(now)
    runtime = open_runtime(settings)
    world = World(week=week, teams={}, channels={})
    with transaction(runtime.sessions) as session:
        for w in range(1, workspaces + 1):
            team, channel = f"TC{w:03d}", f"CDIGEST{w:03d}"
            ws = ambassadors.ensure_workspace(session=session, platform="slack", external_id=team)
            ws.name, ws.timezone, ws.digest_channel = f"Chaos {w}", "UTC", channel
            ws.settings = {"digest_day": 0, "digest_time": 0, "digest_channel_set_by": "UADMIN"}
            world.teams[ws.id], world.channels[ws.id] = team, channel
            for n in range(people):
                world.people.append(_person(session, ws.id, team, w, n, zone, monday, rng))
    runtime.engine.dispose()
    _install(settings, world)
    _mirror(slack, x, world, now)
    return world


def _person(session, workspace_id: int, team: str, w: int, n: int, zone: str, monday, rng) -> Person:
    handle, user = f"chaos{w:03d}p{n:02d}", f"U{w:03d}{n:03d}"
    amb = ambassadors.track(
        session=session,
        workspace_id=workspace_id,
        handle=handle,
        schedule=WorkSchedule(tz=zone, days=EVERY_DAY),
        consent_text="yes",
        consent_source="self",
        chat_user_id=user,
    )
    day = monday + timedelta(days=1 + n % 4, hours=12)  # Tuesday..Friday noon UTC of last week
    records = [
        PostRecord(
            x_id=LAST_WEEK_IDS + amb.id * 100 + m,
            created_at=day + timedelta(minutes=7 * m),
            kind=PostKind.ORIGINAL,
            text="last week's post",
            likes=rng.randint(0, 9),
        )
        for m in range(3)
    ]
    repo.upsert_posts(session=session, x_account_id=amb.x_account_id, records=records, source="api")
    return Person(amb.id, amb.x_account_id, team, user, handle, n % 3 == 0, records)


def _install(settings: Settings, world: World) -> None:
    """Every workspace's installation, as the OAuth flow would have saved it."""
    runtime = open_runtime(settings)
    store = installation_store(settings, runtime.engine)
    for wid, team in world.teams.items():
        store.save(
            Installation(
                app_id="A0CHAOS",
                enterprise_id=None,
                team_id=team,
                bot_token=f"xoxb-chaos-{team}",
                bot_id=f"BC{wid:04d}",
                bot_user_id=f"UBOT{team}",
                bot_scopes="chat:write,im:write,files:write,dnd:read,commands",
                user_id="UADMIN",
                installed_at=time.time(),
            )
        )
    runtime.engine.dispose()


def _mirror(slack: FakeSlack, x: FakeX, world: World, now: datetime) -> None:
    """The workspaces, channels and people on the fake Slack; the accounts and bursts on the fake X."""
    for wid, team in world.teams.items():
        bot = f"UBOT{team}"
        slack.add_workspace(team, f"Chaos {wid}", f"xoxb-chaos-{team}", bot)
        slack.add_channel(world.channels[wid], f"ambassadors-{wid}", members={bot})
    start = now - timedelta(minutes=95)
    for i, person in enumerate(world.people, start=1):
        slack.add_user(person.user, name=person.handle, tz="UTC", team_id=person.team)
        x.add_user(i, person.handle)
        for record in person.posts:
            x.add_post(i, record.x_id, record.created_at, record.text, likes=record.likes)
        if person.bursting:
            for m in range(BURST_POSTS):
                x.add_post(i, BURST_IDS + i * 100 + m, start + timedelta(minutes=10 * m), "a burst")
