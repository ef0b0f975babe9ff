"""Jobs: plain functions of settings, ids and dates, so the CLI, the in-process scheduler and, later, a
distributed worker can all run them."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.config import Settings
from bot.errors import ConfigError
from bot.jobs.fanout import Helpers, batches, chart_renderer, fan_out, preparing, worker_process
from bot.jobs.preparation import plan_batch, prepare_week, prepare_weeks
from bot.messages.digest import digest_charts, digest_message
from bot.messages.model import Message
from bot.messages.terminal import render_message
from bot.metrics.nudges import NudgeRules
from bot.metrics.weeks import parse_week, week_label
from bot.runtime import Runtime, shared_runtime, x_source
from bot.services.delivery.notifiers import Notifiers
from bot.services.delivery.nudging import (
    rules_from,
    send_nudges,
    shift_weeks,
    workspaces_to_nudge,
)
from bot.services.delivery.outbox import MarkWriter, Outcome, mark_writer
from bot.services.delivery.sending import chart_dir, pending_deliveries, send_digest, send_recaps
from bot.services.ingest.compliance import ComplianceReport, run_compliance
from bot.services.ingest.cycle import CycleReport, run_cycle
from bot.services.ingest.polling import PollConfig, due_accounts
from bot.services.ingest.usage import CREDITS_KEY, get_state, month_usage, set_state
from bot.services.reports.digest import DigestData, build_digest
from bot.services.reports.program import load_program
from bot.services.reports.recaps import Recap
from bot.services.workspaces.retention import RetentionResult, run_retention
from bot.services.workspaces.settings import workspace_settings
from bot.sources.x_api import make_client
from bot.sources.x_compliance import ComplianceSource
from bot.storage.db import transaction
from bot.storage.tables import Ambassador, Workspace


def _now() -> datetime:
    return datetime.now(UTC)


def last_week() -> str:
    """The ISO week before this one (UTC)."""
    return week_label((_now() - timedelta(days=7)).date())


def poll_cycle(
    settings: Settings,
    now: datetime | None = None,
    *,
    every: bool = False,
    accounts: list[int] | None = None,
    upkeep: bool = True,
) -> CycleReport:
    """One ingestion cycle against the configured X API (at `now`, for simulations; default: the clock);
    `every` polls all tracked accounts now, whatever their cadence. A job queue runs a cycle in parts:
    `accounts` (a batch, polled if still due) and `upkeep` (the steps other than polling)."""
    runtime = shared_runtime(settings)
    config = PollConfig(base_interval=timedelta(seconds=settings.POLL_INTERVAL))
    return run_cycle(
        sessions=runtime.sessions,
        source=x_source(settings),
        now=_now if now is None else (lambda: now),
        config=config,
        budget_usd=settings.X_MONTHLY_BUDGET_USD,
        every=every,
        accounts=accounts,
        upkeep=upkeep,
    )


def due_accounts_now(settings: Settings, now: datetime | None = None) -> list[int]:
    """The tracked accounts due for a poll, oldest-polled first."""
    return due_accounts(sessions=shared_runtime(settings).sessions, now=now or _now())


def account_workspaces(settings: Settings, account_ids: list[int]) -> list[int]:
    """The workspaces whose people own these X accounts."""
    with transaction(shared_runtime(settings).sessions) as session:
        rows = session.scalars(
            select(Ambassador.workspace_id).where(Ambassador.x_account_id.in_(account_ids)).distinct()
        )
        return sorted(rows)


def usage_report(settings: Settings, *, reset_credits: bool = False) -> str:
    """`python -m bot usage`: reads, spend, projection, budget and credit state, as text."""
    runtime = shared_runtime(settings)
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


def retention(settings: Settings, now: datetime | None = None) -> RetentionResult:
    """Purge posts past each workspace's retention window and workspaces uninstalled a week ago."""
    runtime = shared_runtime(settings)
    with transaction(runtime.sessions) as session:
        return run_retention(session=session, now=now or _now())


