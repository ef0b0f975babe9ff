"""The weekly digest and the recaps, sent exactly once through a notifier (jobs call these).

What happens to a message a crash left in doubt (`sending`) where the notifier cannot look it up:
- a recap (like a nudge, `nudging.py`) is at most once: marked `unknown`, never sent again, since a
  lost private message is the gentle failure and a repeated one is not;
- a digest is sent again only after the admin who chose its channel is told, by DM, that it may
  appear twice; when nobody can be told it is marked `unknown` and not sent again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.messages.digest import digest_charts, digest_message
from bot.messages.model import Message
from bot.messages.recap import recap_message
from bot.messages.replies import notice
from bot.messages.text import hint, text
from bot.metrics.weeks import parse_week
from bot.services.delivery.notifiers import DeliveryFailed, Notifier
from bot.services.delivery.outbox import (
    DONE,
    RECAP_CHUNK,
    REPORTED,
    MarkWriter,
    Outcome,
    at_most_once,
    begin_sending,
    claim_digest,
    claim_recaps,
    deliver_once,
    digest_key,
    mark,
    nudge_key,
)
from bot.services.reports.digest import build_digest
from bot.services.reports.program import load_program
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

    def build() -> Message:
        # The figures are computed only when there is something to send (the check runs every 15 min).
        if compose is not None:
            return compose()
        with transaction(sessions) as session:
            program = load_program(session=session, workspace_id=workspace_id, week=parse_week(week))
        data = build_digest(program, settings["min_group_size"])
        return digest_message(data, digest_charts(data, chart_dir(out_dir, workspace_id, week)))

    def find(since: datetime) -> str | None:
        return notifier.find(workspace_id=workspace_id, channel=channel, user_id=None, key=key, since=since)

    outcome = deliver_once(
        sessions=sessions,
        model=DigestLog,
        row=row,
        fresh=fresh,
        compose=build,
        send=lambda message: notifier.post(
            workspace_id=workspace_id, channel=channel, message=message, key=key
        ),
        find=find if notifier.can_look_up else None,
        in_doubt=lambda: _tell_admin_of_doubt(sessions, notifier, row.id, workspace_id, settings, week, now),
        now=now,
        # Without a look-up a lost mark means a duplicate digest: its mark is written at once.
        marks=marks if notifier.can_look_up else None,
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
                    DigestLog.workspace_id.in_(ids), DigestLog.status.in_(DONE)
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
                    NudgeLog.status.in_(DONE),
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


def _tell_admin_of_doubt(
    sessions, notifier: Notifier, row_id: int, workspace_id: int, settings: dict, week: str, now: datetime
) -> Outcome | None:
    """A digest in doubt on a platform that cannot look: None (send again) once the admin who chose the
    channel is told it may appear twice; else `deferred` (tell them next run) or `in_doubt` (nobody
    can be told: never sent again)."""
    admin = settings.get("digest_channel_set_by")
    message = notice(
        "The weekly digest may appear twice",
        f"I was interrupted while posting the digest for {week} and cannot check whether it arrived, "
        "so I am posting it again.",
    )
    if not admin:
        mark(sessions, DigestLog, row_id, "unknown", None, now)
        return Outcome("in_doubt", detail="nobody to tell it may appear twice; not sent again")
    try:
        notifier.direct(
            workspace_id=workspace_id,
            user_id=admin,
            message=message,
            key=f"digest-doubt:{workspace_id}:{week}",
        )
    except DeliveryFailed as exc:
        if not exc.permanent:
            return Outcome("deferred", detail=f"the admin could not be told yet: {exc}")
        mark(sessions, DigestLog, row_id, "unknown", None, now)
        return Outcome("in_doubt", detail=f"the admin could not be told ({exc}); not sent again")
    log.warning("digest in doubt: admin told, sending again", extra={"fields": {"workspace": workspace_id}})
    return None


def _report_failure(notifier: Notifier, workspace_id: int, settings: dict, week: str, reason: str) -> None:
    """Tell the admin who chose the channel, once (the failed claim is never retried)."""
    admin = settings.get("digest_channel_set_by")
    if not admin:
        return
    message = notice(
        "The weekly digest could not be posted",
        text(
            f"The digest for {week} was refused ({reason}). Pick another channel with ",
            hint("admin channel #channel"),
            " or invite me to it.",
        ),
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
        if fresh or row.status not in DONE
    ]
    if not due:
        return []
    everyone = prepared
    if everyone is None:
        with transaction(sessions) as session:
            everyone = recaps(load_program(session=session, workspace_id=workspace_id, week=parse_week(week)))
    # Joined after the figures were computed: next run.
    due = [item for item in due if item[0] in everyone]
    outcomes = []
    for start in range(0, len(due), RECAP_CHUNK):
        chunk = due[start : start + RECAP_CHUNK]
        unsent = [row.id for _, _, row, fresh in chunk if _unsent(row, fresh)]
        owned = begin_sending(sessions, NudgeLog, unsent)
        for ambassador_id, user_id, row, fresh in chunk:
            if _unsent(row, fresh) and row.id not in owned:  # another run took it between read and write
                continue
            message = recap_message(everyone[ambassador_id])
            outcomes.append(
                _send_recap(sessions, notifier, workspace_id, user_id, row, fresh, message, now, marks)
            )
    return outcomes


def _unsent(row: NudgeLog, fresh: bool) -> bool:
    """A claim never handed to the platform (a `sending` one may have been)."""
    return fresh or row.status == "claimed"


def _send_recap(
    sessions,
    notifier: Notifier,
    workspace_id: int,
    user_id: str,
    row,
    fresh: bool,
    message: Message,
    now: datetime,
    marks: MarkWriter | None,
) -> Outcome:
    """One person's recap, its claim already in `sending` (or in doubt from a crash)."""
    key = nudge_key(row.ambassador_id, "recap", row.window_key)
    return deliver_once(
        sessions=sessions,
        model=NudgeLog,
        row=row,
        fresh=fresh,
        started=_unsent(row, fresh),
        compose=lambda: message,
        send=lambda m: notifier.direct(workspace_id=workspace_id, user_id=user_id, message=m, key=key),
        find=(
            lambda since: notifier.find(
                workspace_id=workspace_id, channel=None, user_id=user_id, key=key, since=since
            )
        )
        if notifier.can_look_up
        else None,
        in_doubt=lambda: at_most_once(sessions, NudgeLog, row.id, now),
        now=now,
        marks=marks,
    )
