"""Bad-signature flood against ONE `python -m bot serve`: refusals a second, and real acks beside it.

    python -m tests.bench.rejection_flood [--flooders 2] [--connections 16] [--flood-seconds 10]
        [--requests 1000] [--concurrency 50] [--warmup 100] [--budget 40] [--threads 16] [--text help]

A benchmark script, not a test: it prints numbers and asserts nothing about time. Plume is a
subprocess served by waitress on loopback against an in-process FakeSlack (server start, client loop
and percentiles are tests/bench/slack_latency.py's). Four phases:

0. the front alone, in this process: microseconds to refuse one bad signature (HMAC and log line),
   the part of a refusal that is Plume's own code rather than waitress's HTTP handling.
1. flood alone: `--flooders` processes of `--connections` keep-alive connections (default 2 x 16; waitress
   accepts about 100 connections at once, and the 50 clients need theirs) sending `/plume` commands whose
   signature is wrong (fresh timestamp, so each is refused at the HMAC, the front's dearest refusal),
   for `--flood-seconds`; refusals a second = 401 answers / seconds.
2. acks without a flood: `--requests` signed `/plume <text>` from `--concurrency` client threads.
3. the same acks while the flooders run beside them.

The flooders are separate processes so the client threads' interpreter lock does not throttle them;
all of it shares the machine's cores with the server, so the figures are a floor. The last line
printed is one JSON object.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import logging
import multiprocessing
import sys
import tempfile
import threading
import time
from pathlib import Path

from bot.logs import KeyValueFormatter
from handlers.slack.front import guard_events
from tests.bench.slack_latency import (
    BOT_TOKEN,
    EVENTS_PATH,
    USER_ID,
    Result,
    fire,
    join_bench_user,
    start_server,
)
from tests.fakes.response_urls import ResponseUrls
from tests.fakes.slack_requests import SIGNING_SECRET, command_body, signed_headers
from tests.fakes.slack_server import FakeSlack

FRESH_EVERY = 500  # requests between new timestamps: each stays inside Slack's 5-minute window


def flood(port: int, connections: int, stop, ready, results) -> None:
    """One flooder process: `connections` threads, each sending bad-signature commands on its own
    keep-alive connection until `stop` is set. Puts None on `ready` once every connection has had an
    answer, and (answers by status, seconds since then) on `results` at the end."""
    answered = threading.Barrier(connections + 1)
    tallies: list[dict[int, int]] = []
    threads = [
        threading.Thread(target=_flood_connection, args=(port, stop, answered, tallies))
        for _ in range(connections)
    ]
    for thread in threads:
        thread.start()
    answered.wait()
    began = time.perf_counter()  # the rate counts once every connection is up
    ready.put(None)
    for thread in threads:
        thread.join()
    statuses: dict[int, int] = {}
    for tally in tallies:
        for status, n in tally.items():
            statuses[status] = statuses.get(status, 0) + n
    results.put((statuses, time.perf_counter() - began))


def _flood_connection(port: int, stop, answered: threading.Barrier, tallies: list) -> None:
    """One connection of a flooder (its first answer is a warm-up and is not counted)."""
    body = command_body("help", user_id=USER_ID).encode()
    statuses: dict[int, int] = {}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    sent = 0
    while sent == 0 or not stop.is_set():
        if sent % FRESH_EVERY == 0:
            headers = signed_headers(body.decode(), secret="not-the-signing-secret")
        try:
            conn.request("POST", EVENTS_PATH, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            status = 0
            conn.close()
        if sent == 0:
            answered.wait()
        else:
            statuses[status] = statuses.get(status, 0) + 1
        sent += 1
    conn.close()
    tallies.append(statuses)


class Flood:
    """`count` flooder processes of `connections` connections each, started and stopped together."""

    def __init__(self, port: int, count: int, connections: int) -> None:
        context = multiprocessing.get_context("spawn")  # no fork of a process with server threads
        self.stop, self.ready, self.results = context.Event(), context.Queue(), context.Queue()
        self.processes = [
            context.Process(
                target=flood, args=(port, connections, self.stop, self.ready, self.results), daemon=True
            )
            for _ in range(count)
        ]

    def __enter__(self) -> Flood:
        """Start the flooders and return once every one has had an answer (spawning takes a second)."""
        for process in self.processes:
            process.start()
        for _ in self.processes:
            self.ready.get(timeout=60)
        return self

    def __exit__(self, *_exc) -> None:
        self.stop.set()

    def tally(self) -> tuple[dict[int, int], float]:
        """Answers by status from every flooder, and their summed rate (answers a second)."""
        statuses: dict[int, int] = {}
        rate = 0.0
        for _ in self.processes:
            counted, seconds = self.results.get(timeout=60)
            for status, n in counted.items():
                statuses[status] = statuses.get(status, 0) + n
            rate += sum(counted.values()) / seconds if seconds else 0.0
        for process in self.processes:
            process.join(timeout=10)
        return statuses, rate


def front_cost(requests: int = 20_000) -> float:
    """Microseconds for `guard_events` to refuse one bad-signature command, its log line included
    (formatted as in production, written to a discarded stream)."""
    body = command_body("help", user_id=USER_ID).encode()
    headers = signed_headers(body.decode(), secret="not-the-signing-secret")
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": EVENTS_PATH,
        "CONTENT_LENGTH": str(len(body)),
        "REMOTE_ADDR": "127.0.0.1",
        **{"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()},
    }
    front = guard_events(lambda *_: [b""], SIGNING_SECRET, 1_048_576)
    handler = logging.StreamHandler(io.StringIO())
    handler.setFormatter(KeyValueFormatter())
    logger = logging.getLogger("handlers.slack.front")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        began = time.perf_counter()
        for _ in range(requests):
            handler.stream.seek(0)
            front({**environ, "wsgi.input": io.BytesIO(body)}, lambda *_: None)
        return (time.perf_counter() - began) / requests * 1e6
    finally:
        logger.removeHandler(handler)
        logger.propagate = True


def bolt_cost(requests: int = 5_000) -> float:
    """Microseconds for a bare Bolt app to refuse the same request (what a refusal cost before the
    front): BoltRequest parses the form body, then Bolt's middleware checks the signature."""
    from slack_bolt import App
    from slack_bolt.request import BoltRequest

    logging.getLogger("slack_bolt").setLevel(logging.CRITICAL)  # time the refusal, not a log handler
    app = App(signing_secret=SIGNING_SECRET, token=BOT_TOKEN, token_verification_enabled=False)
    body = command_body("help", user_id=USER_ID)
    headers = signed_headers(body, secret="not-the-signing-secret")
    began = time.perf_counter()
    for _ in range(requests):
        assert app.dispatch(BoltRequest(body=body, headers=headers)).status == 401
    return (time.perf_counter() - began) / requests * 1e6