def compliance(
    settings: Settings, *, force: bool = False, sleep: Callable[[float], None] = time.sleep
) -> ComplianceReport:
    """X batch compliance over every stored post and tracked account; kinds already tried this UTC
    day are skipped unless `force` (the CLI). Without X_BEARER_TOKEN: a ConfigError saying so."""
    if settings.X_BEARER_TOKEN is None:
        raise ConfigError(
            "Bad setting X_BEARER_TOKEN: required to run X batch compliance (see README, X API)."
        )
    client = make_client(settings.X_BEARER_TOKEN.get_secret_value(), settings.X_API_URL)
    return run_compliance(
        sessions=shared_runtime(settings).sessions,
        source=ComplianceSource(client),
        now=_now,
        sleep=sleep,
        force=force,
    )


def daily_compliance(settings: Settings) -> None:
    """The worker's hourly check: runs each kind once per UTC day (a failed job: the next day)."""
    if settings.X_BEARER_TOKEN is not None:
        compliance(settings)


def platform_notifiers(settings: Settings) -> Notifiers:
    """Each workspace's notifier by platform, from the composition root (built once per settings): a
    job gets only settings and ids, whichever runner calls it."""
    from bot.platforms import notifiers

    return notifiers(settings)


def ingest_and_nudge(
    settings: Settings, now: datetime | None = None, *, notifiers: Notifiers | None = None
) -> None:
    """One X cycle, then the nudge rules on what it brought (event-driven, right after the ingest)."""
    if settings.X_BEARER_TOKEN is not None:
        poll_cycle(settings, now)
    nudges(settings, now, notifiers=notifiers)


def nudges(
    settings: Settings,
    now: datetime | None = None,
    *,
    notifiers: Notifiers | None = None,
    workspace_ids: list[int] | None = None,
) -> int:
    """Evaluate the nudge rules in vectorized passes over batches of workspaces (one per distinct set
    of thresholds; `workspace_ids`: only those of them on a chat platform), and send what fired, a
    thread per workspace, each batch as soon as it is ready; how many nudges went out."""
    runtime = shared_runtime(settings)
    now = now or _now()
    notifiers = notifiers or platform_notifiers(settings)
    ids, rules_of, weeks = _nudge_scope(settings, notifiers, now, workspace_ids)
    if not ids:
        return 0
    planned: dict[int, list] = {}
    outcomes: dict[int, list[Outcome]] = {}

    with worker_process(len(ids)) as prepare, mark_writer(runtime.sessions) as marks:
        # Every batch is handed over at once; the preparing process works through them in order.
        futures = [prepare(plan_batch, settings, batch, weeks, rules_of) for batch in batches(ids)]

        def planned_batches() -> Iterator[int]:
            for future in futures:
                ready = future.result()
                planned.update(ready)
                yield from ready

        def nudge(workspace_id: int) -> None:
            outcomes[workspace_id] = send_nudges(
                sessions=runtime.sessions,
                notifier=notifiers.notifier_for(workspace_id),
                workspace_id=workspace_id,
                now=now,
                planned=planned[workspace_id],
                marks=marks,
            )

        fan_out(nudge, planned_batches(), settings.PLUME_DELIVERY_THREADS)
    return sum(outcome.status == "sent" for sent in outcomes.values() for outcome in sent)


def nudge_workspace(settings: Settings, workspace_id: int, now: datetime, helpers: Helpers | None) -> int:
    """One workspace's nudges at `now` (a queue job): with `helpers`, its rules are evaluated together
    with those of the other jobs of this worker asking meanwhile, on its helper process; how many
    went out."""
    if helpers is None:
        return nudges(settings, now, workspace_ids=[workspace_id])
    notifier = platform_notifiers(settings).notifier_for(workspace_id)
    if notifier is None:
        return 0  # no platform package serves it (logged where it was looked up)
    plans = helpers.together("nudges", partial(plan_nudges_together, settings, helpers.nudges.submit))
    outcomes = send_nudges(
        sessions=shared_runtime(settings).sessions,
        notifier=notifier,
        workspace_id=workspace_id,
        now=now,
        planned=plans.get((workspace_id, now.isoformat())),
    )
    return sum(outcome.status == "sent" for outcome in outcomes)


