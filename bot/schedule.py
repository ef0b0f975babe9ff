"""A person's work schedule: timezone, hours, days and holiday country, parsed from what people type."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

import holidays

from bot.errors import InvalidInput

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True, slots=True)
class WorkSchedule:
    """Work hours in local time, start inclusive and end exclusive; end <= start crosses midnight."""

    tz: str = "UTC"
    start_minute: int = 9 * 60
    end_minute: int = 18 * 60
    days: tuple[int, ...] = (0, 1, 2, 3, 4)
    country: str | None = None
    topics: tuple[str, ...] = field(default_factory=tuple)

    @property
    def hours_text(self) -> str:
        """The hours as typed, e.g. `09:00-18:00`."""
        return f"{format_minute(self.start_minute)}-{format_minute(self.end_minute)}"

    @property
    def days_text(self) -> str:
        """The days as a compact list, e.g. `mon,tue,wed,thu,fri`."""
        return ",".join(DAY_NAMES[d] for d in self.days)


def format_minute(minute: int) -> str:
    """`540` -> `09:00`."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def parse_hours(text: str) -> tuple[int, int]:
    """`09:00-18:00` -> (540, 1080) minutes after local midnight."""
    match = _HOURS.match(text or "")
    if not match:
        raise InvalidInput(f"Hours '{text}' are not like 09:00-18:00.")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        raise InvalidInput(f"Hours '{text}' are not valid clock times.")
    start, end = h1 * 60 + m1, (h2 * 60 + m2) % (24 * 60)
    if start == end:
        raise InvalidInput(f"Hours '{text}' start and end at the same time.")
    return start, end


def parse_days(text: str) -> tuple[int, ...]:
    """`mon-fri`, `mon,wed,fri` or `sun-thu` -> sorted weekday numbers (Monday is 0)."""
    days: set[int] = set()
    for part in (text or "").lower().replace(" ", "").split(","):
        if "-" in part:
            first, _, last = part.partition("-")
            a, b = _day_index(first, text), _day_index(last, text)
            span = range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)]
            days.update(span)
        else:
            days.add(_day_index(part, text))
    return tuple(sorted(days))


def _day_index(name: str, whole: str) -> int:
    """Weekday number of a three-letter day name."""
    key = name[:3]
    if key not in DAY_NAMES or not name:
        raise InvalidInput(f"Days '{whole}' are not like mon-fri or mon,wed,fri.")
    return DAY_NAMES.index(key)


def parse_tz(name: str) -> str:
    """Validate an IANA zone name such as `Europe/Paris` (looked up in the list, never as a path)."""
    if name != "UTC" and name not in _zone_names():
        raise InvalidInput(f"Timezone '{name}' is not an IANA zone like Europe/Paris.")
    return name


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    """Every IANA zone this machine (or the tzdata package) knows."""
    return frozenset(available_timezones())


def parse_country(code: str) -> str:
    """Validate an ISO 3166 alpha-2 code that the `holidays` package knows, e.g. `FR`."""
    upper = (code or "").strip().upper()
    if upper not in holidays.list_supported_countries():
        raise InvalidInput(f"Country '{code}' is not a two-letter code with known holidays, like FR or US.")
    return upper


def parse_topics(text: str) -> tuple[str, ...]:
    """`b2b, #marketing` -> ('b2b', '#marketing'), trimmed, deduplicated, order kept."""
    seen: dict[str, None] = {}
    for raw in (text or "").split(","):
        topic = " ".join(raw.split())
        if topic and topic not in ("#",):
            seen.setdefault(topic, None)
    return tuple(seen)


def is_working(
    schedule: WorkSchedule, moment: datetime, holiday_dates: frozenset[date] = frozenset()
) -> bool:
    """Whether `moment` (aware) falls inside the schedule's work hours, in its own zone."""
    local = moment.astimezone(ZoneInfo(schedule.tz))
    minute = local.hour * 60 + local.minute
    crosses = schedule.end_minute <= schedule.start_minute
    after_midnight = crosses and minute < schedule.end_minute
    shift_day = local.date() - timedelta(days=1) if after_midnight else local.date()
    if crosses:
        inside = minute >= schedule.start_minute or after_midnight
    else:
        inside = schedule.start_minute <= minute < schedule.end_minute
    return inside and shift_day.weekday() in schedule.days and shift_day not in holiday_dates


def current_shift_day(schedule: WorkSchedule, moment: datetime) -> date:
    """The day whose shift `moment` belongs to: yesterday after midnight in a night shift."""
    local = moment.astimezone(ZoneInfo(schedule.tz))
    crosses = schedule.end_minute <= schedule.start_minute
    after_midnight = crosses and local.hour * 60 + local.minute < schedule.end_minute
    return local.date() - timedelta(days=1) if after_midnight else local.date()
