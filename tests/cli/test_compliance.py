"""`python -m bot compliance` end to end: a real process, real tweepy, the fake X's compliance jobs."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bot.config import load_settings
from bot.runtime import open_runtime
from bot.schedule import WorkSchedule
from bot.services.people import ambassadors
from bot.sources.records import PostKind, PostRecord
from bot.storage import repositories as repo
from bot.storage.db import transaction
from bot.storage.tables import Post, XAccount
from tests.fakes.x_server import FakeX

REPO = Path(__file__).resolve().parents[2]
BEARER = "compliance-bearer-SECRET"
AT = datetime(2026, 11, 16, 10, tzinfo=UTC)


def compliance(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "X_", "PLUME_", "DATABASE_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", "compliance"],
        cwd=REPO,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def seed(db_url: str, fake: FakeX) -> None:
    """alice (X id 11) with posts 101-103, as the fake X knows them too."""
    runtime = open_runtime(load_settings({"DATABASE_URL": db_url}))
    fake.add_user(11, "alice")
    for post_id in (101, 102, 103):
        fake.add_post(11, post_id, AT, "hi")
    with transaction(runtime.sessions) as session:
        workspace = ambassadors.local_workspace(session=session)
        amb = ambassadors.track(
            session=session,
            workspace_id=workspace.id,
            handle="alice",
            schedule=WorkSchedule(),
            consent_text="yes",
            consent_source="operator",
        )
        amb.x_account.x_user_id = 11
        records = [PostRecord(i, AT, PostKind.ORIGINAL, "hi") for i in (101, 102, 103)]
        repo.upsert_posts(session=session, x_account_id=amb.x_account_id, records=records, source="archive")
    runtime.engine.dispose()


def test_compliance_purges_what_x_reports_and_prints_counts(db_url, tmp_path):
    with FakeX(bearer=BEARER) as fake:
        seed(db_url, fake)
        fake.delete_post(102)
        result = compliance({"DATABASE_URL": db_url, "X_BEARER_TOKEN": BEARER, "X_API_URL": fake.url})
        assert [job.type for job in fake.compliance.jobs] == ["tweets", "users"]
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "Compliance: tweets complete (3 checked); users complete (1 checked). "
        "1 posts deleted, 0 accounts purged."
    )
    assert "102" not in result.stderr and BEARER not in result.stderr
    runtime = open_runtime(load_settings({"DATABASE_URL": db_url}))
    with transaction(runtime.sessions) as session:
        assert sorted(session.scalars(select(Post.x_id))) == [101, 103]
        assert session.scalars(select(XAccount.status)).one() == "active"


def test_compliance_without_x_credentials_says_so(db_url):
    result = compliance({"DATABASE_URL": db_url})
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("error: Bad setting X_BEARER_TOKEN: required to run X batch compliance")
    assert "Traceback" not in result.stderr
