"""The weekly digest and the nudges, sent exactly once through a notifier (jobs call these)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.messages.digest import digest_charts, digest_message
from bot.messages.nudge import nudge_message
from bot.messages.replies import notice
from bot.metrics.bursts import BurstRule
from bot.metrics.nudges import NudgeRules
from bot.metrics.weeks import parse_week
from bot.schedule import is_working
from bot.services.delivery import (
    REPORTED,
    DeliveryFailed,
    Notifier,
    Outcome,
    claim_digest,
    claim_nudge,
    deliver_once,
    digest_key,
    nudge_key,
)
from bot.services.digest import build_digest
from bot.services.nudges import NudgePlan, plan_nudges
from bot.services.program import Person, load_program
from bot.services.settings import workspace_settings
from bot.storage.db import transaction
from bot.storage.tables import DigestLog, NudgeLog, Workspace

log = logging.getLogger(__name__)


def send_digest(
    *,
    sessions: sessionmaker[Session],
    notifier: Notifier,
    workspace_id: int,
    week: str,
    now: datetime,
    out_dir: Path,
) -> Outcome:
    """Post one workspace's digest for `week` to its channel, once."""
    with transaction(sessions) as session:
        workspace = session.get(Workspace, workspace_id)
        channel, settings = workspace.digest_channel, workspace_settings(workspace)
        if not channel:
            return Outcome("skipped", detail="no digest channel set")
        program = load_program(session=session, workspace_id=workspace_id, week=parse_week(week))
    row, fresh = claim_digest(sessions, workspace_id, channel, week, now)
    key = digest_key(workspace_id, channel, week)

    def send() -> str:
        data = build_digest(program, settings["min_group_size"])
        message = digest_message(data, digest_charts(data, out_dir / f"ws{workspace_id}-{week}"))
        return notifier.post(workspace_id=workspace_id, channel=channel, message=message, key=key)

    def find(since: datetime) -> str | None:
        return notifier.find(workspace_id=workspace_id, channel=channel, user_id=None, key=key, since=since)

    outcome = deliver_once(
        sessions=sessions, model=DigestLog, row=row, fresh=fresh, send=send, find=find, now=now
    )
    if outcome.status == "failed" and outcome.detail != REPORTED:
        _report_failure(notifier, workspace_id, settings, week, outcome.detail)
    log.info("digest", extra={"fields": {"workspace": workspace_id, "week": week, "status": outcome.status}})
    return outcome


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


def send_nudges(
    *, sessions: sessionmaker[Session], notifier: Notifier, workspace_id: int, now: datetime
) -> list[Outcome]:
    """Evaluate the rules on the current week and send today's due nudges, gently and once."""
    monday = (now - timedelta(days=now.weekday())).date()
    with transaction(sessions) as session:
        settings = workspace_settings(session.get(Workspace, workspace_id))
        program = load_program(
            session=session, workspace_id=workspace_id, week=parse_week(monday.strftime("%G-W%V"))
        )
    rules = rules_from(settings)
    outcomes = []
    for plan in plan_nudges(program, rules):
        person = program.people[plan.ambassador_id]
        outcome = _maybe_send(sessions, notifier, workspace_id, person, plan, rules, now)
        if outcome is not None:
            outcomes.append(outcome)
    return outcomes


def _maybe_send(
    sessions,
    notifier: Notifier,
    workspace_id: int,
    person: Person,
    plan: NudgePlan,
    rules: NudgeRules,
    now: datetime,
) -> Outcome | None:
    """Today's nudge for one person, if allowed now: not snoozed, under the caps, calm, at work."""
    local_today = now.astimezone(ZoneInfo(person.schedule.tz)).date().isoformat()
    if plan.day != local_today or not person.chat_user_id or not person.nudges_enabled:
        return None
    if person.snoozed_until and person.snoozed_until > now:
        return None
    if (
        _sent_count(sessions, person.ambassador_id, plan.day, today=True) >= rules.per_day
        or _sent_count(sessions, person.ambassador_id, plan.day, today=False) >= rules.per_week
    ):
        return None
    if not is_working(person.schedule, now) or not notifier.is_calm(
        workspace_id=workspace_id, user_id=person.chat_user_id
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
        send=lambda: notifier.direct(
            workspace_id=workspace_id, user_id=person.chat_user_id, message=nudge_message(plan), key=key
        ),
        find=lambda since: notifier.find(
            workspace_id=workspace_id, channel=None, user_id=person.chat_user_id, key=key, since=since
        ),
    )


def _sent_count(sessions, ambassador_id: int, day: str, *, today: bool) -> int:
    """Nudges claimed for this person today (or this ISO week), recaps aside."""
    with transaction(sessions) as session:
        stmt = select(NudgeLog.window_key).where(
            NudgeLog.ambassador_id == ambassador_id, NudgeLog.rule != "recap"
        )
        windows = list(session.scalars(stmt))
    if today:
        return sum(1 for w in windows if w == day)
    week = datetime.fromisoformat(day).isocalendar()[:2]
    return sum(1 for w in windows if datetime.fromisoformat(w).isocalendar()[:2] == week)
