"""Weekly delivery under Slack's rate limits: digests, recaps and nudges for many workspaces at once.

    python -m tests.bench.delivery_rate [--workspaces 500] [--people 20] [--nudged 0.1]
                                        [--per-minute 6] [--per-channel 1.0] [--database-url URL]

A benchmark script, not a test: it prints numbers and asserts nothing about time.

1. It builds a program in a fresh SQLite database (or `--database-url`): `--workspaces` workspaces of
   `--people` ambassadors each, six weeks of posts (2026-W41..W46), a digest channel per workspace, every
   workspace installed (bot tokens in the installation store, so each is sent with its own token), and
   a burst of 6 work-hours posts this morning for a `--nudged` share of the people.
2. It starts the fake Slack in this process, enforcing on chat.postMessage `--per-channel` messages a
   second per channel and `--per-minute` per workspace in any 60 seconds (HTTP 429 + Retry-After).
3. It runs Plume's `tasks.weekly_deliveries` and `tasks.nudges` side by side, at Monday 2026-11-16 11:00
   UTC (the digest time it set), in a separate process (`tests.bench.delivery_driver`).

The rate-limit floor is the earliest the last message could be accepted: for a workspace sending n
messages with at most C in any minute, ((n - 1) // C) minutes; for a channel receiving n at r a
second, (n - 1) / r seconds; the floor is the largest of these. The run's time is from the jobs' start
to the last accepted message. Every expected message (one digest per workspace, one recap per person,
one nudge per person with a burst) is checked to have arrived exactly once, by its metadata key.
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from slack_sdk.oauth.installation_store.models.installation import Installation
from sqlalchemy import insert

from bot.config import Settings
from bot.metrics.weeks import week_label
from bot.runtime import open_runtime
from bot.storage.db import transaction
from bot.storage.tables import Ambassador, Post, Workspace, XAccount
from handlers.slack.installation import installation_store
from tests.fakes.slack_server import FakeSlack

REPO_ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 16, 11, 0, tzinfo=UTC)  # Monday of 2026-W47, 11:00 UTC
WEEK = "2026-W46"
FIRST_MONDAY = datetime(2026, 10, 5, tzinfo=UTC)  # 2026-W41: four baseline weeks and one more
WEEKS = 6
POSTS_PER_WEEK = 8
CLIENT_ID = "bench-client"
SEED = 47


@dataclass(frozen=True)
class Clock:
    """The moment the week's deliveries are due, and the people's zone and work days. This benchmark
    fixes it (NOW); tests.bench.scale runs workers on the real clock and passes its own."""

    now: datetime = NOW
    zone: str = "UTC"
    work_days: tuple[int, ...] = (0, 1, 2, 3, 4)

    @property
    def week(self) -> str:
        """The week delivered: the one before `now`'s."""
        return week_label((self.now - timedelta(days=7)).date())

    @property
    def first_monday(self) -> datetime:
        """Monday 00:00 of the first week of posts, WEEKS weeks before `now`'s."""
        day = self.now.date() - timedelta(days=self.now.weekday() + 7 * WEEKS)
        return datetime.combine(day, datetime.min.time(), UTC)


