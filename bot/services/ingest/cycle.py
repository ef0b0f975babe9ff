"""One ingestion cycle: resolve handles, poll due accounts, weekly snapshots, period refresh.

Faults are contained: one failing account never stops the others; bad credentials, exhausted
credits or a long rate-limit reset stop the cycle with a clear reason; an exhausted budget stops
polling before more money is spent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.errors import PlumeError
from bot.services.ingest.followers import take_snapshots
from bot.services.ingest.polling import PollConfig, due_accounts, poll_account, resolve_handles
from bot.services.ingest.refresh import refresh_period
from bot.services.ingest.usage import CREDITS_KEY, budget_message, get_state, month_usage, set_state
from bot.sources.x_api import XAuthError, XCreditsExhausted, XRateLimited, XSource
from bot.storage.db import transaction
from bot.storage.tables import XAccount

log = logging.getLogger(__name__)


@dataclass
class CycleReport:
    """What a cycle did, and why it stopped early if it did."""

    resolved: int = 0
    polled: int = 0
    new_posts: int = 0
    snapshots: int = 0
    refreshed: int = 0
    purged: int = 0
    failed_accounts: dict[int, str] = field(default_factory=dict)
    stopped: str | None = None


def run_cycle(
    *,
    sessions: sessionmaker[Session],
    source: XSource,
    now: Callable[[], datetime],
    config: PollConfig,
    budget_usd: float | None = None,
    every: bool = False,
    accounts: list[int] | None = None,
    upkeep: bool = True,
) -> CycleReport:
    """Run every ingestion step that is due (`every`: poll all accounts now, whatever their cadence);
    never raises for X trouble, reports it instead. A job queue splits a cycle: `accounts` polls only
    those of them still due, `upkeep` (handles, snapshots, period refresh) runs the other steps."""
    report = CycleReport()
    moment = now()
    blocked = _blocked(sessions, moment, budget_usd)
    if blocked:
        report.stopped = blocked
        log.warning("polling stopped", extra={"fields": {"reason": blocked}})
        return report
    try:
        if upkeep:
            report.resolved = resolve_handles(sessions=sessions, source=source, now=moment)
        _poll_due(sessions, source, now, config, budget_usd, report, every=every, only=accounts)
        if report.stopped or not upkeep:  # the budget ran out: no snapshots or refreshes either
            return report
        report.snapshots = take_snapshots(sessions=sessions, source=source, now=now())
        refreshed = refresh_period(sessions=sessions, source=source, now=now(), budget_usd=budget_usd)
        report.refreshed, report.purged = refreshed.refreshed, refreshed.purged
        report.stopped = refreshed.stopped
    except XCreditsExhausted as exc:
        with transaction(sessions) as session:
            set_state(
                session=session,
                key=CREDITS_KEY,
                value={"since": moment.isoformat(), "why": str(exc)},
                now=moment,
            )
        report.stopped = str(exc)
    except (XAuthError, XRateLimited) as exc:
        report.stopped = str(exc)
    if report.stopped:
        log.warning("cycle stopped", extra={"fields": {"reason": report.stopped}})
    return report


def _poll_due(
    sessions, source, now, config, budget_usd, report: CycleReport, *, every: bool, only: list[int] | None
) -> None:
    """Poll each due account (or every one; of `only`, when given); an account's own failure is
    recorded and the next one goes on. The budget is checked before each account, whatever made it due."""
    due = due_accounts(sessions=sessions, now=now(), every=every)
    for account_id in due if only is None else [a for a in due if a in set(only)]:
        moment = now()
        with transaction(sessions) as session:
            usage = month_usage(session=session, now=moment, budget_usd=budget_usd)
        if usage.over_budget:
            report.stopped = budget_message(usage)
            return
        try:
            report.new_posts += poll_account(
                sessions=sessions,
                source=source,
                account_id=account_id,
                now=moment,
                config=config,
                pressure=usage.budget_pressure,
            )
            report.polled += 1
        except (XAuthError, XCreditsExhausted, XRateLimited):
            raise
        except PlumeError as exc:
            report.failed_accounts[account_id] = str(exc)
            _note_failure(sessions, account_id, str(exc))


def _note_failure(sessions: sessionmaker[Session], account_id: int, message: str) -> None:
    """Keep the last error on the account, for `admin status` and the log."""
    with transaction(sessions) as session:
        account = session.get(XAccount, account_id)
        if account is not None:
            account.last_error = message[:300]
    log.warning("account poll failed", extra={"fields": {"account": account_id, "error": message}})


def _blocked(sessions: sessionmaker[Session], moment: datetime, budget_usd: float | None) -> str | None:
    """Why polling must not start: credits exhausted this month, or the budget spent."""
    with transaction(sessions) as session:
        credits = get_state(session=session, key=CREDITS_KEY)
        if credits and credits.get("since", "")[:7] == moment.strftime("%Y-%m"):
            since = credits["since"][:16]
            return (
                f"{credits.get('why')} (since {since}; after topping up: python -m bot usage --reset-credits)"
            )
        usage = month_usage(session=session, now=moment, budget_usd=budget_usd)
    return budget_message(usage) if usage.over_budget else None
