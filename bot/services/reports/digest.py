"""The weekly program digest's content: totals, week-over-week change, highlights and charts' data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from bot.metrics.highlights import program_highlights
from bot.metrics.program import ProgramWeek, program_heatmaps, program_weeks
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
    return build_digests(program, {0: min_group_size}, owners=dict.fromkeys(program.people, 0))[0]


def build_digests(
    whole: Program, min_group_sizes: Mapping[int, int], owners: Mapping[int, int] | None = None
) -> dict[int, DigestData]:
    """The digests of several workspaces from one program holding all their people (`load_whole`),
    keyed by workspace id, each from its own people only: a weekly run builds a batch's digests with a
    few groupbys instead of a dozen frame passes per workspace. `owners` (ambassador id -> key)
    defaults to each person's workspace."""
    if owners is None:
        owners = workspace_owners(whole)
    figures, week = whole.figures, whole.week
    trend_weeks = [week - timedelta(weeks=n) for n in reversed(range(TREND_WEEKS))]
    weeks = sorted({*trend_weeks, week - timedelta(weeks=1)})
    totals = program_weeks(figures.weekly, figures.local, owners, weeks, min_group_sizes)
    heatmaps = program_heatmaps(figures.activity, owners, week, list(min_group_sizes))
    highlights = _highlights(whole, owners)
    digests = {}
    for owner in min_group_sizes:
        current = totals[(owner, week)]
        trend = [totals[(owner, w)] for w in trend_weeks]
        digests[owner] = DigestData(
            week=week_label(week),
            current=current,
            previous=totals[(owner, week - timedelta(weeks=1))],
            highlights=() if current.withheld else highlights.get(owner, ()),
            trend_weeks=tuple(week_label(t.week) for t in trend),
            trend_posts=tuple(None if t.withheld else t.figures["posts"] for t in trend),
            trend_engagement=tuple(
                None if t.withheld else t.figures["engagement_per_post_median"] for t in trend
            ),
            heatmap=None if current.withheld else heatmaps[owner],
        )
    return digests


def _highlights(program: Program, owners: Mapping[int, int]) -> dict[int, tuple[Highlight, ...]]:
    """Each program's most engaging own posts of the week, from people who allow highlights."""
    allowed = [pid for pid, p in program.people.items() if p.highlights_allowed]
    found = program_highlights(program.figures.local, program.week, allowed, owners, HIGHLIGHTS)
    return {
        owner: tuple(Highlight(program.people[a].handle, x, e, t) for a, x, e, t in posts)
        for owner, posts in found.items()
    }
