"""The weekly digest and the nudges, sent exactly once through a notifier (jobs call these)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.messages.digest import digest_charts, digest_message
from bot.messages.model import Message
from bot.messages.nudge import nudge_message
from bot.messages.recap import recap_message
from bot.messages.replies import notice
from bot.metrics.bursts import BurstRule
from bot.metrics.nudges import NudgeRules
from bot.metrics.weeks import parse_week, week_label
from bot.schedule import WorkSchedule, current_shift_day, is_working
from bot.services.delivery import (
    REPORTED,
    DeliveryFailed,
    MarkWriter,
    Notifier,
    Outcome,
    claim_digest,
    claim_nudge,
    claim_recaps,
    deliver_once,
    digest_key,
    nudge_key,
)
from bot.services.reports.digest import build_digest
from bot.services.reports.nudges import NudgePlan, plan_nudges
from bot.services.reports.program import Person, Program, load_program
from bot.services.reports.recaps import Recap, recaps
from bot.services.workspaces.settings import workspace_settings
from bot.storage.db import transaction
from bot.storage.tables import Ambassador, DigestLog, NudgeLog, Workspace

log = logging.getLogger(__name__)


def send_digest(
    *,
    sessions: sessionmaker[Session],
    notifier: Notifier,
    workspace_id: int,
    week: str,
    now: datetime,
    out_dir: Path,
    compose: Callable[[], Message] | None = None,
    marks: MarkWriter | None = None,
) -> Outcome:
    """Post one workspace's digest for `week` to its channel, once. `compose` builds the message when
    the caller prepared its figures and charts already; by default they are computed here."""
    with transaction(sessions) as session:
        workspace = session.get(Workspace, workspace_id)
        channel, settings = workspace.digest_channel, workspace_settings(workspace)
    if not channel:
        return Outcome("skipped", detail="no digest channel set")
    row, fresh = claim_digest(sessions, workspace_id, channel, week, now)
    key = digest_key(workspace_id, channel, week)

    def send() -> str:
        # The figures are computed only when there is something to send (the check runs every 15 min).
        if compose is not None:
            message = compose()
        else:
            with transaction(sessions) as session:
                program = load_program(session=session, workspace_id=workspace_id, week=parse_week(week))
            data = build_digest(program, settings["min_group_size"])
            message = digest_message(data, digest_charts(data, chart_dir(out_dir, workspace_id, week)))
        return notifier.post(workspace_id=workspace_id, channel=channel, message=message, key=key)

    def find(since: datetime) -> str | None:
        return notifier.find(workspace_id=workspace_id, channel=channel, user_id=None, key=key, since=since)

    outcome = deliver_once(
        sessions=sessions, model=DigestLog, row=row, fresh=fresh, send=send, find=find, now=now, marks=marks
    )
    if outcome.status == "failed" and outcome.detail != REPORTED:
        _report_failure(notifier, workspace_id, settings, week, outcome.detail)
    log.info("digest", extra={"fields": {"workspace": workspace_id, "week": week, "status": outcome.status}})
    return outcome


def chart_dir(out_dir: Path, workspace_id: int, week: str) -> Path:
    """Where one workspace's digest charts for one week are written."""
    return out_dir / f"ws{workspace_id}-{week}"


def pending_deliveries(sessions: sessionmaker[Session], due: dict[int, str]) -> tuple[set[int], set[int]]:
    """Of the workspaces due (id -> week), those whose digest is neither sent nor failed yet, and those
    where someone who wants a recap has not had it: a few grouped queries, however many workspaces."""
    if not due:
        return set(), set()
    ids = list(due)
    with transaction(sessions) as session:
        channels = dict(
            session.execute(select(Workspace.id, Workspace.digest_channel).where(Workspace.id.in_(ids))).all()
        )
        done = set(
            session.execute(
                select(DigestLog.workspace_id, DigestLog.channel, DigestLog.week).where(
                    DigestLog.workspace_id.in_(ids), DigestLog.status.in_(("sent", "failed"))
                )
            )
        )
        wanting = dict(
            session.execute(
                select(Ambassador.workspace_id, func.count())
                .where(*_wants_recap(ids))
                .group_by(Ambassador.workspace_id)
            ).all()
        )
        had = {
            (wid, week): count
            for wid, week, count in session.execute(
                select(Ambassador.workspace_id, NudgeLog.window_key, func.count())
                .join(Ambassador, Ambassador.id == NudgeLog.ambassador_id)
                .where(
                    *_wants_recap(ids),
                    NudgeLog.rule == "recap",
                    NudgeLog.status.in_(("sent", "failed")),
                )
                .group_by(Ambassador.workspace_id, NudgeLog.window_key)
            )
        }
    digests = {
        wid for wid, week in due.items() if channels.get(wid) and (wid, channels[wid], week) not in done
    }
    recaps_due = {wid for wid, week in due.items() if wanting.get(wid, 0) > had.get((wid, week), 0)}
    return digests, recaps_due


