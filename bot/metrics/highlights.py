"""Posts worth celebrating: each person's most engaging own post of a week, and each program's best."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping

import pandas as pd

from bot.metrics.program import owner_series

# (ambassador_id, x_id, engagement, text)
Post = tuple[int, int, int, str]


def best_posts(local: pd.DataFrame, week: pd.Timestamp) -> dict[int, tuple[int, int, str]]:
    """Each person's most engaging own post of the week: (x_id, engagement, text)."""
    top = _best_rows(local, week)
    return {
        int(a): (int(x), int(e), str(t))
        for a, x, e, t in zip(top["ambassador_id"], top["x_id"], top["engagement"], top["text"], strict=True)
    }


def program_highlights(
    local: pd.DataFrame,
    week: pd.Timestamp,
    allowed: Collection[int],
    owners: Mapping[int, int],
    per_program: int,
) -> dict[int, tuple[Post, ...]]:
    """Each program's (owner's) `per_program` most engaging own posts of the week, one per person at
    most, from the `allowed` people only, best first.

    One per person keeps it a celebration of posts, not a ranking of people.
    """
    candidates = _best_rows(local, week, list(allowed))
    candidates["owner"] = owner_series(owners).reindex(candidates["ambassador_id"]).to_numpy()
    top = candidates.groupby("owner", sort=False).head(per_program)
    found: defaultdict[int, list[Post]] = defaultdict(list)
    for owner, a, x, e, t in zip(
        top["owner"], top["ambassador_id"], top["x_id"], top["engagement"], top["text"], strict=True
    ):
        found[int(owner)].append((int(a), int(x), int(e), str(t)))
    return {owner: tuple(posts) for owner, posts in found.items()}


def _best_rows(local: pd.DataFrame, week: pd.Timestamp, ids: list[int] | None = None) -> pd.DataFrame:
    """One row per person (of `ids`, else everyone): their most engaging own post of the week, ties to
    the earliest x_id; posts nobody engaged with are no one's best."""
    mask = (local["week"] == week) & local["own"] & (local["engagement"] > 0)
    if ids is not None:
        mask &= local["ambassador_id"].isin(ids)
    return (
        local.loc[mask, ["ambassador_id", "x_id", "engagement", "text"]]
        .sort_values(["engagement", "x_id"], ascending=[False, True])
        .drop_duplicates("ambassador_id")
    )
