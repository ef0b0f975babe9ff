"""Ack latency of `POST /api/messages` for `me` typed in a 1:1: Plume's real Teams server.

    python -m tests.bench.teams_latency [--requests 2000] [--concurrency 50] [--people 200] [--budget 40]

A benchmark script, not a test: it prints numbers and asserts nothing about time. `python -m bot teams`
runs as a subprocess (uvicorn) on loopback, with the fake Bot Framework and Microsoft login of the
tests (tests/fakes/teams_server.py) in this process. Every request is a signed message activity from
one of `--people` members (each with a 1:1 open), sent by a closed loop of `--concurrency` client
threads over keep-alive connections. Latency is send → HTTP answer (Teams' ack); the answer itself
follows as a proactive message through the fake Bot Connector, and the time to it is reported too.
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import http.client
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from tests.fakes.serve_process import REPO, free_port, wait_healthy
from tests.fakes.teams_server import TeamsCloud
from tests.teams.activities import person, personal_message
from tests.teams.conftest import teams_env


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (ms)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def run(args: argparse.Namespace) -> dict:
    with TeamsCloud() as cloud, tempfile.TemporaryDirectory() as folder:
        fake, port = cloud.teams, free_port()
        env = teams_env(cloud, port, Path(folder) / "bench.db", LOG_LEVEL="WARNING")
        server = subprocess.Popen([sys.executable, "-W", "ignore", "-m", "bot", "teams"], cwd=REPO, env=env)
        try:
            wait_healthy(port, 60)
            people = []
            for index in range(args.people):
                aad = f"aad-bench-{index}"
                fake.add_member(aad, f"Person {index}")
                people.append((person(aad, f"Person {index}"), fake.open_personal(aad)))
            headers = {"Authorization": f"Bearer {fake.activity_token()}", "Content-Type": "application/json"}
            sent: dict[str, float] = {}
            latencies: list[float] = []
            lock, counter = threading.Lock(), iter(range(args.requests))
            deadline = time.monotonic() + args.budget

            def client() -> None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                for index in counter:
                    if time.monotonic() > deadline:
                        return
                    user, chat = people[index % len(people)]
                    body = json.dumps(personal_message(fake.url, chat, user, "me")).encode()
                    start = time.perf_counter()
                    conn.request("POST", "/api/messages", body, headers)
                    response = conn.getresponse()
                    response.read()
                    took = (time.perf_counter() - start) * 1000
                    with lock:
                        latencies.append(took)
                        sent.setdefault(chat, start)
                    if response.status != 200:
                        raise SystemExit(f"HTTP {response.status}")

            threads = [threading.Thread(target=client) for _ in range(args.concurrency)]
            began = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            acked = time.perf_counter() - began
            answered = _wait_for_answers(fake, people, len(latencies), args.answer_wait)
            total = time.perf_counter() - began
        finally:
            server.terminate()
            server.wait(timeout=30)
    return {
        "requests": len(latencies),
        "concurrency": args.concurrency,
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(max(latencies), 1),
        "acks_per_s": round(len(latencies) / acked, 1),
        "answered": answered,
        "all_answered_after_s": round(total, 1),
    }


def _wait_for_answers(fake, people, expected: int, seconds: float) -> int:
    """How many answers reached the 1:1s before `seconds` passed (or all did)."""
    deadline, count = time.monotonic() + seconds, 0
    while time.monotonic() < deadline:
        count = sum(len(fake.activities(chat)) for _user, chat in people)
        if count >= expected:
            break
        time.sleep(0.2)
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--budget", type=float, default=40.0, help="seconds of sending at most")
    parser.add_argument("--answer-wait", type=float, default=120.0, help="seconds to wait for answers")
    result = run(parser.parse_args())
    print(
        f"{result['requests']} acks at {result['concurrency']} clients: p50 {result['p50_ms']} ms, "
        f"p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms, max {result['max_ms']} ms; "
        f"{result['answered']} answers, all in by {result['all_answered_after_s']} s"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