def _wants_recap(workspace_ids: list[int]) -> tuple:
    """Who gets a recap: people of these workspaces who kept it on and are reachable in chat."""
    return (
        Ambassador.workspace_id.in_(workspace_ids),
        Ambassador.recap_enabled,
        Ambassador.chat_user_id.is_not(None),
    )


def _report_failure(notifier: Notifier, workspace_id: int, settings: dict, week: str, reason: str) -> None:
    """Tell the admin who chose the channel, once (the failed claim is never retried)."""
    admin = settings.get("digest_channel_set_by")
    if not admin:
        return
    message = notice(
        "The weekly digest could not be posted",
        f"Slack refused the digest for {week}: {reason}. Pick another channel with "
        "`/plume admin channel #channel` or invite me to it.",
    )
    try:
        notifier.direct(
            workspace_id=workspace_id,
            user_id=admin,
            message=message,
            key=f"digest-failed:{workspace_id}:{week}",
        )
    except DeliveryFailed:
        log.warning("could not report digest failure", extra={"fields": {"workspace": workspace_id}})


def rules_from(settings: dict) -> NudgeRules:
    """A workspace's nudge thresholds."""
    return NudgeRules(
        burst=BurstRule(settings["burst_posts"], settings["burst_minutes"]),
        day_volume=settings["day_volume"],
        baseline_ratio=settings["baseline_ratio"],
        per_day=settings["nudges_per_day"],
        per_week=settings["nudges_per_week"],
    )


def shift_weeks(session: Session, workspace_ids: list[int], now: datetime) -> list[str]:
    """The ISO weeks of everyone's current shift day: usually one, even on a Monday (a second only
    when someone is still in Sunday's shift). Computed per distinct zone and hours, not per person."""
    kinds = session.execute(
        select(Ambassador.timezone, Ambassador.work_start, Ambassador.work_end)
        .where(Ambassador.workspace_id.in_(workspace_ids))
        .distinct()
    )
    return sorted(
        {
            week_label(current_shift_day(WorkSchedule(tz=tz, start_minute=start, end_minute=end), now))
            for tz, start, end in kinds
        }
    )


def send_nudges(
    *,
    sessions: sessionmaker[Session],
    notifier: Notifier,
    workspace_id: int,
    now: datetime,
    planned: list[tuple[Person, NudgePlan]] | None = None,
    marks: MarkWriter | None = None,
) -> list[Outcome]:
    """Send today's due nudges, gently and once. `planned` holds what a run evaluated for many
    workspaces at once; otherwise the rules are evaluated here on the weeks of today's shifts."""
    with transaction(sessions) as session:
        rules = rules_from(workspace_settings(session.get(Workspace, workspace_id)))
        if planned is None:
            programs = [
                load_program(session=session, workspace_id=workspace_id, week=parse_week(week))
                for week in shift_weeks(session, [workspace_id], now)
            ]
            planned = nudge_plans(programs, rules)
    outcomes = []
    for person, plan in planned:
        outcome = _maybe_send(sessions, notifier, workspace_id, person, plan, rules, now, marks)
        if outcome is not None:
            outcomes.append(outcome)
    return outcomes


def nudge_plans(programs: list[Program], rules: NudgeRules) -> list[tuple[Person, NudgePlan]]:
    """Every nudge the rules fire in these programs' weeks, with whom it is for (caps come later,
    counted on what was actually sent)."""
    return [
        (program.people[plan.ambassador_id], plan)
        for program in programs
        for plan in plan_nudges(program, rules, cap=False)
    ]


