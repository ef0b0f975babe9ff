"""ISO week labels (`2026-W46`) to and from the Monday that starts the week."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pandas as pd

from bot.errors import InvalidInput

_LABEL = re.compile(r"^(\d{4})-?W(\d{2})$", re.IGNORECASE)
# Local weeks start up to 14 hours before or 12 hours after the same UTC Monday: load a day either side.
_MARGIN = timedelta(days=1)


def parse_week(label: str) -> pd.Timestamp:
    """`2026-W46` -> Timestamp of that week's Monday (naive, local midnight)."""
    match = _LABEL.match((label or "").strip())
    if not match:
        raise InvalidInput(f"Week '{label}' is not like 2026-W46.")
    year, week = int(match.group(1)), int(match.group(2))
    if not 2006 <= year <= 2100:  # X began in 2006; far years only overflow date arithmetic
        raise InvalidInput(f"Week '{label}' is out of range (2006-2100).")
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError:
        raise InvalidInput(f"Week '{label}' does not exist: {year} has no week {week}.") from None
    return pd.Timestamp(monday)


def week_label(monday: pd.Timestamp | date) -> str:
    """Monday of a week -> `2026-W46`."""
    year, week, _ = pd.Timestamp(monday).isocalendar()
    return f"{year}-W{week:02d}"


def utc_window(week: datetime, weeks_before: int) -> tuple[datetime, datetime]:
    """A UTC range surely covering local week `week` and the `weeks_before` before it, in any zone."""
    week = pd.Timestamp(week)
    start = (week - pd.Timedelta(weeks=weeks_before)).to_pydatetime().replace(tzinfo=UTC) - _MARGIN
    end = (week + pd.Timedelta(weeks=1)).to_pydatetime().replace(tzinfo=UTC) + _MARGIN
    return start, end