def acks(port: int, recorder: ResponseUrls, args: argparse.Namespace, name: str) -> Result:
    """Warm up, then the measured signed commands."""
    fire(port, [recorder.new() for _ in range(args.warmup)], args.concurrency, name, 15.0, text=args.text)
    urls = [recorder.new() for _ in range(args.requests)]
    return fire(port, urls, args.concurrency, name, args.budget, text=args.text)


def report(
    alone: tuple[dict[int, int], float],
    quiet: Result,
    flooded: Result,
    beside,
    args,
    costs: tuple[float, float],
) -> None:
    (alone_statuses, alone_rate), (beside_statuses, beside_rate) = alone, beside
    print()
    flooders = f"{args.flooders} flooders x {args.connections} connections"
    print(f"flood alone: {flooders} for {args.flood_seconds:g} s: {alone_rate:.0f} refusals/s")
    print(f"  answers by status: {dict(sorted(alone_statuses.items()))}")
    print(f"/plume {args.text} acks, {args.requests} requests, concurrency {args.concurrency} (ms)")
    row = "{:<14} {:>8} {:>6} {:>8} {:>8} {:>8} {:>8} {:>8}"
    header = row.format("phase", "requests", "errors", "p50", "p90", "p99", "max", "req/s")
    print(header)
    print("-" * len(header))
    for r in (quiet, flooded):
        figures = [f"{r.percentile(p):.1f}" for p in (50, 90, 99, 100)]
        print(row.format(r.target, len(r.latencies), r.errors, *figures, f"{r.rate:.1f}"))
    by_status = dict(sorted(beside_statuses.items()))
    print(f"flood beside the acks: {beside_rate:.0f} refusals/s, by status {by_status}")
    summary = {
        "front_us_per_refusal": round(costs[0], 1),
        "bare_bolt_us_per_refusal": round(costs[1], 1),
        "threads": args.threads,
        "flooders": args.flooders,
        "flood_connections": args.flooders * args.connections,
        "refusals_per_s": round(alone_rate),
        "refusals_per_s_beside_acks": round(beside_rate),
        "non_401_in_flood": sum(
            n for s, n in [*alone_statuses.items(), *beside_statuses.items()] if s != 401
        ),
        "concurrency": args.concurrency,
        "requests": args.requests,
        "p99_ms_no_flood": round(quiet.percentile(99), 2),
        "p99_ms_flood": round(flooded.percentile(99), 2),
        "p50_ms_no_flood": round(quiet.percentile(50), 2),
        "p50_ms_flood": round(flooded.percentile(50), 2),
        "ack_errors": quiet.errors + flooded.errors,
    }
    print(json.dumps(summary))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench.rejection_flood", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--flooders", type=int, default=2, help="flooder processes (one connection each)")
    parser.add_argument("--connections", type=int, default=16, help="connections per flooder process")
    parser.add_argument("--flood-seconds", type=float, default=10.0, help="length of the flood-alone phase")
    parser.add_argument("--requests", type=int, default=1000, help="measured signed commands per phase")
    parser.add_argument("--concurrency", type=int, default=50, help="client threads sending signed commands")
    parser.add_argument("--warmup", type=int, default=100, help="unmeasured signed commands first")
    parser.add_argument("--budget", type=float, default=40.0, help="seconds at most for one phase's acks")
    parser.add_argument("--threads", type=int, default=16, help="PLUME_WEB_THREADS of the server")
    parser.add_argument("--text", default="help", help="the /plume command the clients send")
    args = parser.parse_args(argv)
    if min(args.flooders, args.requests, args.concurrency) < 1 or args.flood_seconds <= 0:
        parser.error("--flooders, --requests and --concurrency must be at least 1, --flood-seconds > 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with (
        FakeSlack() as fake,
        ResponseUrls() as recorder,
        tempfile.TemporaryDirectory(prefix="plume-flood-") as tmp,
    ):
        workdir = Path(tmp)
        fake.add_user(USER_ID, name="bench", tz="Europe/Paris")
        env = {
            "DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_API_URL": fake.url,
            "PLUME_WEB_THREADS": str(args.threads),
            "LOG_LEVEL": "WARNING",  # as in production: each refusal writes its line (to a file here)
        }
        plume = start_server("plume", [sys.executable, "-m", "bot", "serve"], env, workdir)
        try:
            print(f"plume on :{plume.port}, fake Slack at {fake.url}")
            print(f"joined: {join_bench_user(plume, recorder)}")
            cost = front_cost()
            print(f"the front refuses one bad signature in {cost:.1f} us (in process, no HTTP)")
            bolt = bolt_cost()
            print(f"a bare Bolt app refuses the same in {bolt:.1f} us (in process, no HTTP)")
            with Flood(plume.port, args.flooders, args.connections) as alone:
                time.sleep(args.flood_seconds)
            alone_tally = alone.tally()
            quiet = acks(plume.port, recorder, args, "no flood")
            with Flood(plume.port, args.flooders, args.connections) as beside:
                flooded = acks(plume.port, recorder, args, "flood")
            report(alone_tally, quiet, flooded, beside.tally(), args, (cost, bolt))
        finally:
            plume.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