def _maybe_send(
    sessions,
    notifier: Notifier,
    workspace_id: int,
    person: Person,
    plan: NudgePlan,
    rules: NudgeRules,
    now: datetime,
    marks: MarkWriter | None = None,
) -> Outcome | None:
    """Today's nudge for one person, if allowed now: not snoozed, under the caps, calm, at work."""
    if plan.day != current_shift_day(person.schedule, now).isoformat():
        return None
    if not person.chat_user_id or not person.nudges_enabled:
        return None
    if person.snoozed_until and person.snoozed_until > now:
        return None
    if not _above_personal_threshold(plan, rules, person.threshold_factor):
        return None
    today, this_week = _sent_counts(sessions, person.ambassador_id, plan.day)
    if today >= rules.per_day or this_week >= rules.per_week:
        return None
    if not is_working(person.schedule, now) or not notifier.is_calm(
        workspace_id=workspace_id, user_id=person.chat_user_id, now=now
    ):
        return Outcome("deferred", detail="outside work hours or do-not-disturb")
    numbers = {"work_posts": plan.work_posts, "bursts": plan.bursts, "weekday_median": plan.weekday_median}
    row, fresh = claim_nudge(sessions, person.ambassador_id, plan.rule, plan.day, numbers, now)
    key = nudge_key(person.ambassador_id, plan.rule, plan.day)
    return deliver_once(
        sessions=sessions,
        model=NudgeLog,
        row=row,
        fresh=fresh,
        now=now,
        marks=marks,
        send=lambda: notifier.direct(
            workspace_id=workspace_id, user_id=person.chat_user_id, message=nudge_message(plan), key=key
        ),
        find=lambda since: notifier.find(
            workspace_id=workspace_id, channel=None, user_id=person.chat_user_id, key=key, since=since
        ),
    )


def _sent_counts(sessions, ambassador_id: int, day: str) -> tuple[int, int]:
    """Nudges sent (or claimed and perhaps sent) to this person on `day` and in its ISO week, recaps
    aside (one query). One that failed for good never reached them, so it takes no place in the caps."""
    with transaction(sessions) as session:
        stmt = select(NudgeLog.window_key).where(
            NudgeLog.ambassador_id == ambassador_id, NudgeLog.rule != "recap", NudgeLog.status != "failed"
        )
        windows = list(session.scalars(stmt))
    week = datetime.fromisoformat(day).isocalendar()[:2]
    return (
        sum(1 for w in windows if w == day),
        sum(1 for w in windows if datetime.fromisoformat(w).isocalendar()[:2] == week),
    )


def send_recaps(
    *,
    sessions: sessionmaker[Session],
    notifier: Notifier,
    workspace_id: int,
    week: str,
    now: datetime,
    prepared: dict[int, Recap] | None = None,
    marks: MarkWriter | None = None,
) -> list[Outcome]:
    """Each person's private weekly recap (their week, baseline, best post, best off-hours slots), once.

    `prepared` holds recaps a run computed for many workspaces at once; otherwise this workspace's
    are computed here, in one metrics pass, when someone's is due."""
    with transaction(sessions) as session:
        wanting = session.scalars(select(Ambassador).where(*_wants_recap([workspace_id])))
        members = [(a.id, a.chat_user_id) for a in wanting]
    claims = claim_recaps(sessions, [pid for pid, _ in members], week, now)
    due = [
        (ambassador_id, user_id, row, fresh)
        for (ambassador_id, user_id), (row, fresh) in zip(members, claims, strict=True)
        if fresh or row.status not in ("sent", "failed")
    ]
    if not due:
        return []
    everyone = prepared
    if everyone is None:
        with transaction(sessions) as session:
            everyone = recaps(load_program(session=session, workspace_id=workspace_id, week=parse_week(week)))
    outcomes = []
    for ambassador_id, user_id, row, fresh in due:
        if ambassador_id not in everyone:  # joined after the figures were computed: next run
            continue
        key = nudge_key(ambassador_id, "recap", week)
        message = recap_message(everyone[ambassador_id])
        outcomes.append(
            deliver_once(
                sessions=sessions,
                model=NudgeLog,
                row=row,
                fresh=fresh,
                now=now,
                marks=marks,
                send=lambda u=user_id, k=key, m=message: notifier.direct(
                    workspace_id=workspace_id, user_id=u, message=m, key=k
                ),
                find=lambda since, u=user_id, k=key: notifier.find(
                    workspace_id=workspace_id, channel=None, user_id=u, key=k, since=since
                ),
            )
        )
    return outcomes


def _above_personal_threshold(plan: NudgePlan, rules: NudgeRules, factor: float) -> bool:
    """A person who said "not useful" twice is nudged only at `factor` times the usual thresholds."""
    if factor <= 1.0:
        return True
    minimum = {
        "burst": rules.burst.min_posts,
        "day_volume": rules.day_volume,
        "above_baseline": max(rules.baseline_min_posts, rules.baseline_ratio * (plan.weekday_median or 0)),
    }[plan.rule]
    return plan.work_posts >= factor * minimum