def plan_nudges_together(
    settings: Settings, submit: Callable[..., Future], keys: list[tuple[int, str]]
) -> dict[tuple[int, str], list]:
    """What fires for each (workspace, moment): one `plan_batch` on `submit` per moment among the
    keys (a Coalescer's compute). A workspace no longer served gets nothing."""
    moments: dict[str, list[int]] = {}
    for wid, moment in keys:
        moments.setdefault(moment, []).append(wid)
    found = {}
    for moment, wanted in moments.items():
        now = datetime.fromisoformat(moment)
        ids, rules_of, weeks = _nudge_scope(settings, platform_notifiers(settings), now, wanted)
        planned = submit(plan_batch, settings, ids, weeks, rules_of).result() if ids else {}
        found.update({(wid, moment): planned.get(wid, []) for wid in wanted})
    return found


def _nudge_scope(
    settings: Settings, notifiers: Notifiers, now: datetime, workspace_ids: list[int] | None
) -> tuple[list[int], dict[int, NudgeRules], list[str]]:
    """The workspaces to evaluate (those of `workspace_ids`, default all, on a served chat platform),
    their rules, and the weeks of today's shifts."""
    runtime = shared_runtime(settings)
    ids = notifiers.served(chat_workspaces(runtime, workspace_ids))
    if not ids:
        return [], {}, []
    with transaction(runtime.sessions) as session:
        workspaces = session.scalars(select(Workspace).where(Workspace.id.in_(ids)))
        rules_of = {w.id: rules_from(workspace_settings(w)) for w in workspaces}
        weeks = shift_weeks(session, ids, now)
    return ids, rules_of, weeks


def nudge_candidates(
    settings: Settings, now: datetime, workspace_ids: list[int], helpers: Helpers | None = None
) -> list[int]:
    """Of these workspaces, those with a nudge to send now, found by one vectorized evaluation of them
    all (`nudges` on each of them evaluates again, and sends): a job queue evaluates many workspaces
    at the cost of about one, and gives a job only to those with something to send."""
    ids, rules_of, weeks = _nudge_scope(settings, platform_notifiers(settings), now, workspace_ids)
    if not ids:
        return []
    with preparing(len(ids), helpers.nudges.submit if helpers else None) as prepare:
        planned = prepare(plan_batch, settings, ids, weeks, rules_of).result()
    return workspaces_to_nudge(shared_runtime(settings).sessions, planned, rules_of, now)


