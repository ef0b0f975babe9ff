"""Ack latency of `POST /slack/events` for `/plume me`: Plume's real server against a bare Bolt app.

    python -m tests.bench.slack_latency [--requests 2000] [--concurrency 50] [--warmup 100] [--budget 40]
                                       [--people 50] [--paced 40] [--engine inprocess|procrastinate]

A benchmark script, not a test: it prints numbers and asserts nothing about time. Both targets are
subprocesses served by waitress (threads=16) on loopback, talking to an in-process FakeSlack; every
request is a freshly signed slash command with its own response_url, sent by a closed loop of
`--concurrency` client threads, from `--people` joined people in turn. Latency is send → HTTP answer (the
ack), not the `respond()` that follows.

The bare app runs first, then Plume; Plume's answers on the response URLs are then awaited (up to 10 s)
and counted. A target's measured phase stops starting new requests after `--budget` seconds, so a slow
target reports fewer requests instead of running for minutes. Then `--paced` commands go one at a time,
each waiting for its answer: the time to the answer as a person sees it (send to the response_url
post), apart from the flood. The last line printed is one JSON object.

`--engine inprocess` (the default): SQLite, and `serve` hands each command to its command process.
`--engine procrastinate`: a private PostgreSQL cluster (tests/fakes/pg_cluster.py), `python -m bot
migrate`, `serve` with PLUME_JOBS=procrastinate (it verifies, acks and enqueues a job) and one `python
-m bot worker` that answers; the bare app is the same.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import itertools
import json
import math
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.fakes.response_urls import ResponseUrls
from tests.fakes.slack_requests import SIGNING_SECRET, command_body, signed_headers
from tests.fakes.slack_server import FakeSlack

REPO_ROOT = Path(__file__).resolve().parents[2]
BOT_TOKEN = "xoxb-test-token"  # FakeSlack's default workspace token
USER_ID = "U100"  # the paced commands' person, and the first of `--people`
EVENTS_PATH = "/slack/events"
ANSWER_WAIT = 10.0  # seconds allowed for response_url answers after Plume's run
WORKER_NICENESS = 10  # as the command process's (bot/jobs/child.py)
DRAIN_WAIT = 300.0  # seconds at most for the rest of the flood's answers, before the paced commands
START_TIMEOUT = 60.0
REQUEST_TIMEOUT = 30.0
WARMUP_BUDGET = 15.0  # seconds at most spent warming one target up
# Bolt turns OAuth on when these merely exist (even empty): both targets must stay single-workspace.
MULTI_WORKSPACE_VARS = frozenset({"SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"})

# The comparison point: one `/plume` listener that only acks, behind the same WSGI adapter and server.
BARE_APP = """
import logging, os
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from waitress import serve

logging.basicConfig(level=logging.WARNING)
app = App(
    signing_secret=os.environ["SLACK_SIGNING_SECRET"],
    token=os.environ["SLACK_BOT_TOKEN"],
    token_verification_enabled=False,
    # Bolt ignores `token` when given a client, so the client carries it too (as Plume's does).
    client=WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]),
)

@app.command("/plume")
def plume(ack):
    ack()

bolt = SlackRequestHandler(app)

def application(environ, start_response):
    if environ.get("PATH_INFO") == "/healthz":
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"ok"]
    return bolt(environ, start_response)

