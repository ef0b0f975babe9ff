"""Jobs: plain functions of settings, ids and dates, so the CLI, the in-process scheduler and, later, a
distributed worker can all run them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.config import Settings
from bot.runtime import open_runtime, x_source
from bot.services.ingest import CycleReport, run_cycle
from bot.services.polling import PollConfig
from bot.services.retention import RetentionResult, run_retention
from bot.services.usage import CREDITS_KEY, get_state, month_usage, set_state
from bot.storage.db import transaction


def _now() -> datetime:
    return datetime.now(UTC)


def poll_cycle(settings: Settings) -> CycleReport:
    """One ingestion cycle against the configured X API."""
    runtime = open_runtime(settings)
    config = PollConfig(base_interval=timedelta(seconds=settings.POLL_INTERVAL))
    return run_cycle(
        sessions=runtime.sessions,
        source=x_source(settings),
        now=_now,
        config=config,
        budget_usd=settings.X_MONTHLY_BUDGET_USD,
    )


def usage_report(settings: Settings, *, reset_credits: bool = False) -> str:
    """`python -m bot usage`: reads, spend, projection, budget and credit state, as text."""
    runtime = open_runtime(settings)
    moment = _now()
    with transaction(runtime.sessions) as session:
        if reset_credits:
            set_state(session=session, key=CREDITS_KEY, value=None, now=moment)
        usage = month_usage(session=session, now=moment, budget_usd=settings.X_MONTHLY_BUDGET_USD)
        credits = get_state(session=session, key=CREDITS_KEY)
    lines = [
        f"X usage {usage.month} (UTC):",
        f"  post reads      {usage.post_reads:>10,}  x $0.005",
        f"  user reads      {usage.user_reads:>10,}  x $0.010",
        f"  spend so far    ${usage.spend_usd:>10,.2f}",
        f"  projected       ${usage.projected_usd:>10,.2f}  by month end at this pace",
    ]
    if usage.budget_usd is not None:
        state = (
            "REACHED: polling stopped"
            if usage.over_budget
            else (
                f"polling slowed x{usage.budget_pressure:.1f} to stay within it"
                if usage.budget_pressure > 1
                else "ok"
            )
        )
        lines.append(f"  budget          ${usage.budget_usd:>10,.2f}  {state}")
    if credits:
        lines.append(f"  out of X credits/usage cap since {credits['since'][:16]}: {credits.get('why')}")
    return "\n".join(lines)


def retention(settings: Settings) -> RetentionResult:
    """Purge posts past each workspace's retention window and workspaces uninstalled a week ago."""
    runtime = open_runtime(settings)
    with transaction(runtime.sessions) as session:
        return run_retention(session=session, now=_now())
