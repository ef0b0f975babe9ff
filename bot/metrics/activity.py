"""Hour x weekday activity: when in their own local week people post."""

from __future__ import annotations

import numpy as np
import pandas as pd


def activity_counts(local: pd.DataFrame) -> pd.DataFrame:
    """Long form counts per (ambassador_id, week, weekday, hour), local time."""
    counts = local.groupby(["ambassador_id", "week", "weekday", "hour"], observed=True).size()
    return counts.rename("posts").reset_index()


def activity_matrix(counts: pd.DataFrame) -> np.ndarray:
    """A 7 x 24 matrix (Monday first, hour 0 first) summing the given long-form counts."""
    matrix = np.zeros((7, 24), dtype="int64")
    if len(counts):
        np.add.at(
            matrix,
            (counts["weekday"].to_numpy().astype(int), counts["hour"].to_numpy().astype(int)),
            counts["posts"].to_numpy(),
        )
    return matrix
