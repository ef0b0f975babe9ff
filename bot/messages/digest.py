"""The weekly channel digest as a neutral message: program quality, never a ranking of people."""

from __future__ import annotations

from pathlib import Path

from bot.charts import heatmap_png, weekly_trend_png
from bot.messages.model import Fact, Image, Link, Message, Section
from bot.metrics.program import change
from bot.services.reports.digest import DigestData

FOOTNOTE = (
    "How to read this: figures use public metrics only, in each person's own timezone and ISO week. "
    "Posts = originals, replies, reposts and quotes. Active ambassadors = people with at least one post. "
    "Engagement per post = median of likes + reposts + replies + quotes over own posts (originals, "
    "replies, quotes; reposts excluded). Work-hours share = posts inside each person's own work hours "
    "(public holidays off) / all posts, shown only as a program total. On-topic share = own posts "
    "matching the person's declared topics / own posts of people who declared topics. Follower net "
    "change = sum of each person's change between weekly snapshots."
)


def digest_message(data: DigestData, charts: tuple[Image, ...] = ()) -> Message:
    """Build the digest; when the group is too small, say so and show no figures."""
    title = f"Plume weekly digest · {data.week}"
    if data.current.withheld:
        text = (
            f"Fewer than {data.current.min_group_size} ambassadors were active this week, so program "
            "figures are withheld to protect individuals. See you next week!"
        )
        return Message(
            kind="digest",
            title=title,
            fallback=f"{title}: figures withheld this week",
            sections=(Section(text=text),),
            footer=FOOTNOTE,
            meta={"week": data.week},
        )
    now, before = data.current.figures, (data.previous.figures if not data.previous.withheld else {})
    facts = (
        Fact("Posts", _with_change(now["posts"], before.get("posts"))),
        Fact("Active ambassadors", _with_change(now["active_ambassadors"], before.get("active_ambassadors"))),
        Fact(
            "Engagement per post (median)",
            _with_change(now["engagement_per_post_median"], before.get("engagement_per_post_median")),
        ),
        Fact("Follower net change", _signed(now["follower_net_change"])),
        Fact("On-topic share", _percent(now["on_topic_share"])),
        Fact("Work-hours share (program)", _percent(now["work_hours_share"])),
    )
    sections = [Section(heading="This week, together", facts=facts)]
    if data.highlights:
        links = tuple(
            Link(h.url, f"@{h.handle}: {clip(h.text)} ({h.engagement} engagements)") for h in data.highlights
        )
        sections.append(Section(heading="Posts that resonated", links=links))
    sections.append(Section(text=_quality_note(now)))
    fallback = f"{title}: {now['posts']} posts by {now['active_ambassadors']} ambassadors"
    return Message(
        kind="digest",
        title=title,
        fallback=fallback,
        sections=tuple(sections),
        images=charts,
        footer=FOOTNOTE,
        meta={"week": data.week},
    )


def _quality_note(figures: dict) -> str:
    """A closing line that celebrates quality, not volume."""
    share = figures.get("on_topic_share")
    if share is not None and share >= 0.5:
        return (
            "Most posts stayed on people's own topics this week: a clear editorial line builds an audience."
        )
    return "Quality beats quantity: one thoughtful post on your own topic outweighs ten quick reposts."


def _with_change(value: float | int | None, previous: float | int | None) -> str:
    """`412 (+8% vs last week)`."""
    if value is None:
        return "—"
    shown = f"{value:g}" if isinstance(value, float) else str(value)
    delta = change(value, previous)
    return shown if delta is None else f"{shown} ({delta:+.0%} vs last week)"


def _percent(value: float | None) -> str:
    """`0.42` -> `42%`."""
    return "—" if value is None else f"{value:.0%}"


def _signed(value: int | None) -> str:
    """`+12`, `-3`, or a dash when unknown."""
    return "—" if value is None else f"{value:+d}"


def clip(text: str, limit: int = 90) -> str:
    """First line of a post, shortened for a link label."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def digest_charts(data: DigestData, out: Path) -> tuple[Image, ...]:
    """The trend and heatmap PNGs (only when the figures are not withheld)."""
    if data.heatmap is None:
        return ()
    trend = weekly_trend_png(
        data.trend_weeks,
        [p or 0 for p in data.trend_posts],
        data.trend_engagement,
        out / "digest-trend.png",
        "Program posts and engagement per post",
    )
    heat = heatmap_png(data.heatmap, out / "digest-heatmap.png", f"When the program posted, {data.week}")
    return (
        Image(str(trend), "Weekly posts (bars) and median engagement per post (line)", "Weekly trend"),
        Image(str(heat), "Posts by weekday and local hour, whole program", "Hour x weekday"),
    )
