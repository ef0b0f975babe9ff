"""Rhythm inside work hours: gaps between consecutive posts, and bursts of many posts in a short span."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

MICROS_PER_MINUTE = 60_000_000


def epoch_micros(moments: pd.Series) -> np.ndarray:
    """Microseconds since the epoch of tz-aware timestamps (no rounding: 60 min 0.5 s is not 60 min)."""
    return moments.dt.tz_convert(None).to_numpy().astype("datetime64[us]").astype("int64")


@dataclass(frozen=True, slots=True)
class BurstRule:
    """A burst is at least `min_posts` work-hours posts within `window_minutes` (span inclusive)."""

    min_posts: int = 6
    window_minutes: int = 60


def _work_posts(local: pd.DataFrame) -> pd.DataFrame:
    """Work-hours posts in (person, time) order, with the key of the shift they belong to."""
    work = local.loc[local["work"], ["ambassador_id", "created_at", "shift_date", "week"]]
    return work.reset_index(drop=True)


def _same_shift(work: pd.DataFrame, offset: int) -> np.ndarray:
    """True where the post `offset` rows later belongs to the same person and the same shift."""
    ids, shifts = work["ambassador_id"].to_numpy(), work["shift_date"].to_numpy()
    same = np.zeros(len(work), dtype=bool)
    if offset < len(work):
        same[: len(work) - offset] = (ids[offset:] == ids[:-offset]) & (shifts[offset:] == shifts[:-offset])
    return same


def work_gaps(local: pd.DataFrame) -> pd.DataFrame:
    """Minutes between consecutive work-hours posts of the same shift, keyed by the later post's week."""
    work = _work_posts(local)
    micros = epoch_micros(work["created_at"])
    same = _same_shift(work, 1)
    gaps = (micros[1:] - micros[:-1]) / MICROS_PER_MINUTE
    later = work.iloc[1:]
    keep = same[:-1] if len(work) else same
    return pd.DataFrame(
        {
            "ambassador_id": later["ambassador_id"].to_numpy()[keep],
            "week": later["week"].to_numpy()[keep],
            "gap_minutes": gaps[keep],
        }
    )


def burst_starts(local: pd.DataFrame, rule: BurstRule) -> pd.DataFrame:
    """One row per distinct burst (overlapping qualifying windows merged), at the burst's first post.

    A window starts at post i when post i + min_posts - 1 is in the same shift and at most
    `window_minutes` later. A window starts a new burst unless a window starting in the previous
    min_posts - 1 posts overlaps it.
    """
    work = _work_posts(local)
    k = rule.min_posts
    micros = epoch_micros(work["created_at"])
    qualifies = np.zeros(len(work), dtype=bool)
    if k <= 1:
        qualifies[:] = True
    elif len(work) >= k:
        span = micros[k - 1 :] - micros[: -(k - 1)]
        qualifies[: len(work) - k + 1] = (span <= rule.window_minutes * MICROS_PER_MINUTE) & _same_shift(
            work, k - 1
        )[: len(work) - k + 1]
    overlapped = (
        pd.Series(qualifies).shift(1, fill_value=False).rolling(max(k - 1, 1), min_periods=1).max()
    ).to_numpy(dtype=bool)
    new_burst = qualifies & ~overlapped if k > 1 else qualifies
    starts = work.loc[new_burst, ["ambassador_id", "week", "created_at", "shift_date"]]
    return starts.reset_index(drop=True)
