"""The chaos run: many web and worker processes on PostgreSQL, some of them killed, the database restarted.

    python -m tests.chaos.run [--seconds 180] [--repeat 5] [--seed 1] [--workspaces 8] [--people 10]

On a private PostgreSQL cluster (tests/fakes/pg_cluster.py: restarting it disturbs nobody), with the
fake Slack and the fake X on loopback: `python -m bot migrate`, a program whose week's digest is due
(tests/chaos/world.py), 2 `python -m bot serve` and 3 `python -m bot worker` processes with
PLUME_JOBS=procrastinate. While the week's digests, recaps and nudges go out, it SIGKILLs a random
worker every few seconds and starts a new one, restarts PostgreSQL once, and sends the same slash
commands to both web processes. The chaos stops at `--chaos` of the time; then it waits (until the
time is up) for every expected message, every answer, and no job left "doing". Seeded (which worker,
when, which command, when the database restarts) and bounded in time; it prints what it killed and
when, and ends with one JSON line per run.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bot.config import Settings
from tests.chaos import checks
from tests.chaos.commands import Commander
from tests.chaos.fleet import Fleet, fleet_env
from tests.chaos.world import CLIENT_ID, CLIENT_SECRET, X_BEARER, World, seed_world
from tests.fakes.pg_cluster import PgCluster
from tests.fakes.response_urls import ResponseUrls
from tests.fakes.serve_process import REPO
from tests.fakes.slack_server import FakeSlack
from tests.fakes.x_server import FakeX


class Chaos:
    """One seeded run; `events` is what was done to the fleet and the database, and when."""

    def __init__(self, args: argparse.Namespace, say: Callable[[str], None] = print) -> None:
        self.args, self.say = args, say
        self.rng = random.Random(args.seed)
        self.events: list[dict] = []
        self.t0 = time.monotonic()

    def note(self, what: str, **fields) -> None:
        at = round(time.monotonic() - self.t0, 1)
        self.events.append({"at_s": at, "what": what, **fields})
        detail = " ".join(f"{k}={v}" for k, v in fields.items())
        self.say(f"[chaos {at:6.1f} s] {what} {detail}".rstrip())

    def run(self) -> dict:
        args = self.args
        with (
            tempfile.TemporaryDirectory(prefix="plume-chaos-") as tmp,
            PgCluster() as cluster,
            FakeSlack(
                team_id="T0000", bot_token="xoxb-unused", client_id=CLIENT_ID, client_secret=CLIENT_SECRET
            ) as slack,
            FakeX(bearer=X_BEARER) as x,
            ResponseUrls() as urls,
        ):
            work = Path(tmp)
            migrate(cluster.url)
            settings = Settings(DATABASE_URL=cluster.url, SLACK_CLIENT_ID=CLIENT_ID)
            world = seed_world(
                settings, slack, x, workspaces=args.workspaces, people=args.people, seed=args.seed
            )
            slack.set_rate_limit(per_channel_per_second=1.0, per_workspace_per_minute=args.per_minute)
            (work / "logs").mkdir()
            env = fleet_env(
                cluster.url,
                slack.url,
                x.url,
                work / "out",
                PLUME_JOBS_HEARTBEAT=str(args.heartbeat),
                PLUME_JOBS_STALLED_AFTER=str(args.stalled_after),
                PLUME_WORKER_CONCURRENCY=str(args.concurrency),
            )
            fleet = Fleet(env, work / "logs")
            try:
                return self._under_fire(cluster, fleet, slack, urls, world)
            finally:
                fleet.stop_all()
                if args.keep_logs:
                    self._keep(fleet, Path(args.keep_logs))

    def _under_fire(self, cluster: PgCluster, fleet: Fleet, slack, urls: ResponseUrls, world: World) -> dict:
        args = self.args
        webs = [fleet.start("serve") for _ in range(args.webs)]
        for _ in range(args.workers):
            fleet.start("worker")
        fleet.wait_serving()
        self.t0 = time.monotonic()
        self.note("started", webs=",".join(w.name for w in webs), workers=args.workers, week=world.week)
        kick_ticks(cluster.url, ("tick_deliveries", "tick_poll"))
        self.note("ticks deferred now", ticks="tick_deliveries,tick_poll")
        commander = Commander({w.name: w.port for w in webs}, urls, world, self.rng, args.command_every)
        commander.start()
        chaos_until = args.seconds * args.chaos
        restart_at = self.rng.uniform(0.3, 0.6) * chaos_until
        next_kill = self.rng.uniform(*args.kill_every)
        restarted, settled_at, deadline = False, None, args.seconds
        while (now := time.monotonic() - self.t0) < deadline:
            self._supervise(fleet)
            if now < chaos_until and now >= next_kill:
                self._kill_one(fleet)
                next_kill = now + self.rng.uniform(*args.kill_every)
            if not restarted and now >= restart_at:
                self.note("restarting PostgreSQL")
                took = cluster.restart()
                self.note("PostgreSQL back", took_s=round(took, 2), **cluster.last_restart)
                if took > 5:
                    self.say(f"[chaos] a slow restart; the server's log ends:\n{cluster.log_tail()}")
                # A slow restart (one took 60 s on a busy machine) must not eat the time the work has
                # to settle: the run ends no sooner than that time after PostgreSQL is back.
                deadline = max(deadline, time.monotonic() - self.t0 + args.seconds * (1 - args.chaos))
                restarted = True
            if now >= chaos_until and commander.is_running():
                commander.stop()
                self.note("chaos over: no more kills or commands; waiting for the work to settle")
            if now >= chaos_until and self._settled(cluster.url, slack, world, commander):
                settled_at = round(now, 1)
                self.note("settled: everything delivered and answered, no job doing")
                break
            time.sleep(0.25)
        commander.stop()
        return self._report(cluster.url, fleet, slack, urls, world, commander, settled_at)

    def _kill_one(self, fleet: Fleet) -> None:
        victim = self.rng.choice(fleet.live("worker"))
        fleet.kill(victim)
        fresh = fleet.start("worker")
        self.note("SIGKILL", worker=victim.name, pid=victim.pid, started=fresh.name, new_pid=fresh.pid)

    def _supervise(self, fleet: Fleet) -> None:
        """Restart a worker that exited on its own, as a supervisor would (and say so)."""
        for member in fleet.members:
            if member.kind == "worker" and member.killed_at is None and not member.alive():
                member.killed_at = time.monotonic()
                fresh = fleet.start("worker")
                code = member.process.returncode
                self.note("exited by itself", worker=member.name, code=code, started=fresh.name)

    def _settled(self, url: str, slack, world: World, commander: Commander) -> bool:
        if checks.deliveries(slack, world)["lost"] or commander.unanswered():
            return False
        try:
            return not checks.doing_jobs(url)
        except Exception:  # the database is still coming back: not settled
            return False

    def _report(self, url, fleet, slack, urls, world, commander, settled_at) -> dict:
        delivered = checks.deliveries(slack, world)
        answered = checks.answers(commander.sent, urls, checks.stalled_retries(fleet))
        answer_s = sorted(
            urls.answered_at(s.url)[0] - s.at for s in commander.sent if urls.answered_at(s.url)
        )
        return {
            "seed": self.args.seed,
            "seconds": self.args.seconds,
            "settled_s": settled_at,
            "kills": sum(1 for e in self.events if e["what"] == "SIGKILL"),
            "self_exits": sum(1 for e in self.events if e["what"] == "exited by itself"),
            "pg_restarts": sum(1 for e in self.events if e["what"] == "PostgreSQL back"),
            "deliveries": delivered,
            "commands": answered,
            "answer_p50_p99_s": _quantiles(answer_s),
            "jobs": checks.job_statuses(url),
            "doing": checks.doing_jobs(url),
            "jobs_by_worker": dict(checks.jobs_per_process(fleet)),
            "events": self.events,
        }

    def _keep(self, fleet: Fleet, where: Path) -> None:
        where.mkdir(parents=True, exist_ok=True)
        for member in fleet.members:
            (where / member.log.name).write_text(fleet.text(member))


def _quantiles(values: list[float]) -> list[float] | None:
    if not values:
        return None
    return [round(values[int(q * (len(values) - 1))], 2) for q in (0.5, 0.99)]


def kick_ticks(database_url: str, names: tuple[str, ...]) -> None:
    """Defer these periodic ticks now, as if their minute had come: the run need not wait for the next
    minute boundary (procrastinate defers the later ones by itself)."""
    from bot.jobs.queue import defer, opened_app

    app = opened_app(Settings(DATABASE_URL=database_url))
    try:
        for name in names:
            defer(app, name)(timestamp=int(time.time()))
    finally:
        app.close()


def migrate(database_url: str) -> None:
    """`python -m bot migrate`, as the Procfile's `release:` runs it."""
    done = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"],
        cwd=REPO,
        env={**fleet_env(database_url, "", "", Path(tempfile.gettempdir())), "LOG_LEVEL": "WARNING"},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"migrate failed: {done.stdout}{done.stderr}")


