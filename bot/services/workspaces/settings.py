"""Per-workspace program settings: thresholds, minimum group size, retention, digest day and time."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bot.storage.tables import Workspace

DEFAULTS: dict[str, Any] = {
    "min_group_size": 5,
    "burst_posts": 6,
    "burst_minutes": 60,
    "day_volume": 10,
    "baseline_ratio": 2.0,
    "nudges_per_day": 1,
    "nudges_per_week": 2,
    "retention_months": 13,
    "digest_day": 0,
    "digest_time": 9 * 60,
    "timezone": "UTC",
    "require_verified_x": False,  # new joins must sign in to X (needs X_CLIENT_ID)
}


# Below five active people, subtracting one's own figures from a total reveals another's: a hard floor.
MIN_GROUP_FLOOR = 5


def workspace_settings(workspace: Workspace) -> dict[str, Any]:
    """Defaults overlaid with what the workspace's admins set (the group size never below the floor)."""
    merged = {**DEFAULTS, **(workspace.settings or {}), "timezone": workspace.timezone or "UTC"}
    merged["min_group_size"] = max(MIN_GROUP_FLOOR, int(merged["min_group_size"]))
    return merged


def set_setting(*, session: Session, workspace: Workspace, key: str, value: Any) -> dict[str, Any]:
    """Store one (already validated) setting; returns the effective settings."""
    if key not in DEFAULTS:
        raise KeyError(key)
    if key == "timezone":
        workspace.timezone = value
    else:
        workspace.settings = {**(workspace.settings or {}), key: value}
    session.flush()
    return workspace_settings(workspace)


def set_digest_channel(*, session: Session, workspace_id: int, channel_id: str, chosen_by: str) -> None:
    """Send the weekly digest to `channel_id`; who chose it hears, once, if the platform refuses it."""
    workspace = session.get(Workspace, workspace_id)
    workspace.digest_channel = channel_id
    workspace.settings = {**(workspace.settings or {}), "digest_channel_set_by": chosen_by}
