"""Hour x weekday activity: when in their own local week people post."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def activity_counts(local: pd.DataFrame) -> pd.DataFrame:
    """Long form counts per (ambassador_id, week, weekday, hour), local time."""
    counts = local.groupby(["ambassador_id", "week", "weekday", "hour"], observed=True).size()
    return counts.rename("posts").reset_index()


def activity_matrices(counts: pd.DataFrame, keys: Sequence[int], row_keys: np.ndarray) -> np.ndarray:
    """One 7 x 24 matrix (Monday first, hour 0 first) per key, in `keys` order, summing the long-form
    counts whose row key (`row_keys`, one per row: a person, or the program they belong to) is that
    key; rows of any other key are left out. One pass for all of them."""
    matrices = np.zeros((len(keys), 7, 24), dtype="int64")
    position = pd.Series(np.arange(len(keys)), index=pd.Index(keys)).reindex(row_keys).to_numpy()
    known = ~np.isnan(position)
    np.add.at(
        matrices,
        (
            position[known].astype(int),
            counts["weekday"].to_numpy()[known].astype(int),
            counts["hour"].to_numpy()[known].astype(int),
        ),
        counts["posts"].to_numpy()[known],
    )
    return matrices
