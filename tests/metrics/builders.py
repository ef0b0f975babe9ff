"""Small builders for hand-made metrics frames (tests only).

Posts are written as `post(person, "2026-11-16T10:00:00Z", ...)`: the moment is always UTC (or carries an
explicit offset) so that every test states which instant it means; the local time is in a comment.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import count

import pandas as pd

from bot.metrics.bursts import BurstRule
from bot.metrics.engine import Figures, compute_figures
from bot.metrics.frames import POST_COLUMNS, people_frame, posts_frame, snapshots_frame
from bot.schedule import WorkSchedule, parse_days, parse_hours

_x_ids = count(1_000_000)


def sched(
    tz: str = "UTC",
    hours: str = "09:00-18:00",
    days: str = "mon-fri",
    country: str | None = None,
    topics: Iterable[str] = (),
) -> WorkSchedule:
    """A schedule from what a person would type."""
    start, end = parse_hours(hours)
    return WorkSchedule(
        tz=tz,
        start_minute=start,
        end_minute=end,
        days=parse_days(days),
        country=country,
        topics=tuple(topics),
    )


def people(*entries: tuple[int, WorkSchedule]) -> pd.DataFrame:
    """People frame from (ambassador_id, schedule) pairs."""
    return people_frame([(amb_id, f"p{amb_id}", schedule) for amb_id, schedule in entries])


def ts(moment: str) -> pd.Timestamp:
    """A UTC timestamp from an ISO string (offsets allowed)."""
    stamp = pd.Timestamp(moment)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def post(
    amb_id: int,
    moment: str | pd.Timestamp,
    kind: str = "original",
    text: str | None = "",
    likes: int = 0,
    reposts: int = 0,
    replies: int = 0,
    quotes: int = 0,
) -> dict:
    """One post as a record; unknown extra columns of the engine's schema get filler values."""
    return {
        "ambassador_id": amb_id,
        "created_at": ts(moment) if isinstance(moment, str) else moment,
        "kind": kind,
        "text": text,
        "likes": likes,
        "reposts": reposts,
        "replies": replies,
        "quotes": quotes,
    }


def posts(records: Iterable[dict]) -> pd.DataFrame:
    """Posts frame (through the engine's own `posts_frame`) from `post(...)` records."""
    rows = []
    for record in records:
        rows.append(tuple(record[c] if c in record else next(_x_ids) for c in POST_COLUMNS))
    return posts_frame(rows)


def snaps(rows: Iterable[tuple[int, str, int]]) -> pd.DataFrame:
    """Snapshots frame from (ambassador_id, UTC moment, followers)."""
    return snapshots_frame([(a, ts(m), f) for a, m, f in rows])


def run(
    records: Iterable[dict],
    people_table: pd.DataFrame,
    snapshot_rows: Iterable[tuple[int, str, int]] = (),
    rule: BurstRule | None = None,
    weeks: Iterable[str] | None = None,
) -> Figures:
    """The whole metrics pass on hand-built inputs."""
    week_index = None if weeks is None else pd.DatetimeIndex([pd.Timestamp(w) for w in weeks])
    return compute_figures(posts(records), people_table, snaps(snapshot_rows), rule=rule, weeks=week_index)


def week(monday: str) -> pd.Timestamp:
    """The (naive, local) Monday that keys a week."""
    stamp = pd.Timestamp(monday)
    assert stamp.weekday() == 0, f"{monday} is not a Monday"
    return stamp


def row(figures: Figures, amb_id: int, monday: str) -> pd.Series:
    """The weekly figures of one person and week (KeyError if the grid has no such row)."""
    return figures.weekly.loc[(amb_id, week(monday))]


def base(figures: Figures, amb_id: int, monday: str) -> pd.Series:
    """The trailing baseline of one person and week."""
    return figures.baseline.loc[(amb_id, week(monday))]


def every(start: str, minutes: float, n: int) -> list[str]:
    """`n` UTC ISO moments from `start`, `minutes` apart."""
    first = ts(start)
    return [(first + pd.Timedelta(minutes=minutes * i)).isoformat() for i in range(n)]
