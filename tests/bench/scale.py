"""The 500-workspace delivery benchmark (tests.bench.delivery_rate) run by 1, 2 and 3 `python -m bot worker`
processes on PostgreSQL, with the procrastinate engine.

    python -m tests.bench.scale [--workers 1 2 3] [--workspaces 500] [--people 20] [--nudged 0.1]
                                [--per-minute 6] [--per-channel 1.0] [--concurrency N] [--logs DIR]

A benchmark script, not a test. For each worker count: a fresh private PostgreSQL cluster
(tests/fakes/pg_cluster.py; fsync and synchronous_commit off: it is never restarted), `python -m bot
migrate`, the same program as delivery_rate (the people's zone chosen so that it is 11:xx for them,
inside work hours, and this morning's bursts 90 to 40 minutes ago), the fake Slack in this process with
the same rate limits, then N workers, started with nothing due (no digest due, nudges off) until each
logged that its helper processes are ready (`startup_s`). The clock starts when the digest hour comes
to the running workers, as in a deployment: every workspace's digest made due and nudges switched on,
and the first ticks deferred (tick_deliveries and tick_poll, as if their minute had come); it stops at
the last accepted message, once every expected message has arrived (or at `--timeout`). The floor,
lost and duplicated are delivery_rate's. PLUME_WORKER_CONCURRENCY is `--concurrency` (default: enough
job slots across the workers for every workspace at once: a sending job mostly waits on its workspace's
rate limit).
Prints a table, then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from tests.bench.delivery_rate import CLIENT_ID, Clock, build, fake_slack, measure
from tests.chaos.checks import accepted_keys
from tests.chaos.fleet import Fleet
from tests.chaos.run import kick_ticks, migrate
from tests.chaos.world import EVERY_DAY, local_zone
from tests.fakes.pg_cluster import PgCluster


def worker_env(database_url: str, slack_url: str, out: Path, concurrency: int) -> dict[str, str]:
    """What each worker gets: delivery_rate's driver settings, plus the procrastinate engine."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "X_", "PLUME_", "DATABASE_"))}
    env.update(
        DATABASE_URL=database_url,
        PLUME_JOBS="procrastinate",
        PLUME_WORKER_CONCURRENCY=str(concurrency),
        SLACK_API_URL=slack_url,
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET="s",
        SLACK_SIGNING_SECRET="bench",
        PLUME_OUTPUT_DIR=str(out),
        POLL_INTERVAL="60",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    return env


def run_once(workers: int, args: argparse.Namespace) -> dict:
    """One worker count on a fresh cluster: measure()'s figures, plus the jobs each worker ran."""
    now = datetime.now(UTC)
    clock = Clock(now=now, zone=local_zone(now), work_days=EVERY_DAY)
    concurrency = args.concurrency or min(512, math.ceil(args.workspaces / workers) + 8)
    with (
        tempfile.TemporaryDirectory(prefix="plume-scale-") as tmp,
        PgCluster(max_connections=300, synchronous_commit=False) as cluster,
    ):
        migrate(cluster.url)
        began = time.perf_counter()
        who = build(cluster.url, args.workspaces, args.people, args.nudged, clock)
        print(f"[{workers} worker(s)] built in {time.perf_counter() - began:.1f} s", flush=True)
        with fake_slack(who["teams"], args.people) as slack:
            slack.set_rate_limit(
                per_channel_per_second=args.per_channel, per_workspace_per_minute=args.per_minute
            )
            fleet = Fleet(worker_env(cluster.url, slack.url, Path(tmp) / "out", concurrency), Path(tmp))
            cpu_before = _children_cpu()
            hold_back(cluster.url, due=False)
            launched = time.time()
            for _ in range(workers):
                fleet.start("worker")
            ready = _wait_ready(fleet, launched + args.timeout)
            started = time.time()  # the digest hour comes to running workers, as in a deployment
            hold_back(cluster.url, due=True)
            kick_ticks(cluster.url, ("tick_deliveries", "tick_poll"))
            finished = _wait_complete(slack, who, args, clock.week, started)
            time.sleep(args.linger)  # a late duplicate would land here
            fleet.stop_all(seconds=60)
            timing = {
                "startup_s": round(ready - launched, 1),
                "started": started,
                "finished": finished,
                "cpu_s": round(_children_cpu() - cpu_before, 1),
            }
            result = measure(slack, who, args, timing, clock.week)
            result["workers"], result["concurrency"] = workers, concurrency
            result["startup_s"] = timing["startup_s"]
            result["jobs_by_worker"] = _jobs_by_worker(fleet)
            if args.logs:
                _keep_logs(fleet, Path(args.logs) / f"{workers}-workers")
            result["sizes"] = table_sizes(cluster.url)
    return result


SIZED = ("posts", "nudge_log", "digest_log", "ambassadors", "x_accounts", "procrastinate_jobs")


def table_sizes(database_url: str) -> dict[str, dict[str, float]]:
    """Rows and bytes per row (table, indexes and TOAST: pg_total_relation_size) of the tables a month
    grows, as this run left them (successful jobs are deleted, so the job table holds what failed)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    sizes = {}
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        for name in SIZED:
            rows = conn.execute(text(f"SELECT count(*) FROM {name}")).scalar_one()
            size = conn.execute(text(f"SELECT pg_total_relation_size('{name}')")).scalar_one()
            sizes[name] = {
                "rows": rows,
                "bytes": size,
                "bytes_per_row": round(size / rows, 1) if rows else None,
            }
    engine.dispose()
    return sizes


def hold_back(database_url: str, *, due: bool) -> None:
    """Before the workers are up (`due=False`): no digest due (Sunday 23:59) and nudges off, so they
    start and warm up with nothing to do; then (`due=True`): digests due since Monday 00:00 and
    nudges on, the moment the clock starts."""
    from sqlalchemy import create_engine, update

    from bot.storage.tables import Ambassador, Workspace

    when = {"digest_day": 0, "digest_time": 0} if due else {"digest_day": 6, "digest_time": 23 * 60 + 59}
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(update(Workspace).values(settings=when))
        conn.execute(update(Ambassador).values(nudges_enabled=due))
    engine.dispose()


def _wait_ready(fleet: Fleet, deadline: float) -> float:
    """Until every worker logged that its helper processes are ready (or `deadline`); when."""
    while time.time() < deadline:
        if all("helpers ready" in fleet.text(m) for m in fleet.members):
            break
        time.sleep(0.2)
    return time.time()


def _wait_complete(slack, who: dict, args: argparse.Namespace, week: str, started: float) -> float:
    """Until every digest, recap and burst's nudge was accepted (or the timeout); when."""
    expected = {f"digest:{n}:CTB{n:04d}:{week}" for n in range(1, args.workspaces + 1)}
    expected |= {f"nudge:{a}:recap:{week}" for a in range(1, args.workspaces * args.people + 1)}
    bursting = set(who["bursting"])
    while time.time() - started < args.timeout:
        keys = accepted_keys(slack)
        nudged = {int(k.split(":")[1]) for k in keys if k.startswith("nudge:") and ":recap:" not in k}
        if expected <= set(keys) and bursting <= nudged:
            return time.time()
        time.sleep(1.0)
    return time.time()


def _jobs_by_worker(fleet: Fleet) -> dict[str, int]:
    """How many deliver_week jobs each worker ran to the end."""
    return {
        m.name: sum(
            1 for line in fleet.text(m).splitlines() if "job ended" in line and "job=deliver_week " in line
        )
        for m in fleet.members
    }


def _keep_logs(fleet: Fleet, folder: Path) -> None:
    """Each worker's log, copied out of the run's temporary folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for member in fleet.members:
        (folder / f"{member.name}.log").write_text(fleet.text(member))


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def table(results: list[dict]) -> str:
    """One row per worker count."""
    lines = [
        "workers  concurrency  startup_s  messages  floor_s  run_s  ratio  lost  duplicated  unexpected  "
        "429s  cpu_s",
    ]
    for r in results:
        lines.append(
            f"{r['workers']:>7}  {r['concurrency']:>11}  {r['startup_s']:>9}  {r['messages']:>8,}  "
            f"{r['floor_s']:>7.1f}  "
            f"{r['elapsed_s']:>5.1f}  {r['ratio']:>5.3f}  {r['lost']:>4}  {r['duplicated']:>10}  "
            f"{r['unexpected']:>10}  {r['refused_429']:>4,}  {r['driver_cpu_s']:>5}"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--workspaces", type=int, default=500)
    parser.add_argument("--people", type=int, default=20, help="ambassadors per workspace")
    parser.add_argument("--nudged", type=float, default=0.1, help="share of people with a burst today")
    parser.add_argument("--per-minute", type=int, default=6, help="chat.postMessage per workspace per minute")
    parser.add_argument(
        "--per-channel", type=float, default=1.0, help="chat.postMessage per channel a second"
    )
    parser.add_argument("--concurrency", type=int, help="PLUME_WORKER_CONCURRENCY (default: see above)")
    parser.add_argument("--linger", type=float, default=10.0, help="seconds to wait for late duplicates")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds before giving up on a run")
    parser.add_argument("--logs", help="a folder to keep the workers' logs in (one per worker count)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results = []
    for workers in args.workers:
        result = run_once(workers, args)
        results.append(result)
        print(
            f"[{workers} worker(s)] ratio {result['ratio']:.3f} (run {result['elapsed_s']} s, floor "
            f"{result['floor_s']} s), lost {result['lost']}, duplicated {result['duplicated']}; "
            f"deliver_week jobs by worker {result['jobs_by_worker']}",
            flush=True,
        )
    print(
        f"\n{args.workspaces} workspaces x {args.people} people on PostgreSQL (private cluster)\n"
        + table(results)
    )
    print(json.dumps({"runs": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
