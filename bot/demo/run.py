"""`make demo`: the sample program through the real pipeline, printed and written to a folder.

Storage, metrics, services and messages are the production ones; only the data is bundled. The demo
uses its own SQLite file (var/demo.db, rebuilt each run) so it never touches the operator's database.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from bot.config import REPO_ROOT, Settings
from bot.demo.sample import DEMO_WEEK, SampleProgram, build_sample
from bot.messages.digest import digest_charts, digest_message
from bot.messages.model import Message
from bot.messages.nudge import nudge_message
from bot.messages.terminal import render_message
from bot.metrics.weeks import parse_week
from bot.runtime import open_runtime
from bot.services.people import ambassadors
from bot.services.reports.digest import build_digest
from bot.services.reports.nudges import plan_nudges
from bot.services.reports.program import load_program
from bot.storage import repositories as repo
from bot.storage.db import transaction

DEMO_DB = REPO_ROOT / "var" / "demo.db"


def load_sample(sessions, sample: SampleProgram) -> int:
    """Track every sample ambassador and store their posts and snapshots; returns the workspace id."""
    with transaction(sessions) as session:
        workspace = ambassadors.ensure_workspace(
            session=session, platform="demo", external_id="T0DEMO", name="Demo Co"
        )
        accounts = {}
        for person in sample.ambassadors:
            amb = ambassadors.track(
                session=session,
                workspace_id=workspace.id,
                handle=person.handle,
                schedule=person.schedule,
                consent_text=f"Sample data: @{person.handle} is fictional.",
                consent_source="demo",
            )
            accounts[person.handle] = amb.x_account_id
            repo.upsert_posts(
                session=session,
                x_account_id=amb.x_account_id,
                records=sample.posts.get(person.handle, []),
                source="demo",
            )
        for snap in sample.snapshots:
            repo.add_snapshot(
                session=session,
                x_account_id=accounts[snap.handle],
                taken_at=snap.taken_at,
                followers=snap.followers,
                following=snap.following,
                posts_count=snap.posts_count,
            )
        return workspace.id


def run_demo(settings: Settings, out: Path | None = None, renderers: dict | None = None) -> int:
    """Build, compute, print and write the demo; returns an exit code."""
    started = time.perf_counter()
    out = (out or settings.PLUME_OUTPUT_DIR).resolve()
    out.mkdir(parents=True, exist_ok=True)
    DEMO_DB.unlink(missing_ok=True)
    runtime = open_runtime(settings, database_url=f"sqlite:///{DEMO_DB}")
    sample = build_sample()
    workspace_id = load_sample(runtime.sessions, sample)
    with transaction(runtime.sessions) as session:
        program = load_program(session=session, workspace_id=workspace_id, week=parse_week(DEMO_WEEK))
    data = build_digest(program, settings.PLUME_MIN_GROUP_SIZE)
    digest = digest_message(data, digest_charts(data, out))
    nudges = [nudge_message(plan) for plan in plan_nudges(program)]
    _print_all(sample, digest, nudges)
    _write_json(out / "digest.json", digest.to_dict())
    _write_json(out / "nudges.json", [n.to_dict() for n in nudges])
    # Platform renderings (Block Kit, Adaptive Cards) are handed in by the CLI: bot/ never imports one.
    for name, render in (renderers or {}).items():
        _write_json(out / f"digest.{name}.json", render(digest))
        _write_json(out / f"nudges.{name}.json", [render(n) for n in nudges])
    rendered = [f"{kind}.{name}.json" for name in renderers or {} for kind in ("digest", "nudges")]
    written = ", ".join(["digest.json", "nudges.json", *rendered])
    print(f"\nWrote {written} and charts to {out}  ({time.perf_counter() - started:.1f}s)")
    return 0


def _print_all(sample: SampleProgram, digest: Message, nudges: list[Message]) -> None:
    """The terminal tour: who is in the sample, the digest, then each private nudge."""
    print(f"Plume demo: {len(sample.ambassadors)} fictional ambassadors, week {DEMO_WEEK}\n")
    for person in sample.ambassadors:
        print(f"  @{person.handle:<15} {person.schedule.tz:<20} {person.story}")
    print("\nWEEKLY DIGEST (posted to the program channel)\n")
    print(render_message(digest))
    print(f"\nNUDGES THAT WOULD BE SENT (private DMs, {len(nudges)} in all)\n")
    for message in nudges:
        print(render_message(message))
        print()


def _write_json(path: Path, payload: object) -> None:
    """Pretty JSON, UTF-8."""
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
