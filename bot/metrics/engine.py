"""The full metrics pass: posts, people and snapshots in; weekly figures, baselines and activity out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from bot.metrics.activity import activity_counts
from bot.metrics.bursts import BurstRule
from bot.metrics.followers import follower_changes
from bot.metrics.frames import local_times, localize, people_frame, posts_frame, snapshots_frame, week_of
from bot.metrics.weekly import trailing_baseline, weekly_figures
from bot.schedule import WorkSchedule

BASELINE_WEEKS = 4


@dataclass(frozen=True, slots=True)
class Figures:
    """Everything the services and messages need, computed once per pass."""

    local: pd.DataFrame
    weekly: pd.DataFrame
    baseline: pd.DataFrame
    activity: pd.DataFrame
    # Local date each person's history starts (opt-in or first stored post), NaT when unknown: before
    # it there is no history, which is not the same as a quiet one.
    history_days: pd.Series = field(default_factory=lambda: pd.Series(dtype="datetime64[us]"))


def compute_figures(
    posts: pd.DataFrame,
    people: pd.DataFrame,
    snapshots: pd.DataFrame,
    rule: BurstRule | None = None,
    weeks: pd.DatetimeIndex | None = None,
) -> Figures:
    """Run the whole pass. `weeks` makes sure those weeks have rows even for people who were silent."""
    rule = rule or BurstRule()
    local = localize(posts, people)
    days = history_start_days(people)
    weekly = weekly_figures(local, _weeks_of(days), rule, _grid_weeks(weeks))
    changes = follower_changes(snapshots, people)
    weekly["follower_net_change"] = changes.reindex(weekly.index).astype("float64")
    baseline = trailing_baseline(weekly, BASELINE_WEEKS)
    return Figures(
        local=local, weekly=weekly, baseline=baseline, activity=activity_counts(local), history_days=days
    )


def figures_from_rows(
    post_rows: list[tuple],
    snapshot_rows: list[tuple],
    people: Sequence[tuple[int, str, WorkSchedule]],
    history_starts: Mapping[int, object],
    week: datetime,
    history: int,
    rule: BurstRule | None = None,
) -> Figures:
    """The whole pass over storage rows (posts in `POST_COLUMNS` order, (id, taken_at, followers)
    snapshots, (id, handle, schedule) people) for `week` and the `history` weeks before it."""
    frame = people_frame(people, dict(history_starts))
    weeks = pd.date_range(pd.Timestamp(week) - pd.Timedelta(weeks=history), week, freq="7D")
    return compute_figures(
        posts_frame(post_rows), frame, snapshots_frame(snapshot_rows), rule=rule, weeks=weeks
    )


def history_start_days(people: pd.DataFrame) -> pd.Series:
    """Local date (midnight) of each person's `since` (first stored post or opt-in), NaT when not given."""
    if "since" not in people.columns:
        return pd.Series(pd.NaT, index=people.index, dtype="datetime64[us]")
    known = people["since"].dropna()
    ids = pd.Series(known.index, index=known.index)
    moments = pd.to_datetime(known, utc=True).astype("datetime64[us, UTC]")
    days = local_times(ids, moments, people).dt.normalize()
    return days.reindex(people.index).astype("datetime64[us]")


def _weeks_of(days: pd.Series) -> pd.Series:
    """The Monday of each known day, NaT kept."""
    known = days.dropna()
    return week_of(known).reindex(days.index).astype("datetime64[us]")


def _grid_weeks(weeks: pd.DatetimeIndex | None) -> pd.DatetimeIndex | None:
    """Weeks to include for everyone (so silent people get a row)."""
    if weeks is None:
        return None
    return pd.DatetimeIndex(weeks).astype("datetime64[us]")