def build(
    database_url: str, workspaces: int, people: int, nudged: float, clock: Clock = Clock()
) -> dict[str, list]:
    """Store the program; returns who is where: workspace ids, team ids, and per person their ids."""
    settings = Settings(DATABASE_URL=database_url, SLACK_CLIENT_ID=CLIENT_ID)
    runtime = open_runtime(settings)
    rng = np.random.default_rng(SEED)
    created = clock.first_monday
    teams = [f"TB{n:04d}" for n in range(1, workspaces + 1)]
    total = workspaces * people
    with transaction(runtime.sessions) as session:
        session.execute(
            insert(Workspace),
            [
                {
                    "id": n + 1,
                    "platform": "slack",
                    "external_id": team,
                    "name": f"Bench {n + 1}",
                    "timezone": "UTC",
                    "digest_channel": f"C{team}",
                    "settings": {"digest_day": 0, "digest_time": 11 * 60},
                    "created_at": created,
                }
                for n, team in enumerate(teams)
            ],
        )
        session.execute(
            insert(XAccount),
            [
                {
                    "id": i + 1,
                    "handle": f"p{i + 1}",
                    "handle_key": f"p{i + 1}",
                    "status": "active",
                    "created_at": created,
                }
                for i in range(total)
            ],
        )
        session.execute(
            insert(Ambassador),
            [
                {
                    "id": i + 1,
                    "workspace_id": i // people + 1,
                    "x_account_id": i + 1,
                    "chat_user_id": f"U{i + 1:06d}",
                    "consent_at": created,
                    "consent_text": "benchmark",
                    "consent_source": "self",
                    "timezone": clock.zone,
                    "work_start": 9 * 60,
                    "work_end": 18 * 60,
                    "work_days": list(clock.work_days),
                    "topics": [],
                    "nudge_overrides": {},
                    "nudges_enabled": True,
                    "highlights_allowed": True,
                    "recap_enabled": True,
                    "created_at": created,
                }
                for i in range(total)
            ],
        )
        session.execute(insert(Post), _posts(rng, total, people, nudged, clock))
    _install(settings, runtime, teams)
    runtime.engine.dispose()
    bursting = [i + 1 for i in range(total) if i % people < round(nudged * people)]
    return {"teams": teams, "bursting": bursting}


def _posts(rng: np.random.Generator, total: int, people: int, nudged: float, clock: Clock) -> list[dict]:
    """Six weeks of ordinary posts each (07:00-23:00 UTC), and this morning's burst for the nudged."""
    count = WEEKS * POSTS_PER_WEEK
    owners = np.repeat(np.arange(1, total + 1), count)
    offsets = (
        np.tile(np.repeat(np.arange(WEEKS) * 7 * 86_400, POSTS_PER_WEEK), total)
        + rng.integers(0, 7, owners.size) * 86_400
        + rng.integers(7 * 3600, 23 * 3600, owners.size)
    )
    likes = rng.poisson(4, owners.size)
    rows = [
        _post(x_id, int(owner), clock.first_monday + timedelta(seconds=int(offset)), int(like))
        for x_id, (owner, offset, like) in enumerate(zip(owners, offsets, likes, strict=True), start=1)
    ]
    x_id = len(rows)
    for person in range(1, total + 1):
        if (person - 1) % people < round(nudged * people):
            for minute in range(0, 60, 10):  # 6 posts from 90 minutes ago (09:30 at NOW): one burst
                x_id += 1
                rows.append(_post(x_id, person, clock.now - timedelta(minutes=90 - minute), 1))
    return rows


def _post(x_id: int, account: int, at: datetime, likes: int) -> dict:
    return {
        "x_id": x_id,
        "x_account_id": account,
        "created_at": at,
        "kind": "original",
        "text": f"post {x_id} about our work",
        "likes": likes,
        "reposts": 0,
        "replies": 0,
        "quotes": 0,
        "source": "bench",
    }


def _install(settings: Settings, runtime, teams: list[str]) -> None:
    """Every workspace's installation, as the OAuth flow would have saved it."""
    store = installation_store(settings, runtime.engine)
    for n, team in enumerate(teams, start=1):
        store.save(
            Installation(
                app_id="A0BENCH",
                enterprise_id=None,
                team_id=team,
                bot_token=f"xoxb-bench-{team}",
                bot_id=f"BB{n:04d}",
                bot_user_id=f"UBOT{n:04d}",
                bot_scopes="chat:write,im:write,files:write,dnd:read",
                user_id="UINSTALLER",
                installed_at=time.time(),
            )
        )


