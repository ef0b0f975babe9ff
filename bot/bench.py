"""`python -m bot bench`: time the full metrics pass on synthetic data (a script, not a test).

Generates A ambassadors x W weeks of posts with numpy, then times every ambassador's weekly figures,
baselines, activity matrix and the program aggregates of every week. Prints a table and, last, one
JSON line with `posts`, `seconds` and `peak_rss_mib`.
"""

from __future__ import annotations

import json
import resource
import time

import numpy as np
import pandas as pd

from bot.metrics.engine import compute_figures
from bot.metrics.program import program_weeks

ZONES = [
    "Europe/Paris",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Australia/Sydney",
    "America/Sao_Paulo",
    "Europe/Berlin",
    "UTC",
]
COUNTRIES = ["FR", "GB", "US", "US", "JP", "IN", "AU", "BR", "DE", None]
TOPIC_POOL = [
    "b2b",
    "#marketing",
    "cloud security",
    "données",
    "devops",
    "#ai",
    "saas",
    "fintech",
    "open source",
    "#hiring",
    "design",
    "data",
]
WORDS = [
    "great",
    "thread",
    "on",
    "our",
    "new",
    "launch",
    "b2b",
    "#marketing",
    "cloud",
    "security",
    "données",
    "devops",
    "team",
    "#ai",
    "customers",
    "saas",
    "learned",
    "today",
    "open",
    "source",
    "fintech",
    "café",
]
KINDS = np.array(["original", "reply", "retweet", "quote"], dtype=object)
START = pd.Timestamp("2026-08-31", tz="UTC")  # a Monday


def synthetic_people(count: int, rng: np.random.Generator) -> pd.DataFrame:
    """People with varied zones, schedules, holiday countries and topic lists (from a pool of 40)."""
    zone = rng.integers(0, len(ZONES), count)
    start = rng.choice([420, 480, 540, 600, 1320], count, p=[0.1, 0.3, 0.45, 0.1, 0.05])
    end = np.where(start == 1320, 360, start + 540)
    topic_sets = [tuple(rng.choice(TOPIC_POOL, rng.integers(1, 4), replace=False)) for _ in range(40)]
    return pd.DataFrame(
        {
            "handle": [f"amb{i}" for i in range(count)],
            "tz": [ZONES[z] for z in zone],
            "start_minute": start,
            "end_minute": end,
            "days_mask": np.where(rng.random(count) < 0.9, 0b0011111, 0b1001111),
            "country": [COUNTRIES[z] for z in zone],
            "topics": [topic_sets[i] for i in rng.integers(0, len(topic_sets), count)],
        },
        index=pd.Index(np.arange(count), name="ambassador_id"),
    )


def synthetic_posts(people: pd.DataFrame, weeks: int, rng: np.random.Generator) -> pd.DataFrame:
    """About 83 posts per person-week (1,000 x 12 is about a million), daytime-weighted, 5% bursty."""
    rate = rng.gamma(2.0, 41.5, len(people)) * weeks
    counts = rng.poisson(rate)
    ids = np.repeat(people.index.to_numpy(), counts)
    total = int(counts.sum())
    day = rng.integers(0, weeks * 7, total)
    hour = np.clip(rng.normal(13, 4, total), 0, 23.99)
    seconds = day * 86400 + (hour * 3600).astype("int64")
    texts = np.array([" ".join(rng.choice(WORDS, 12)) for _ in range(500)], dtype=object)
    kind = KINDS[rng.choice(4, total, p=[0.45, 0.3, 0.15, 0.1])]
    likes = rng.poisson(6, total)
    return pd.DataFrame(
        {
            "ambassador_id": ids,
            "created_at": START + pd.to_timedelta(seconds, unit="s"),
            "kind": kind,
            "text": texts[rng.integers(0, len(texts), total)],
            "likes": np.where(kind == "retweet", 0, likes),
            "reposts": rng.poisson(1, total),
            "replies": rng.poisson(1, total),
            "quotes": rng.poisson(0.2, total),
            "x_id": np.arange(total, dtype="int64") + 10**18,
        }
    )


def synthetic_snapshots(people: pd.DataFrame, weeks: int, rng: np.random.Generator) -> pd.DataFrame:
    """One follower snapshot per person per week."""
    ids = np.repeat(people.index.to_numpy(), weeks + 1)
    week = np.tile(np.arange(weeks + 1), len(people))
    followers = 500 + np.cumsum(rng.integers(-20, 30, len(ids)))
    return pd.DataFrame(
        {
            "ambassador_id": ids,
            "taken_at": START + pd.to_timedelta(week * 7, unit="D"),
            "followers": followers,
        }
    )


def _warm_up(seed: int) -> float:
    """One tiny pass first, so lazy imports and first-call costs (holiday calendars, Arrow kernels)
    are not billed to the measured pass: a worker pays them once per process, not per pass."""
    rng = np.random.default_rng(seed + 1)
    started = time.perf_counter()
    people = synthetic_people(10, rng)
    figures = compute_figures(synthetic_posts(people, 2, rng), people, synthetic_snapshots(people, 2, rng))
    weeks = list(figures.weekly.index.get_level_values("week").unique())
    program_weeks(figures.weekly, figures.local, pd.Series(0, index=people.index), weeks, {0: 5})
    return time.perf_counter() - started


def run_bench(ambassadors: int, weeks: int, seed: int = 7) -> int:
    """Generate, time the pass, print the table and the JSON line."""
    warmup = _warm_up(seed)
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    people = synthetic_people(ambassadors, rng)
    posts = synthetic_posts(people, weeks, rng)
    snaps = synthetic_snapshots(people, weeks, rng)
    t1 = time.perf_counter()
    figures = compute_figures(posts, people, snaps)
    t2 = time.perf_counter()
    week_starts = figures.weekly.index.get_level_values("week").unique().sort_values()
    everyone = pd.Series(0, index=people.index)  # one program: every week's aggregates in one pass
    programs = program_weeks(figures.weekly, figures.local, everyone, list(week_starts), {0: 5})
    t3 = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    seconds = t3 - t1
    rows = [
        ("ambassadors", f"{ambassadors:,}"),
        ("weeks", f"{weeks}"),
        ("posts", f"{len(posts):,}"),
        ("person-weeks", f"{len(figures.weekly):,}"),
        ("program weeks", f"{len(programs)}"),
        ("warm-up pass, 10 x 2 (s)", f"{warmup:.2f}"),
        ("generate (s)", f"{t1 - t0:.2f}"),
        ("figures + baselines (s)", f"{t2 - t1:.2f}"),
        ("program aggregates (s)", f"{t3 - t2:.2f}"),
        ("metrics pass (s)", f"{seconds:.2f}"),
        ("posts per second", f"{len(posts) / seconds:,.0f}"),
        ("peak RSS (MiB)", f"{peak:.0f}"),
    ]
    for label, value in rows:
        print(f"{label:<26}{value:>14}")
    print(
        json.dumps(
            {
                "posts": len(posts),
                "seconds": round(seconds, 3),
                "peak_rss_mib": round(peak, 1),
                "ambassadors": ambassadors,
                "weeks": weeks,
            }
        )
    )
    return 0