serve(application, host="127.0.0.1", port=int(os.environ["PORT"]), threads=16, ident="bare")
"""


@dataclass
class Result:
    """One target's measured phase."""

    target: str
    latencies: list[float] = field(default_factory=list)  # seconds, successful and failed alike
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)  # non-200 status (0: transport error) → count
    wall: float = 0.0

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile in milliseconds."""
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] * 1000

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.wall if self.wall else float("nan")


@dataclass
class Server:
    """A subprocess serving HTTP on a loopback port (port 0: none, the worker), with its stderr kept in a
    file."""

    name: str
    process: subprocess.Popen
    port: int
    log: Path

    def stderr_tail(self, lines: int = 20) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it is still there after 10 s."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def spawn(
    name: str, argv: list[str], env: dict[str, str], workdir: Path, *, port: int = 0, nice: int = 0
) -> Server:
    """Launch `argv` (PORT set when `port` is), its stderr kept in a file, at niceness `nice`."""
    log = workdir / f"{name}.stderr.log"
    inherited = {k: v for k, v in os.environ.items() if k not in MULTI_WORKSPACE_VARS}
    full_env = {**inherited, **env, "PYTHONUNBUFFERED": "1", **({"PORT": str(port)} if port else {})}
    with log.open("wb") as err:
        process = subprocess.Popen(
            argv,
            cwd=REPO_ROOT,
            env=full_env,
            stdout=subprocess.DEVNULL,
            stderr=err,
            stdin=subprocess.DEVNULL,
            preexec_fn=(lambda: os.nice(nice)) if nice else None,
        )
    return Server(name, process, port, log)


def start_server(name: str, argv: list[str], env: dict[str, str], workdir: Path) -> Server:
    """Launch `argv` with PORT set to a free port and wait for `GET /healthz` to answer 200."""
    port = free_port()
    server = spawn(name, argv, env, workdir, port=port)
    process = server.process
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{server.stderr_tail()}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            try:
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return server
            finally:
                conn.close()
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(
        f"{name} did not answer /healthz within {START_TIMEOUT:.0f} s:\n{server.stderr_tail()}"
    )


def people(count: int) -> list[str]:
    """The benchmark's people: U100, U101, …"""
    return [f"U{100 + n}" for n in range(count)]


def post_command(
    conn: http.client.HTTPConnection, text: str, response_url: str, user: str = USER_ID
) -> tuple[int, float]:
    """Sign and send one `/plume <text>`; the HTTP status and seconds from send to the full answer."""
    body = command_body(text, user_id=user, response_url=response_url)
    headers = signed_headers(body)  # fresh timestamp, real v0 signature
    started = time.perf_counter()
    conn.request("POST", EVENTS_PATH, body=body.encode(), headers=headers)
    response = conn.getresponse()
    response.read()
    return response.status, time.perf_counter() - started


def fire(
    port: int,
    urls: list[str],
    concurrency: int,
    target: str,
    budget: float,
    users: list[str],
    text: str = "me",
) -> Result:
    """Send one `/plume <text>` per URL from `concurrency` threads, each on its own keep-alive connection,
    from `users` in turn; no new request starts once `budget` seconds have passed (requests in flight
    still count)."""
    result = Result(target)
    lock = threading.Lock()
    pending: Iterator[tuple[str, str]] = zip(urls, itertools.cycle(users), strict=False)
    start_gate = threading.Barrier(concurrency + 1)
    deadline = math.inf

    def next_url() -> tuple[str, str] | None:
        if time.perf_counter() >= deadline:
            return None
        with lock:
            return next(pending, None)

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
        with contextlib.suppress(OSError):
            conn.connect()  # connection setup is not part of any request's latency
        start_gate.wait()
        latencies, statuses = [], {}
        while (sending := next_url()) is not None:
            url, user = sending
            started = time.perf_counter()
            try:
                status, elapsed = post_command(conn, text, url, user)
            except (OSError, http.client.HTTPException):
                status, elapsed = 0, time.perf_counter() - started
                conn.close()  # reconnects on the next request
            latencies.append(elapsed)
            if status != 200:
                statuses[status] = statuses.get(status, 0) + 1
        conn.close()
        with lock:
            result.latencies.extend(latencies)
            for status, count in statuses.items():
                result.statuses[status] = result.statuses.get(status, 0) + count
                result.errors += count

    threads = [threading.Thread(target=worker, name=f"client-{i}") for i in range(concurrency)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline = began + budget
    start_gate.wait()
    for thread in threads:
        thread.join()
    result.wall = time.perf_counter() - began
    return result


def paced(server: Server, recorder: ResponseUrls, count: int) -> tuple[list[float], list[float]]:
    """`count` commands one after another, each waiting (up to ANSWER_WAIT) for its answer: the acks'
    and the answers' seconds (an unanswered command adds no answer time)."""
    acks, answers = [], []
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=REQUEST_TIMEOUT)
    try:
        for _ in range(count):
            url = recorder.new()
            sent = time.time()
            _, ack = post_command(conn, "me", url)
            acks.append(ack)
            deadline = time.monotonic() + ANSWER_WAIT
            while not recorder.answered_at(url) and time.monotonic() < deadline:
                time.sleep(0.002)
            if arrived := recorder.answered_at(url):
                answers.append(arrived[0] - sent)
    finally:
        conn.close()
    return acks, answers


