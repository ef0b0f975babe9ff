"""The weekly program digest's content: totals, week-over-week change, highlights and charts' data."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bot.metrics.activity import activity_matrices
from bot.metrics.program import ProgramWeek, program_weeks
from bot.metrics.weeks import week_label
from bot.services.reports.program import Program, workspace_owners

HIGHLIGHTS = 3
TREND_WEEKS = 5


@dataclass(frozen=True, slots=True)
class Highlight:
    """A post worth celebrating, shown as a link."""

    handle: str
    x_id: int
    engagement: int
    text: str

    @property
    def url(self) -> str:
        """The post on X."""
        return f"https://x.com/{self.handle}/status/{self.x_id}"


@dataclass(frozen=True, slots=True)
class DigestData:
    """Everything the digest message shows. Aggregates below the minimum group size are withheld."""

    week: str
    current: ProgramWeek
    previous: ProgramWeek
    highlights: tuple[Highlight, ...]
    trend_weeks: tuple[str, ...]
    trend_posts: tuple[int | None, ...]
    trend_engagement: tuple[float | None, ...]
    heatmap: tuple[tuple[int, ...], ...] | None


def build_digest(program: Program, min_group_size: int) -> DigestData:
    """Digest content for `program.week`."""
    return build_digests(program, {0: min_group_size}, owners=pd.Series(0, index=list(program.people)))[0]


def build_digests(
    whole: Program, min_group_sizes: Mapping[int, int], owners: pd.Series | None = None
) -> dict[int, DigestData]:
    """The digests of several workspaces from one program holding all their people (`load_whole`),
    keyed by workspace id, each from its own people only: a weekly run builds a batch's digests with a
    few groupbys instead of a dozen pandas passes per workspace. `owners` (ambassador id -> key)
    defaults to each person's workspace."""
    if owners is None:
        owners = workspace_owners(whole)
    figures, week = whole.figures, whole.week
    trend_weeks = [week - pd.Timedelta(weeks=n) for n in reversed(range(TREND_WEEKS))]
    weeks = sorted({*trend_weeks, week - pd.Timedelta(weeks=1)})
    totals = program_weeks(figures.weekly, figures.local, owners, weeks, min_group_sizes)
    heatmaps = _heatmaps(figures.activity, owners, week, list(min_group_sizes))
    highlights = _highlights(whole, owners)
    digests = {}
    for owner in min_group_sizes:
        current = totals[(owner, week)]
        trend = [totals[(owner, w)] for w in trend_weeks]
        digests[owner] = DigestData(
            week=week_label(week),
            current=current,
            previous=totals[(owner, week - pd.Timedelta(weeks=1))],
            highlights=() if current.withheld else highlights.get(owner, ()),
            trend_weeks=tuple(week_label(t.week) for t in trend),
            trend_posts=tuple(None if t.withheld else t.figures["posts"] for t in trend),
            trend_engagement=tuple(
                None if t.withheld else t.figures["engagement_per_post_median"] for t in trend
            ),
            heatmap=None if current.withheld else heatmaps[owner],
        )
    return digests


def _heatmaps(
    activity: pd.DataFrame, owners: pd.Series, week: pd.Timestamp, keys: list[int]
) -> dict[int, tuple[tuple[int, ...], ...]]:
    """Each program's hour x weekday posts in `week`, summed in one pass into a matrix per program."""
    counts = activity[activity["week"] == week]
    matrices = activity_matrices(counts, keys, owners.reindex(counts["ambassador_id"]).to_numpy())
    return {key: tuple(tuple(int(v) for v in row) for row in matrices[n]) for n, key in enumerate(keys)}


def _highlights(program: Program, owners: pd.Series) -> dict[int, tuple[Highlight, ...]]:
    """Each program's most engaging own posts of the week, one per person at most, from people who
    allow highlights.

    One per person keeps it a celebration of posts, not a ranking of people.
    """
    local = program.figures.local
    allowed = [pid for pid, p in program.people.items() if p.highlights_allowed]
    mask = (local["week"] == program.week) & local["own"] & local["ambassador_id"].isin(allowed)
    candidates = (
        local.loc[mask & (local["engagement"] > 0), ["ambassador_id", "x_id", "engagement", "text"]]
        .sort_values(["engagement", "x_id"], ascending=[False, True])
        .drop_duplicates("ambassador_id")
    )
    candidates["owner"] = owners.reindex(candidates["ambassador_id"]).to_numpy()
    top = candidates.groupby("owner", sort=False).head(HIGHLIGHTS)
    found: defaultdict[int, list[Highlight]] = defaultdict(list)
    for owner, a, x, e, t in zip(
        top["owner"], top["ambassador_id"], top["x_id"], top["engagement"], top["text"], strict=True
    ):
        found[int(owner)].append(Highlight(program.people[int(a)].handle, int(x), int(e), str(t)))
    return {owner: tuple(posts) for owner, posts in found.items()}


def change(current: float | None, previous: float | None) -> float | None:
    """Relative change, None when either side is unknown or the previous is 0."""
    if current is None or previous is None or previous == 0 or np.isnan(previous):
        return None
    return (current - previous) / abs(previous)
