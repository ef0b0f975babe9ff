"""Everything Plume holds about one person, as one CSV file (`/plume export`, the right of access).

Operators parse this file, so rows, blocks and columns are only ever added (at the end), never renamed
or moved.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.people.ambassadors import schedule_of
from bot.services.people.membership import me
from bot.storage.tables import Ambassador, FollowerSnapshot, NudgeLog, Post


def export_csv(*, session: Session, workspace_id: int, chat_user_id: str) -> tuple[str, bytes]:
    """Everything Plume holds about the caller as one CSV: profile, consent, snapshots, posts, nudges.

    Blocks follow each other, a blank row between them, each under its own header. Operators parse
    this file, so rows, blocks and columns are only ever added (at the end), never renamed or moved.
    """
    ambassador = me(session=session, workspace_id=workspace_id, chat_user_id=chat_user_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "field", "value"])
    writer.writerows(["profile", field, value] for field, value in _profile_fields(ambassador))
    snapshots = list(
        session.scalars(
            select(FollowerSnapshot)
            .where(FollowerSnapshot.x_account_id == ambassador.x_account_id)
            .order_by(FollowerSnapshot.taken_at)
        )
    )
    for section in ("followers", "following", "posts_count"):
        writer.writerows([section, s.taken_at.isoformat(), getattr(s, section)] for s in snapshots)
    writer.writerow([])
    writer.writerow([*POST_COLUMNS, *POST_EXTRA_COLUMNS])
    posts = session.scalars(
        select(Post).where(Post.x_account_id == ambassador.x_account_id).order_by(Post.x_id)
    )
    writer.writerows(_post_row(p) for p in posts)
    writer.writerow([])
    writer.writerow(NUDGE_COLUMNS)
    nudges = session.scalars(
        select(NudgeLog)
        .where(NudgeLog.ambassador_id == ambassador.id)
        .order_by(NudgeLog.claimed_at, NudgeLog.id)
    )
    writer.writerows(_nudge_row(n) for n in nudges)
    return f"plume-{ambassador.x_account.handle}.csv", out.getvalue().encode("utf-8")


POST_COLUMNS = ("id", "created_at", "kind", "text", "lang", "likes", "reposts", "replies", "quotes")
POST_EXTRA_COLUMNS = ("in_reply_to_id", "metrics_read_at", "source", "refreshed_for")  # added later
NUDGE_COLUMNS = (
    "nudge_rule",
    "window_key",
    "numbers",
    "status",
    "claimed_at",
    "sent_at",
    "feedback",
    "message_ref",
)


def _post_row(p: Post) -> list[object]:
    """One post: the columns as first released, then the ones added since."""
    first = [p.x_id, p.created_at.isoformat(), p.kind, p.text, p.lang or ""]
    first += [p.likes, p.reposts, p.replies, p.quotes]
    return [*first, *(_cell(getattr(p, name)) for name in POST_EXTRA_COLUMNS)]


def _nudge_row(n: NudgeLog) -> list[object]:
    """One nudge or weekly recap, with the figures it quoted and the feedback it got."""
    numbers = json.dumps(n.numbers or {}, sort_keys=True, default=str)
    rest = (n.status, n.claimed_at, n.sent_at, n.feedback, n.message_ref)
    return [n.rule, n.window_key, numbers, *(_cell(value) for value in rest)]


def _cell(value: object) -> object:
    """A CSV cell: times as ISO 8601, nothing as empty."""
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, datetime) else value


def _profile_fields(ambassador: Ambassador) -> list[tuple[str, object]]:
    """The profile block: the first ten fields as released, then the ones added since."""
    schedule = schedule_of(ambassador)
    return [
        ("handle", ambassador.x_account.handle),
        ("consent_at", ambassador.consent_at.isoformat()),
        ("consent_text", ambassador.consent_text),
        ("timezone", schedule.tz),
        ("hours", schedule.hours_text),
        ("days", schedule.days_text),
        ("country", schedule.country or ""),
        ("topics", ", ".join(schedule.topics)),
        ("nudges_enabled", ambassador.nudges_enabled),
        ("highlights_allowed", ambassador.highlights_allowed),
        ("consent_source", ambassador.consent_source),
        ("joined_at", ambassador.created_at.isoformat()),
        ("chat_user_id", ambassador.chat_user_id or ""),
        ("x_user_id", _cell(ambassador.x_account.x_user_id)),
        ("nudges_snoozed_until", _cell(ambassador.nudges_snoozed_until)),
        ("nudge_overrides", json.dumps(ambassador.nudge_overrides or {}, sort_keys=True, default=str)),
        ("recap_enabled", ambassador.recap_enabled),
        ("home_chart_file", ambassador.home_file_id or ""),
        ("x_verified_at", _cell(ambassador.x_verified_at)),  # when they proved the account by signing in
    ]
