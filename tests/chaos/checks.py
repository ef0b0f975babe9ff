"""What the chaos test asserts, computed from what the fakes recorded, the job tables and the logs."""

from __future__ import annotations

import json
import re
from collections import Counter

from sqlalchemy import create_engine, text

from tests.chaos.commands import Sent
from tests.chaos.fleet import Fleet
from tests.chaos.world import World
from tests.fakes.response_urls import ResponseUrls
from tests.fakes.slack_server import FakeSlack


def accepted_keys(slack: FakeSlack) -> Counter[str]:
    """How many times Slack accepted each delivery key (the metadata every digest, recap and nudge
    carries)."""
    keys: Counter[str] = Counter()
    for call in slack.calls_to("chat.postMessage"):
        if call.status != 200:
            continue
        metadata = call.body.get("metadata")
        metadata = json.loads(metadata) if isinstance(metadata, str) else metadata or {}
        keys[metadata.get("event_payload", {}).get("key", "?")] += 1
    return keys


def deliveries(slack: FakeSlack, world: World) -> dict:
    """Lost and duplicated messages: each digest and recap key once, one nudge per bursting person."""
    keys = accepted_keys(slack)
    expected = world.expected_keys()
    nudges: Counter[int] = Counter()
    for key, count in keys.items():
        if key.startswith("nudge:") and ":recap:" not in key:
            nudges[int(key.split(":")[1])] += count
    bursting = world.bursting()
    lost = sorted(expected - set(keys)) + [f"nudge for {a}" for a in sorted(bursting) if not nudges[a]]
    duplicated = sorted(k for k, c in keys.items() if c > 1)
    unexpected = sorted(k for k in keys if k.startswith("digest:") and k not in expected) + [
        f"nudge for {a}" for a in sorted(nudges) if a not in bursting
    ]
    return {
        "expected": len(expected) + len(bursting),
        "delivered": sum(1 for k in expected if k in keys) + sum(1 for a in bursting if nudges[a]),
        "digests": sum(1 for k in keys if k.startswith("digest:")),
        "recaps": sum(1 for k in keys if ":recap:" in k),
        "nudges": sum(nudges.values()),
        "lost": lost,
        "duplicated": duplicated,
        "unexpected": unexpected,
    }


def answers(sent: list[Sent], urls: ResponseUrls, retried: str = "") -> dict:
    """Every acked command answered exactly once; commands never acked answered at most once. A second
    answer whose job was retried after its worker died (`retried`: the workers' "stalled job retried"
    lines) is counted apart: a worker killed after answering, before procrastinate marked the job
    done, answers again on the retry (at least once; see docs/chaos-runs.md)."""
    counts = [(s, len(urls.bodies(s.url)) + bool(s.ack_text)) for s in sent]
    acked = [(s, n) for s, n in counts if s.status == 200]
    acks = sorted(s.ack_s for s, _ in acked)
    twice = [(s, n) for s, n in counts if n > 1]
    return {
        "sent": len(sent),
        "acked": len(acked),
        "not_acked": Counter(str(s.status) for s, _ in counts if s.status != 200),
        "answered_once": sum(1 for _, n in acked if n == 1),
        "told_in_the_ack": sum(1 for s, _ in acked if s.ack_text),
        "unanswered": [f"{s.web} {s.text!r} at {s.at:.1f}" for s, n in acked if n == 0],
        "answered_twice": [
            f"{s.web} {s.text!r} at {s.at:.1f}: {n}" for s, n in twice if s.url not in retried
        ],
        "answered_again_after_a_kill": [
            f"{s.web} {s.text!r} at {s.at:.1f}" for s, n in twice if s.url in retried
        ],
        "ack_p99_s": round(acks[int(0.99 * (len(acks) - 1))], 3) if acks else None,
    }


def job_statuses(database_url: str) -> Counter[str] | None:
    """procrastinate's jobs by status (None: there is no job table: not the procrastinate engine)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            if conn.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar() is None:
                return None
            rows = conn.execute(text("SELECT status::text, count(*) FROM procrastinate_jobs GROUP BY 1"))
            return Counter(dict(rows.all()))
    finally:
        engine.dispose()


def doing_jobs(database_url: str) -> list[str]:
    """Jobs still marked doing: what a killed worker left and nothing retried."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            if conn.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar() is None:
                return []
            rows = conn.execute(
                text("SELECT id, task_name, args::text FROM procrastinate_jobs WHERE status = 'doing'")
            )
            return [f"{i} {name} {args}" for i, name, args in rows]
    finally:
        engine.dispose()


JOB_END = re.compile(r"job (?:finished|ended|done|succeeded|failed)|job_end|\bended\b", re.IGNORECASE)


def stalled_retries(fleet: Fleet) -> str:
    """The workers' "stalled job retried" lines (they carry each job's arguments), as one text."""
    return "\n".join(
        line
        for member in fleet.members
        if member.kind == "worker"
        for line in fleet.text(member).splitlines()
        if "stalled job retried" in line
    )


def jobs_per_process(fleet: Fleet) -> Counter[str]:
    """How many jobs each worker process logged as ended (its start/end lines)."""
    ran: Counter[str] = Counter()
    for member in fleet.members:
        if member.kind == "worker":
            ran[member.name] = sum(1 for line in fleet.text(member).splitlines() if JOB_END.search(line))
    return ran