def run_target(server: Server, recorder: ResponseUrls, args: argparse.Namespace) -> tuple[Result, list[str]]:
    """Warm up, then the measured phase; the response URLs the measured phase used come back too."""
    warmup = [recorder.new() for _ in range(args.warmup)]
    users = people(args.people)
    fire(server.port, warmup, args.concurrency, server.name, WARMUP_BUDGET, users)
    urls = [recorder.new() for _ in range(args.requests)]
    result = fire(server.port, urls, args.concurrency, server.name, args.budget, users)
    return result, urls[: len(result.latencies)]


def join_bench_users(server: Server, recorder: ResponseUrls, users: list[str]) -> str:
    """`/plume join @bench_<n>` for each person, one at a time, so that `/plume me` reads a real
    ambassador; the first answer's text."""
    first = ""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=REQUEST_TIMEOUT)
    try:
        for n, user in enumerate(users):
            url = recorder.new()
            status, _ = post_command(conn, f"join @bench_{n}", url, user)
            if status != 200:
                raise RuntimeError(f"join answered HTTP {status}:\n{server.stderr_tail()}")
            deadline = time.monotonic() + ANSWER_WAIT
            while not (bodies := recorder.bodies(url)) and time.monotonic() < deadline:
                time.sleep(0.01)
            if not bodies:
                raise RuntimeError(f"join was never answered on its response_url:\n{server.stderr_tail()}")
            first = first or str(bodies[0].get("text", ""))
    finally:
        conn.close()
    return first


def await_answers(recorder: ResponseUrls, urls: list[str], timeout: float) -> tuple[int, int, float]:
    """Wait up to `timeout` s after a run; (URLs answered, answers that are a week report, seconds)."""
    began = time.monotonic()
    while True:
        answered = [bodies for url in urls if (bodies := recorder.bodies(url))]
        waited = time.monotonic() - began
        if len(answered) == len(urls) or waited >= timeout:
            weekly = sum(1 for bodies in answered if str(bodies[0].get("text", "")).startswith("Your week"))
            return len(answered), weekly, waited
        time.sleep(0.1)