def weekly_deliveries(
    settings: Settings, now: datetime | None = None, *, notifiers: Notifiers | None = None
) -> None:
    """Recaps and digest of last week, for each workspace whose digest day and time have come and
    that still has something to send: vectorized metrics passes over batches of them, a thread each."""
    runtime = shared_runtime(settings)
    now = now or _now()
    notifiers = notifiers or platform_notifiers(settings)
    pending, digests = pending_weeks(settings, now, notifiers)
    if not pending:
        return
    members: dict[int, list[int]] = {}
    everyone: dict[int, Recap] = {}
    out_dir = settings.PLUME_OUTPUT_DIR / "digests"
    # The metrics passes run in their own process, a batch at a time, all handed over at once. Recaps
    # go as soon as their batch is ready; digests go when their charts, rendered meanwhile, are.
    with (
        worker_process(len(pending)) as prepare,
        chart_renderer(len(digests)) as render,
        mark_writer(runtime.sessions) as marks,
    ):
        futures = [
            (week, batch, prepare(prepare_week, settings, batch, week, [w for w in batch if w in digests]))
            for week in sorted(set(pending.values()))
            for batch in batches([wid for wid, wk in pending.items() if wk == week])
        ]
        composed: dict[int, tuple[DigestData, Future]] = {}

        def prepared_batches() -> Iterator[int]:
            for week, batch, future in futures:
                ready = future.result()
                everyone.update(ready.recaps)
                members.update(ready.members)
                for wid, data in ready.digests.items():
                    composed[wid] = (data, render(data, chart_dir(out_dir, wid, week)))
                yield from batch

        def deliver(workspace_id: int) -> None:
            started = composed.get(workspace_id)
            deliver_week(
                settings,
                workspace_id,
                pending[workspace_id],
                now,
                notifiers=notifiers,
                prepared={pid: everyone[pid] for pid in members.get(workspace_id, [])},
                compose=(lambda: _finish_digest(*started)) if started else None,
                marks=marks,
            )

        fan_out(deliver, prepared_batches(), settings.PLUME_DELIVERY_THREADS)


def pending_weeks(
    settings: Settings, now: datetime, notifiers: Notifiers | None = None
) -> tuple[dict[int, str], set[int]]:
    """The workspaces whose digest time has come and that still have something to send for that
    week (the week of each), and those of them whose digest is still to send: a state-based scan, so
    a missed tick is caught up by the next."""
    runtime = shared_runtime(settings)
    notifiers = notifiers or platform_notifiers(settings)
    due = due_weeks(runtime, now, notifiers.served(chat_workspaces(runtime)))
    digests, recaps_due = pending_deliveries(runtime.sessions, due)
    return {wid: week for wid, week in due.items() if wid in digests or wid in recaps_due}, set(digests)


def _finish_digest(data: DigestData, charts: Future) -> Message:
    return digest_message(data, charts.result())


def due_weeks(runtime: Runtime, now: datetime, workspace_ids: list[int]) -> dict[int, str]:
    """Of these workspaces, those whose digest day and time (in their zone) have come this week: the
    week to deliver."""
    due = {}
    with transaction(runtime.sessions) as session:  # one query, not one per workspace every 15 minutes
        configs = {
            w.id: workspace_settings(w)
            for w in session.scalars(select(Workspace).where(Workspace.id.in_(workspace_ids)))
        }
    for workspace_id, config in configs.items():
        local = now.astimezone(ZoneInfo(config["timezone"]))
        if (local.weekday(), local.hour * 60 + local.minute) >= (config["digest_day"], config["digest_time"]):
            due[workspace_id] = week_label((local - timedelta(days=7)).date())
    return due


def deliver_week(
    settings: Settings,
    workspace_id: int,
    week: str,
    now: datetime | None = None,
    *,
    notifiers: Notifiers | None = None,
    prepared: dict[int, Recap] | None = None,
    compose: Callable[[], Message] | None = None,
    marks: MarkWriter | None = None,
    helpers: Helpers | None = None,
) -> None:
    """One workspace's recaps, then its digest, for `week`: a plain job of ids. A run over many
    workspaces passes the recaps and the digest it prepared for all of them at once; alone, it
    computes its own, in one metrics pass, on a queue worker's `helpers` (see _prepare_alone).

    Recaps go first because their figures are ready at once, while the digest's charts render: under a
    workspace rate limit, every workspace starts sending straight away."""
    runtime = shared_runtime(settings)
    now = now or _now()
    notifier = (notifiers or platform_notifiers(settings)).notifier_for(workspace_id)
    if notifier is None:
        return  # no platform package serves it (logged where it was looked up)
    if prepared is None and compose is None:
        prepared, compose = _prepare_alone(settings, workspace_id, week, helpers)
    send_recaps(
        sessions=runtime.sessions,
        notifier=notifier,
        workspace_id=workspace_id,
        week=week,
        now=now,
        prepared=prepared,
        marks=marks,
    )
    send_digest(
        sessions=runtime.sessions,
        notifier=notifier,
        workspace_id=workspace_id,
        week=week,
        now=now,
        out_dir=settings.PLUME_OUTPUT_DIR / "digests",
        compose=compose,
        marks=marks,
    )