def fake_slack(teams: list[str], people: int) -> FakeSlack:
    """The fake, with every workspace, person and digest channel."""
    slack = FakeSlack(team_id="T0000", bot_token="xoxb-unused", client_id=CLIENT_ID, client_secret="s")
    for n, team in enumerate(teams, start=1):
        bot = f"UBOT{n:04d}"
        slack.add_workspace(team, f"Bench {n}", f"xoxb-bench-{team}", bot)
        slack.add_channel(f"C{team}", f"ambassadors-{n}", members={bot})
        for i in range((n - 1) * people + 1, n * people + 1):
            slack.add_user(f"U{i:06d}", name=f"p{i}", tz="UTC", team_id=team)
    return slack


def run_driver(database_url: str, slack: FakeSlack, out: Path) -> dict:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "X_", "PLUME_"))},
        "DATABASE_URL": database_url,
        "SLACK_API_URL": slack.url,
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": "s",
        "SLACK_SIGNING_SECRET": "bench",
        "PLUME_OUTPUT_DIR": str(out),
        "LOG_LEVEL": "WARNING",
        "BENCH_NOW": NOW.isoformat(),
    }
    done = subprocess.run(
        [sys.executable, "-m", "tests.bench.delivery_driver"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"driver exited {done.returncode}:\n{done.stderr[-3000:]}")
    if done.stderr.strip():
        print(f"[driver stderr, last lines]\n{done.stderr.strip()[-1500:]}", file=sys.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(slack: FakeSlack, who: dict, args: argparse.Namespace, timing: dict, week: str = WEEK) -> dict:
    """Counts, floor, time and the exactly-once checks, from what the fake accepted."""
    teams = {f"xoxb-bench-{team}": team for team in who["teams"]}
    posts = [c for c in slack.calls_to("chat.postMessage") if c.status == 200]
    refused = sum(1 for c in slack.calls_to("chat.postMessage") if c.status == 429)
    keys: Counter[str] = Counter()
    per_workspace: Counter[str] = Counter()
    per_channel: Counter[tuple[str, str]] = Counter()
    for call, key in zip(posts, _keys(posts), strict=True):
        keys[key] += 1
        per_workspace[teams.get(call.token or "", "?")] += 1
        per_channel[(teams.get(call.token or "", "?"), str(call.body.get("channel")))] += 1
    workspaces, people = args.workspaces, args.people
    expected = {f"digest:{n}:CTB{n:04d}:{week}" for n in range(1, workspaces + 1)}
    expected |= {f"nudge:{a}:recap:{week}" for a in range(1, workspaces * people + 1)}
    nudges_by_person: defaultdict[int, int] = defaultdict(int)
    for key, count in keys.items():
        if key.startswith("nudge:") and ":recap:" not in key:
            nudges_by_person[int(key.split(":")[1])] += count
    bursting = set(who["bursting"])
    lost = len(expected - set(keys)) + sum(1 for a in bursting if nudges_by_person[a] == 0)
    duplicated = sum(c - 1 for c in keys.values() if c > 1) + sum(
        max(0, n - 1) for n in nudges_by_person.values()
    )
    unexpected = sum(1 for a in nudges_by_person if a not in bursting) + sum(
        1 for k in keys if not k.startswith("nudge:") and k not in expected
    )
    floor = max(
        max(((n - 1) // args.per_minute) * 60.0 for n in per_workspace.values()),
        max((n - 1) / args.per_channel for n in per_channel.values()),
    )
    last = max(c.at for c in posts)
    last_by_kind: dict[str, float] = defaultdict(float)
    for call, key in zip(posts, _keys(posts), strict=True):
        kind = "digest" if key.startswith("digest:") else "recap" if ":recap:" in key else "nudge"
        last_by_kind[kind] = max(last_by_kind[kind], call.at - timing["started"])
    elapsed = last - timing["started"]
    firsts = [at - timing["started"] for at in _nth_accepted(posts, teams, args.per_minute)]
    return {
        "workspaces": workspaces,
        "ambassadors": workspaces * people,
        "messages": len(posts),
        "digests": sum(1 for k in keys if k.startswith("digest:")),
        "recaps": sum(1 for k in keys if ":recap:" in k),
        "nudges": sum(nudges_by_person.values()),
        "refused_429": refused,
        "uploads": len([c for c in slack.calls if c.method == "upload"]),
        "lost": lost,
        "duplicated": duplicated,
        "unexpected": unexpected,
        "floor_s": round(floor, 1),
        "elapsed_s": round(elapsed, 1),
        "ratio": round(elapsed / floor, 3) if floor else math.nan,
        "jobs_finished_s": round(timing["finished"] - timing["started"], 1),
        "last_s": {kind: round(at, 1) for kind, at in sorted(last_by_kind.items())},
        "first_s": round(min(c.at for c in posts) - timing["started"], 1),
        # When every workspace had a minute's worth accepted: each later minute can only repeat this
        # spread, so it bounds the run at about this plus the floor.
        "first_minute_s": round(max(firsts), 1),
        "first_minute_p50_p90_s": [round(float(q), 1) for q in np.percentile(firsts, [50, 90])],
        "driver_cpu_s": timing.get("cpu_s"),
        "helper_cpu_s": timing.get("helper_cpu_s"),
        # Accepted messages per 30 s since the start: shows whether sending kept up with the windows.
        "per_30s": list(np.bincount([int((c.at - timing["started"]) // 30) for c in posts]).tolist()),
    }


def _nth_accepted(posts: list, teams: dict[str, str], n: int) -> list[float]:
    """When each workspace had its `n`-th message accepted."""
    times: defaultdict[str, list[float]] = defaultdict(list)
    for call in posts:
        times[teams.get(call.token or "", "?")].append(call.at)
    return [sorted(at)[min(n, len(at)) - 1] for at in times.values()]


def _keys(posts: list) -> list[str]:
    """The delivery key in each accepted message's metadata."""
    found = []
    for call in posts:
        metadata = call.body.get("metadata")
        metadata = json.loads(metadata) if isinstance(metadata, str) else metadata or {}
        found.append(metadata.get("event_payload", {}).get("key", "?"))
    return found


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspaces", type=int, default=500)
    parser.add_argument("--people", type=int, default=20, help="ambassadors per workspace")
    parser.add_argument("--nudged", type=float, default=0.1, help="share of people with a burst today")
    parser.add_argument("--per-minute", type=int, default=6, help="chat.postMessage per workspace per minute")
    parser.add_argument(
        "--per-channel", type=float, default=1.0, help="chat.postMessage per channel per second"
    )
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="plume-delivery-") as tmp:
        workdir = Path(tmp)
        url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
        began = time.perf_counter()
        who = build(url, args.workspaces, args.people, args.nudged)
        took = time.perf_counter() - began
        print(f"built {args.workspaces} workspaces x {args.people} people in {took:.1f} s", flush=True)
        with fake_slack(who["teams"], args.people) as slack:
            slack.set_rate_limit(
                per_channel_per_second=args.per_channel, per_workspace_per_minute=args.per_minute
            )
            timing = run_driver(url, slack, workdir / "out")
            result = measure(slack, who, args, timing)
    print(
        f"\n{result['workspaces']} workspaces, {result['ambassadors']:,} ambassadors; limits: "
        f"{args.per_minute}/min per workspace, {args.per_channel:g}/s per channel\n"
        f"messages {result['messages']:,} (digests {result['digests']}, recaps {result['recaps']:,}, "
        f"nudges {result['nudges']:,}); 429s {result['refused_429']:,}; chart uploads {result['uploads']:,}\n"
        f"floor {result['floor_s']:.1f} s, run {result['elapsed_s']:.1f} s: ratio {result['ratio']:.3f}\n"
        f"lost {result['lost']}, duplicated {result['duplicated']}, unexpected {result['unexpected']}; "
        f"first accepted at {result['first_s']} s, a minute's worth for every workspace by "
        f"{result['first_minute_s']} s (median {result['first_minute_p50_p90_s'][0]} s, "
        f"90% by {result['first_minute_p50_p90_s'][1]} s), last (s): {result['last_s']}\n"
        f"CPU: Plume's process {result['driver_cpu_s']} s, its helper processes {result['helper_cpu_s']} s\n"
        f"accepted per 30 s: {result['per_30s']}"
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