def report(
    results: list[Result],
    answers: tuple[int, int, float],
    timed: tuple[list[float], list[float]],
    args: argparse.Namespace,
) -> None:
    columns = ("target", "requests", "errors", "p50", "p90", "p99", "max", "req/s")
    row = "{:<8} {:>8} {:>6} {:>8} {:>8} {:>8} {:>8} {:>8}"
    header = row.format(*columns)
    print()
    print(f"/plume me acks, {args.requests} requests, concurrency {args.concurrency}, warmup {args.warmup}")
    print("(latency in ms, send to HTTP answer)")
    print(header)
    print("-" * len(header))
    for r in results:
        figures = [f"{r.percentile(p):.1f}" for p in (50, 90, 99, 100)]
        print(row.format(r.target, len(r.latencies), r.errors, *figures, f"{r.rate:.1f}"))
    for r in results:
        if len(r.latencies) < args.requests:
            print(f"  {r.target}: stopped at the {args.budget:g} s budget ({len(r.latencies)} sent)")
        if r.statuses:
            detail = ", ".join(f"{'transport' if s == 0 else s}: {n}" for s, n in sorted(r.statuses.items()))
            print(f"  {r.target} non-200: {detail}")
    answered, weekly, waited = answers
    print(
        f"answers delivered: {answered}/{len(results[0].latencies)} plume response_urls within "
        f"{waited:.1f} s after the run ({weekly} are week reports)"
    )
    plume, bare = results
    ratio = plume.percentile(99) / bare.percentile(99)
    print(f"p99 ratio plume/bare: {ratio:.2f}")
    acks, answer_times = (Result("paced", latencies=list(t)) for t in timed)
    print(
        f"paced, one at a time ({args.paced}): ack p50/p99"
        f" {acks.percentile(50):.1f}/{acks.percentile(99):.1f} ms; answer p50/p99"
        f" {answer_times.percentile(50):.0f}/{answer_times.percentile(99):.0f} ms"
        f" ({len(answer_times.latencies)} answered)"
    )
    summary = {
        "engine": args.engine,
        "requests": args.requests,
        "concurrency": args.concurrency,
        "plume_p99_ms": round(plume.percentile(99), 2),
        "bare_p99_ms": round(bare.percentile(99), 2),
        "ratio_p99": round(ratio, 2),
        "plume_p50_ms": round(plume.percentile(50), 2),
        "bare_p50_ms": round(bare.percentile(50), 2),
        "errors": plume.errors + bare.errors,
        "plume_sent": len(plume.latencies),
        "bare_sent": len(bare.latencies),
        "flood_answered": answered,
        "paced_ack_p50_p99_ms": [round(acks.percentile(50), 1), round(acks.percentile(99), 1)],
        "paced_answer_p50_p99_ms": [round(answer_times.percentile(50)), round(answer_times.percentile(99))],
        "paced_answered": len(answer_times.latencies),
    }
    print(json.dumps(summary))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench.slack_latency", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--requests", type=int, default=2000, help="measured requests per target")
    parser.add_argument("--concurrency", type=int, default=50, help="client threads")
    parser.add_argument("--warmup", type=int, default=100, help="unmeasured requests per target first")
    parser.add_argument(
        "--budget", type=float, default=40.0, help="seconds at most for one target's measured requests"
    )
    parser.add_argument(
        "--engine",
        choices=("inprocess", "procrastinate"),
        default="inprocess",
        help="inprocess: SQLite and serve's command process; procrastinate: PostgreSQL, a job and a worker",
    )
    parser.add_argument("--paced", type=int, default=40, help="commands sent one at a time afterwards")
    parser.add_argument(
        "--people",
        type=int,
        default=50,
        help="people sending the flood's commands in turn (one person's commands are answered in order)",
    )
    args = parser.parse_args(argv)
    if min(args.requests, args.concurrency, args.people) < 1 or args.warmup < 0 or args.budget <= 0:
        parser.error(
            "--requests, --concurrency and --people must be at least 1, --warmup at least 0, --budget > 0"
        )
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    servers: list[Server] = []
    with (
        FakeSlack() as fake,
        ResponseUrls() as recorder,
        tempfile.TemporaryDirectory(prefix="plume-bench-") as tmp,
        contextlib.ExitStack() as stack,
    ):
        workdir = Path(tmp)
        for n, user in enumerate(people(args.people)):
            fake.add_user(user, name=f"bench{n}", tz="Europe/Paris")
        env = {
            "DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_API_URL": fake.url,
            "LOG_LEVEL": "WARNING",
        }
        try:
            if args.engine == "procrastinate":
                env.update(DATABASE_URL=on_postgresql(stack), PLUME_JOBS="procrastinate")
                # Niced: in a deployment the workers run on machines of their own; here they share
                # 2 cores with the web process under test (as `serve`'s command process, niced too,
                # does on SQLite).
                worker = [sys.executable, "-m", "bot", "worker"]
                servers.append(spawn("worker", worker, env, workdir, nice=WORKER_NICENESS))
            plume = start_server("plume", [sys.executable, "-m", "bot", "serve"], env, workdir)
            servers.append(plume)
            bare_script = workdir / "bare_bolt.py"
            bare_script.write_text(BARE_APP)
            bare = start_server("bare", [sys.executable, str(bare_script)], env, workdir)
            servers.append(bare)
            print(f"plume ({args.engine}) on :{plume.port}, bare on :{bare.port}, fake Slack at {fake.url}")
            print(f"joined ({args.people}): {join_bench_users(plume, recorder, people(args.people))}")

            # The bare app first: Plume's answers may still be in the works when its run ends.
            bare_result, _ = run_target(bare, recorder, args)
            plume_result, plume_urls = run_target(plume, recorder, args)
            answers = await_answers(recorder, plume_urls, ANSWER_WAIT)
            await_answers(recorder, plume_urls, DRAIN_WAIT)  # the flood's backlog, before the paced run
            timed = paced(plume, recorder, args.paced)
            sys.stdout.flush()
            for server in servers:
                if tail := server.stderr_tail(3):
                    print(f"[{server.name} stderr, last lines]\n{tail}", file=sys.stderr, flush=True)
            report([plume_result, bare_result], answers, timed, args)
        finally:
            for server in servers:
                server.stop()
    return 0


def on_postgresql(stack: contextlib.ExitStack) -> str:
    """A private PostgreSQL cluster, migrated as `release:` does; its URL."""
    from tests.chaos.run import migrate
    from tests.fakes.pg_cluster import PgCluster

    cluster = stack.enter_context(PgCluster(niceness=WORKER_NICENESS))
    migrate(cluster.url)
    return cluster.url


if __name__ == "__main__":
    sys.exit(main())
