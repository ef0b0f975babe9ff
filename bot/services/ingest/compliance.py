"""Deletions within 24 hours: X's batch compliance over every stored post and tracked account, daily.

Each kind of id (`tweets`, `users`) is one X job: the ids go up, X answers which were deleted, or
belong to accounts now suspended, protected or deactivated, and what it reports is purged in one
transaction with the day's state. A job that fails or expires purges nothing and is tried again the
next UTC day. Logs carry counts, never ids: they are other people's content.

An account X reports (users job) loses its stored posts and follower snapshots, and is marked with
the reason, so polling skips it (`polling.due_accounts` reads active accounts only); its people stay
joined, and the follower refresh marks it active again if X serves it again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from bot.errors import PlumeError
from bot.services.ingest.polling import tracked_accounts
from bot.services.ingest.usage import get_state, set_state
from bot.sources.x_compliance import TERMINAL, ComplianceResult, ComplianceSource
from bot.storage.db import transaction
from bot.storage.tables import FollowerSnapshot, Post, XAccount

STATE_KEY = "compliance"
KINDS = ("tweets", "users")
CHUNK = 500
log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class Polling:
    """How long to wait on X: a job usually completes within minutes, rarely hours."""

    every_seconds: float = 30
    at_most_seconds: float = 4 * 3600


@dataclass
class ComplianceReport:
    """What one run did, per kind: its job's status, ids checked, rows purged."""

    status: dict[str, str] = field(default_factory=dict)
    checked: dict[str, int] = field(default_factory=dict)
    posts_deleted: int = 0
    accounts_purged: int = 0

    @property
    def failed(self) -> list[str]:
        """Kinds whose job did not complete (retried the next day)."""
        return [kind for kind, status in self.status.items() if status not in ("complete", "done today")]

    def summary(self) -> str:
        """One line for people: each kind's outcome and what was purged."""
        kinds = "; ".join(
            f"{kind} {status}" + (f" ({self.checked[kind]:,} checked)" if kind in self.checked else "")
            for kind, status in self.status.items()
        )
        return (
            f"Compliance: {kinds}. {self.posts_deleted:,} posts deleted, "
            f"{self.accounts_purged:,} accounts purged."
        )


def run_compliance(
    *,
    sessions: sessionmaker[Session],
    source: ComplianceSource,
    now: Clock,
    sleep: Callable[[float], None],
    polling: Polling = Polling(),
    force: bool = False,
) -> ComplianceReport:
    """One job per kind not yet tried this UTC day (every kind with `force`)."""
    report = ComplianceReport()
    for kind in KINDS:
        day = now().date().isoformat()
        with transaction(sessions) as session:
            last = (get_state(session=session, key=STATE_KEY) or {}).get(kind) or {}
            ids = [] if last.get("day") == day and not force else _ids(session, kind)
        if last.get("day") == day and not force:
            report.status[kind] = "done today"
            continue
        report.checked[kind] = len(ids)
        try:
            found, status = _job_results(source, kind, ids, day, sleep, polling) if ids else ([], "complete")
        except PlumeError as exc:  # X unreachable or refusing: the same as a failed job
            found, status = [], f"error ({exc})"
        with transaction(sessions) as session:
            posts, accounts = _purge(session, kind, found) if status == "complete" else (0, 0)
            _remember(session, kind, day, status, now())
        report.status[kind] = status
        report.posts_deleted += posts
        report.accounts_purged += accounts
        _log(kind, status, len(ids), posts, accounts)
    return report


def _ids(session: Session, kind: str) -> list[int]:
    """Every stored post id, or every tracked account's X id."""
    if kind == "tweets":
        return list(session.scalars(select(Post.x_id).order_by(Post.x_id)))
    return [a.x_user_id for a in tracked_accounts(session) if a.x_user_id is not None]


def _job_results(
    source: ComplianceSource, kind: str, ids: list[int], day: str, sleep, polling: Polling
) -> tuple[list[ComplianceResult], str]:
    """Create the job, upload the ids, wait for it; its results when it completes."""
    job = source.create_job(kind, f"plume-{kind}-{day}")
    source.upload_ids(job, ids)
    waited = 0.0
    job = source.job(job.id)
    while job.status not in TERMINAL:
        if waited >= polling.at_most_seconds:
            return [], "timed out"
        sleep(polling.every_seconds)
        waited += polling.every_seconds
        job = source.job(job.id)
    if job.status != "complete":
        return [], job.status
    return list(source.results(job)), "complete"


def _purge(session: Session, kind: str, results: Iterable[ComplianceResult]) -> tuple[int, int]:
    """Delete what X reports: (posts deleted, accounts purged). `scrub_geo`: Plume stores no geo."""
    gone = [r for r in results if r.action == "delete"]
    if kind == "tweets":
        ids = [r.id for r in gone]
        deleted = 0
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            deleted += session.execute(delete(Post).where(Post.x_id.in_(chunk))).rowcount or 0
        return deleted, 0
    deleted = purged = 0
    for result in gone:
        account = session.scalars(select(XAccount).where(XAccount.x_user_id == result.id)).first()
        if account is None:
            continue
        deleted += session.execute(delete(Post).where(Post.x_account_id == account.id)).rowcount or 0
        session.execute(delete(FollowerSnapshot).where(FollowerSnapshot.x_account_id == account.id))
        reason = result.reason or "deleted"
        account.status, account.last_error = reason[:16], f"X compliance: the account is {reason}"[:300]
        account.next_poll_at = None
        purged += 1
    return deleted, purged


def _remember(session: Session, kind: str, day: str, status: str, moment: datetime) -> None:
    """This kind was tried today, with its outcome; a failure is tried again the next day."""
    state = dict(get_state(session=session, key=STATE_KEY) or {})
    state[kind] = {"day": day, "status": status}
    set_state(session=session, key=STATE_KEY, value=state, now=moment)


def _log(kind: str, status: str, checked: int, posts: int, accounts: int) -> None:
    """Counts only: the ids are other people's content."""
    fields = {
        "type": kind,
        "status": status,
        "checked": checked,
        "posts_deleted": posts,
        "accounts_purged": accounts,
    }
    level = logging.INFO if status == "complete" else logging.WARNING
    log.log(level, "compliance job finished", extra={"fields": fields})