def failures(report: dict) -> list[str]:
    """What the run got wrong, in words (empty: it passed)."""
    problems = []
    d, c = report["deliveries"], report["commands"]
    if d["lost"]:
        problems.append(f"lost {len(d['lost'])}: {d['lost'][:5]}")
    if d["duplicated"]:
        problems.append(f"duplicated {len(d['duplicated'])}: {d['duplicated'][:5]}")
    if d["unexpected"]:
        problems.append(f"unexpected: {d['unexpected'][:5]}")
    if c["unanswered"]:
        problems.append(f"unanswered {len(c['unanswered'])}: {c['unanswered'][:5]}")
    if c["answered_twice"]:
        problems.append(f"answered more than once: {c['answered_twice'][:5]}")
    if report["jobs"] is None:
        problems.append("no procrastinate job table: the workers did not run the procrastinate engine")
    if report["doing"]:
        problems.append(f"jobs left doing: {report['doing'][:5]}")
    if sum(1 for n in report["jobs_by_worker"].values() if n) < 2:
        problems.append(f"jobs ran in fewer than 2 workers: {report['jobs_by_worker']}")
    zero = [e["worker"] for e in report["events"] if e["what"] == "exited by itself" and e["code"] == 0]
    if zero:  # exit 0 means "stopped on purpose": a supervisor that restarts on failure would not
        problems.append(f"workers exited 0 without being asked to stop: {zero}")
    if report["pg_restarts"] != 1:
        problems.append("PostgreSQL was not restarted")
    return problems


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=180, help="time bound of one run")
    parser.add_argument("--chaos", type=float, default=0.6, help="share of the time with kills and commands")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1, help="first run's seed; each repetition adds one")
    parser.add_argument("--workspaces", type=int, default=8)
    parser.add_argument("--people", type=int, default=10, help="ambassadors per workspace")
    parser.add_argument("--webs", type=int, default=2)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument(
        "--per-minute", type=int, default=30, help="fake Slack: messages per workspace a minute"
    )
    parser.add_argument("--kill-every", type=float, nargs=2, default=(3.0, 6.0), metavar=("MIN", "MAX"))
    parser.add_argument("--command-every", type=float, default=1.0, help="seconds between commands")
    parser.add_argument("--heartbeat", type=float, default=2.0, help="PLUME_JOBS_HEARTBEAT, seconds")
    parser.add_argument("--stalled-after", type=float, default=8.0, help="PLUME_JOBS_STALLED_AFTER, seconds")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=32,
        help="PLUME_WORKER_CONCURRENCY (default 32: workers with helper processes; below 8, none)",
    )
    parser.add_argument("--keep-logs", help="copy every process's log here")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    failed = 0
    first = args.seed
    for n in range(args.repeat):
        args.seed = first + n
        report = Chaos(args).run()
        problems = failures(report)
        failed += bool(problems)
        print(summary(report, problems), flush=True)
        print(json.dumps({k: v for k, v in report.items() if k != "events"}, default=str), flush=True)
    print(f"{args.repeat - failed} of {args.repeat} runs passed")
    return 1 if failed else 0


def summary(report: dict, problems: list[str]) -> str:
    d, c = report["deliveries"], report["commands"]
    return (
        f"seed {report['seed']}: {'PASS' if not problems else 'FAIL'} in {report['settled_s']} s; "
        f"{report['kills']} workers killed, {report['self_exits']} exited by themselves, "
        f"PostgreSQL restarted {report['pg_restarts']}x; delivered {d['delivered']}/{d['expected']} "
        f"(digests {d['digests']}, recaps {d['recaps']}, nudges {d['nudges']}), lost {len(d['lost'])}, "
        f"duplicated {len(d['duplicated'])}; commands {c['acked']}/{c['sent']} acked, "
        f"{c['answered_once']} answered once ({c['told_in_the_ack']} told to retry in the ack), "
        f"unanswered {len(c['unanswered'])}, again after a kill {len(c['answered_again_after_a_kill'])}, "
        f"twice {len(c['answered_twice'])}; answer p50/p99 {report['answer_p50_p99_s']} s; "
        f"jobs {report['jobs']}, by worker {report['jobs_by_worker']}"
        + "".join(f"\n  FAIL: {p}" for p in problems)
    )


if __name__ == "__main__":
    sys.exit(main())