def _prepare_alone(
    settings: Settings, workspace_id: int, week: str, helpers: Helpers | None
) -> tuple[dict[int, Recap], Callable[[], Message] | None]:
    """One workspace's recaps and digest for `week` from one metrics pass, when something is still to
    send. A job queue's worker computes them on its helper processes (`helpers`), and starts the
    digest's charts at once while the recaps go: under a workspace rate limit the recaps take
    minutes, and the digest, sent last, is ready by then instead of costing its CPU at the end.
    Without helpers, here, and the charts are drawn when the digest is sent."""
    runtime = shared_runtime(settings)
    digests, recaps_due = pending_deliveries(runtime.sessions, {workspace_id: week})
    if not digests and not recaps_due:
        return {}, None  # all sent: the claims skip both
    key = (workspace_id, week, bool(digests))
    if helpers is None:
        with worker_process(1) as here:
            [(people, data)] = prepare_weeks(settings, here, [key]).values()
    else:  # computed with the other jobs' of this worker that ask meanwhile
        weeks = helpers.together("weeks", partial(prepare_weeks, settings, helpers.metrics.submit))
        people, data = weeks.get(key)
    compose = None
    if data is not None:
        folder = chart_dir(settings.PLUME_OUTPUT_DIR / "digests", workspace_id, week)
        if helpers is None:
            compose = partial(_draw_digest, data, folder)
        else:
            compose = partial(_finish_digest, data, helpers.render(data, folder))
    return (people if recaps_due else {}), compose


def _draw_digest(data: DigestData, folder: Path) -> Message:
    return digest_message(data, digest_charts(data, folder))


def digest(
    settings: Settings,
    workspace_id: int,
    week: str,
    now: datetime | None = None,
    *,
    notifiers: Notifiers | None = None,
) -> Outcome:
    """One workspace's digest for one week (idempotent: claims before sending)."""
    runtime = shared_runtime(settings)
    notifier = (notifiers or platform_notifiers(settings)).notifier_for(workspace_id)
    if notifier is None:
        return Outcome("skipped", detail="no notifier for this workspace's platform")
    return send_digest(
        sessions=runtime.sessions,
        notifier=notifier,
        workspace_id=workspace_id,
        week=week,
        now=now or _now(),
        out_dir=settings.PLUME_OUTPUT_DIR / "digests",
    )


def chat_workspaces(runtime, among: list[int] | None = None) -> list[int]:
    """Workspaces on a chat platform (not the operator's local one), still installed; of `among`
    only, when given (a job about 50 workspaces reads those, not every one)."""
    query = select(Workspace).where(Workspace.platform != "cli")
    if among is not None:
        query = query.where(Workspace.id.in_(among))
    with transaction(runtime.sessions) as session:
        return [w.id for w in session.scalars(query) if not (w.settings or {}).get("purge_after")]


def digest_preview(settings: Settings, week: str) -> str:
    """Every workspace's digest for `week`, rendered for the terminal (nothing is posted)."""
    runtime = shared_runtime(settings)
    parts = []
    with transaction(runtime.sessions) as session:
        workspaces = [
            (w.id, w.name or w.external_id, workspace_settings(w)) for w in session.scalars(select(Workspace))
        ]
    for workspace_id, name, config in workspaces:
        with transaction(runtime.sessions) as session:
            program = load_program(session=session, workspace_id=workspace_id, week=parse_week(week))
        message = digest_message(build_digest(program, config["min_group_size"]))
        parts.append(f"[{name}]\n{render_message(message)}")
    return "\n\n".join(parts) or "No workspaces yet."
