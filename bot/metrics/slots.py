"""Each person's best off-hours slots: when, outside work hours, their own posts have done best."""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

SLOTS = 2
MIN_SLOT_POSTS = 2

# (weekday, hour, median engagement)
Slot = tuple[int, int, float]


def best_offhours_slots(local: pd.DataFrame, before: pd.Timestamp) -> dict[int, tuple[Slot, ...]]:
    """Each person's best off-hours (weekday, hour, median engagement) slots from weeks before `before`:
    at most `SLOTS`, each with at least `MIN_SLOT_POSTS` own posts and some engagement."""
    history = local[(local["week"] < before) & ~local["work"] & local["own"]]
    by_slot = history.groupby(["ambassador_id", "weekday", "hour"])["engagement"].agg(["median", "size"])
    by_slot = by_slot[(by_slot["size"] >= MIN_SLOT_POSTS) & (by_slot["median"] > 0)].reset_index()
    by_slot = by_slot.sort_values(["ambassador_id", "median", "size"], ascending=[True, False, False])
    top = by_slot.groupby("ambassador_id").head(SLOTS)
    # One walk over the (sorted) rows, not a groupby loop: a batch of workspaces has thousands of people.
    slots: defaultdict[int, list[Slot]] = defaultdict(list)
    for pid, w, h, m in zip(top["ambassador_id"], top["weekday"], top["hour"], top["median"], strict=True):
        slots[int(pid)].append((int(w), int(h), float(m)))
    return {pid: tuple(found) for pid, found in slots.items()}
