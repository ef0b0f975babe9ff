"""The frames the metrics engine reads, and localizing posts into each person's own time.

Input frames (built by services from storage, or by the demo and bench generators):

- posts: `ambassador_id`, `created_at` (UTC), `kind`, `text`, `likes`, `reposts`, `replies`, `quotes`,
  `x_id`
- people: indexed by `ambassador_id`; `handle`, `tz`, `start_minute`, `end_minute`, `days_mask`
  (bit d set = weekday d worked, Monday = 0), `country` (or None), `topics` (tuple of str), and
  optionally `since` (UTC start of their history: first stored post or opt-in, whichever is first)
- snapshots: `ambassador_id`, `taken_at` (UTC), `followers`
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from bot.metrics.topics import on_topic_flags
from bot.metrics.workhours import work_hours_mask
from bot.schedule import WorkSchedule

POST_COLUMNS = [
    "ambassador_id",
    "created_at",
    "kind",
    "text",
    "likes",
    "reposts",
    "replies",
    "quotes",
    "x_id",
]
PEOPLE_COLUMNS = ["handle", "tz", "start_minute", "end_minute", "days_mask", "country", "topics"]
DAY = pd.Timedelta(days=1)
KIND_DTYPE = pd.CategoricalDtype(["original", "reply", "retweet", "quote"])


def empty_posts() -> pd.DataFrame:
    """A posts frame with no rows and the right dtypes."""
    frame = pd.DataFrame({c: pd.Series(dtype="int64") for c in POST_COLUMNS})
    frame["created_at"] = pd.Series(dtype="datetime64[us, UTC]")
    frame["kind"] = pd.Series(dtype="object")
    frame["text"] = pd.Series(dtype="object")
    return frame


def empty_snapshots() -> pd.DataFrame:
    """A snapshots frame with no rows."""
    return pd.DataFrame(
        {
            "ambassador_id": pd.Series(dtype="int64"),
            "taken_at": pd.Series(dtype="datetime64[us, UTC]"),
            "followers": pd.Series(dtype="int64"),
        }
    )


def people_frame(
    rows: Iterable[tuple[int, str, WorkSchedule]], since: dict[int, object] | None = None
) -> pd.DataFrame:
    """People frame from (ambassador_id, handle, schedule) triples; `since` = start of each history."""
    records = [
        {
            "ambassador_id": amb_id,
            "handle": handle,
            "tz": s.tz,
            "start_minute": s.start_minute,
            "end_minute": s.end_minute,
            "days_mask": sum(1 << d for d in s.days),
            "country": s.country,
            "topics": tuple(s.topics),
        }
        for amb_id, handle, s in rows
    ]
    frame = pd.DataFrame.from_records(records, columns=["ambassador_id", *PEOPLE_COLUMNS])
    frame = frame.set_index("ambassador_id")
    if since is not None:
        frame["since"] = pd.to_datetime(pd.Series(since, dtype="object").reindex(frame.index), utc=True)
    return frame


def localize(posts: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """Posts sorted by person and time, with local time, week, work-hours flag and topic flag added.

    Added columns: `local` (naive local wall time), `local_date`, `week` (Monday of the local ISO
    week), `weekday`, `hour`, `shift_date` (the day whose work shift the post falls in), `work`,
    `own` (not a repost), `engagement`, `on_topic` (NaN for people without topics).
    """
    frame = posts[posts["ambassador_id"].isin(people.index)]
    instants = frame["created_at"].dt.tz_convert(None).to_numpy().astype("datetime64[us]").view("int64")
    order = np.lexsort((instants, frame["ambassador_id"].to_numpy()))
    frame = frame.take(order).reset_index(drop=True)
    frame["kind"] = frame["kind"].astype(KIND_DTYPE)
    frame["local"] = local_times(frame["ambassador_id"], frame["created_at"], people)
    frame["local_date"] = frame["local"].dt.normalize()
    frame["weekday"] = frame["local"].dt.day_of_week.astype("int8")
    frame["hour"] = frame["local"].dt.hour.astype("int8")
    frame["week"] = week_of(frame["local"])
    frame["work"], frame["shift_date"] = work_hours_mask(frame, people)
    frame["own"] = frame["kind"].cat.codes.to_numpy() != KIND_DTYPE.categories.get_loc("retweet")
    frame["engagement"] = (frame["likes"] + frame["reposts"] + frame["replies"] + frame["quotes"]).astype(
        "int64"
    )
    frame["on_topic"] = on_topic_flags(frame, people)
    return frame


def local_times(ids: pd.Series, moments: pd.Series, people: pd.DataFrame) -> pd.Series:
    """Naive local wall-clock time of each UTC moment in its person's zone (one conversion per zone)."""
    tz_of_row = ids.map(people["tz"])
    local = pd.Series(np.zeros(len(ids), dtype="datetime64[us]"), index=ids.index)
    utc = moments.dt.tz_convert("UTC").astype("datetime64[us, UTC]")
    for tz, idx in tz_of_row.groupby(tz_of_row, sort=False).groups.items():
        local.loc[idx] = utc.loc[idx].dt.tz_convert(tz).dt.tz_localize(None).to_numpy()
    return local


def week_of(local: pd.Series) -> pd.Series:
    """Monday (midnight) of the ISO week of each naive local time."""
    day = local.dt.normalize()
    return day - local.dt.day_of_week.astype("int64") * DAY


def posts_frame(rows: list[tuple]) -> pd.DataFrame:
    """Posts frame from rows in `POST_COLUMNS` order."""
    if not rows:
        return empty_posts()
    frame = pd.DataFrame.from_records(rows, columns=POST_COLUMNS)
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True).astype("datetime64[us, UTC]")
    return frame


def snapshots_frame(rows: list[tuple]) -> pd.DataFrame:
    """Snapshots frame from (ambassador_id, taken_at, followers) rows."""
    if not rows:
        return empty_snapshots()
    frame = pd.DataFrame.from_records(rows, columns=["ambassador_id", "taken_at", "followers"])
    frame["taken_at"] = pd.to_datetime(frame["taken_at"], utc=True).astype("datetime64[us, UTC]")
    return frame
