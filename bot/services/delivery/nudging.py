"""Nudges: the rules evaluated on today's shift weeks, and each nudge sent gently and at most once.

A nudge is claimed straight into `sending` (it goes right after its claim). Left there by a crash,
it is looked up where the notifier can; where it cannot, it is never sent again (marked `unknown`):
a lost nudge is the gentle failure, a repeated one is not.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.messages.nudge import nudge_message
from bot.metrics.bursts import BurstRule
from bot.metrics.nudges import NudgeRules
from bot.metrics.weeks import parse_week, week_label
from bot.schedule import WorkSchedule, current_shift_day, is_working
from bot.services.delivery.notifiers import Notifier
from bot.services.delivery.outbox import (
    DONE,
    MarkWriter,
    Outcome,
    at_most_once,
    claim_nudge,
    deliver_once,
    nudge_key,
)
from bot.services.reports.nudges import NudgePlan, plan_nudges
from bot.services.reports.program import Person, Program, load_program
from bot.services.workspaces.settings import workspace_settings
from bot.storage.db import transaction
from bot.storage.tables import Ambassador, NudgeLog, Workspace


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
    if not _wanted_today(person, plan, rules, now):
        return None
    today, this_week = _sent_counts(sessions, person.ambassador_id, plan.day, plan.rule)
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
        started=fresh,  # claimed straight into `sending`
        now=now,
        marks=marks,
        compose=lambda: nudge_message(plan),
        send=lambda message: notifier.direct(
            workspace_id=workspace_id, user_id=person.chat_user_id, message=message, key=key
        ),
        find=(
            lambda since: notifier.find(
                workspace_id=workspace_id, channel=None, user_id=person.chat_user_id, key=key, since=since
            )
        )
        if notifier.can_look_up
        else None,
        in_doubt=lambda: at_most_once(sessions, NudgeLog, row.id, now),
    )


def _wanted_today(person: Person, plan: NudgePlan, rules: NudgeRules, now: datetime) -> bool:
    """Whether the person would take this nudge today, before caps and calm: it is for today's shift,
    they can be reached, want nudges, are not snoozed, and it passes their own threshold."""
    return (
        plan.day == current_shift_day(person.schedule, now).isoformat()
        and bool(person.chat_user_id)
        and person.nudges_enabled
        and not (person.snoozed_until and person.snoozed_until > now)
        and _above_personal_threshold(plan, rules, person.threshold_factor)
    )


def workspaces_to_nudge(
    sessions: sessionmaker[Session],
    planned: dict[int, list[tuple[Person, NudgePlan]]],
    rules_of: dict[int, NudgeRules],
    now: datetime,
) -> list[int]:
    """Of the workspaces evaluated together (`planned`: what fired, by workspace), those with a nudge
    someone would take now and that nobody has claimed yet (one query): a cheap filter, so that only
    they get a job of their own, which evaluates again and sends (a nudge sent this morning fires
    again on every later evaluation of the day). A claim in doubt (claimed, not known sent) is not
    settled: its workspace gets a job, which resolves it."""
    wanted = {
        (person.ambassador_id, plan.rule, plan.day): wid
        for wid, fired in planned.items()
        for person, plan in fired
        if is_working(person.schedule, now) and _wanted_today(person, plan, rules_of[wid], now)
    }
    if not wanted:
        return []
    with transaction(sessions) as session:
        claimed = {
            tuple(row)
            for row in session.execute(
                select(NudgeLog.ambassador_id, NudgeLog.rule, NudgeLog.window_key).where(
                    NudgeLog.ambassador_id.in_({who for who, _, _ in wanted}),
                    NudgeLog.window_key.in_({day for _, _, day in wanted}),
                    NudgeLog.status.in_(DONE),  # one in doubt needs its job: looked up or settled
                )
            )
        }
    return sorted({wid for key, wid in wanted.items() if key not in claimed})


def _sent_counts(sessions, ambassador_id: int, day: str, rule: str) -> tuple[int, int]:
    """Nudges sent (or claimed and perhaps sent) to this person on `day` and in its ISO week, recaps
    aside (one query). One that failed for good never reached them, so it takes no place in the caps;
    nor does this very nudge (`rule` on `day`) while in doubt: claimed by a run that died before it
    was sent or marked, it is resolved by deliver_once (looked up, or its kind's policy), not hidden
    by its own place in the cap (the chaos test lost a nudge that way: a worker killed between claim
    and send)."""
    with transaction(sessions) as session:
        stmt = select(NudgeLog.window_key).where(
            NudgeLog.ambassador_id == ambassador_id,
            NudgeLog.rule != "recap",
            NudgeLog.status != "failed",
            ~((NudgeLog.rule == rule) & (NudgeLog.window_key == day) & NudgeLog.status.not_in(DONE)),
        )
        windows = list(session.scalars(stmt))
    week = datetime.fromisoformat(day).isocalendar()[:2]
    return (
        sum(1 for w in windows if w == day),
        sum(1 for w in windows if datetime.fromisoformat(w).isocalendar()[:2] == week),
    )


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
