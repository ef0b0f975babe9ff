"""The workspace settings an admin may change with `admin settings KEY VALUE`: each one's type,
allowed values, meaning and parser, and the parsers of the values commands take (zones, clock times)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Literal
from zoneinfo import available_timezones

from bot.errors import InvalidInput
from bot.schedule import DAY_NAMES, parse_tz


@lru_cache(maxsize=1)
def zone_map() -> dict[str, str]:
    """Every IANA zone name by its case-folded spelling (no two zones differ only by case)."""
    return {name.casefold(): name for name in available_timezones()} | {"utc": "UTC"}


def canonical_zone(name: str) -> str:
    """`europe/paris` -> `Europe/Paris`, validated by parse_tz; InvalidInput otherwise."""
    return parse_tz(zone_map().get(name.casefold(), name))


@dataclass(frozen=True, slots=True)
class SettingSpec:
    """A workspace setting an admin may change: its type, allowed values, meaning and parser."""

    key: str
    kind: Literal["int", "float", "weekday", "time", "timezone", "switch"]
    allowed: str
    description: str
    parse: Callable[[str], int | float | str | bool]  # raises InvalidInput on a bad value


_DAY_WORDS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_CLOCK = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")


def _whole(text: str, low: int, high: int) -> int:
    """A whole number from low to high, ASCII digits only (int() would take `1_0` or Arabic digits)."""
    if not re.fullmatch(r"[0-9]{1,6}", text) or not low <= int(text) <= high:
        raise InvalidInput(text)
    return int(text)


def _decimal(text: str, low: float, high: float) -> float:
    """A decimal number from low to high (never `nan`, `inf` or exponents)."""
    if not re.fullmatch(r"[0-9]{1,4}(\.[0-9]{1,6})?", text) or not low <= float(text) <= high:
        raise InvalidInput(text)
    return float(text)


def _weekday(text: str) -> int:
    """`mon` or `monday` (any case) -> 0."""
    word = text.casefold()
    if word in DAY_NAMES:
        return DAY_NAMES.index(word)
    if word in _DAY_WORDS:
        return _DAY_WORDS.index(word)
    raise InvalidInput(text)


def _clock(text: str) -> int:
    """`09:30` -> 570 minutes after midnight."""
    match = _CLOCK.fullmatch(text)
    if not match:
        raise InvalidInput(text)
    return int(match[1]) * 60 + int(match[2])


def _switch(text: str) -> bool:
    """`true`/`on`/`yes` or `false`/`off`/`no`, any case."""
    word = text.casefold()
    if word in ("true", "on", "yes"):
        return True
    if word in ("false", "off", "no"):
        return False
    raise InvalidInput(text)


def _whole_setting(key: str, low: int, high: int, description: str) -> SettingSpec:
    """A whole-number setting."""
    allowed = f"a whole number from {low} to {high}"
    return SettingSpec(key, "int", allowed, description, partial(_whole, low=low, high=high))


ADMIN_SETTINGS: dict[str, SettingSpec] = {
    spec.key: spec
    for spec in (
        _whole_setting("min_group_size", 5, 100, "Fewest active ambassadors before program totals show."),
        _whole_setting("burst_posts", 2, 50, "Work-hours posts that make a burst."),
        _whole_setting("burst_minutes", 5, 480, "Longest span, in minutes, of a burst."),
        _whole_setting("day_volume", 2, 500, "Work-hours posts in a shift that trigger a nudge."),
        SettingSpec(
            "baseline_ratio",
            "float",
            "a number from 1.1 to 10",
            "How many times their usual volume triggers a nudge.",
            partial(_decimal, low=1.1, high=10.0),
        ),
        _whole_setting("nudges_per_day", 0, 5, "Most nudges a person gets in a day."),
        _whole_setting("nudges_per_week", 0, 20, "Most nudges a person gets in a week."),
        _whole_setting("retention_months", 1, 36, "Months posts are kept."),
        SettingSpec(
            "digest_day", "weekday", "a day from mon to sun", "Day the weekly digest is posted.", _weekday
        ),
        SettingSpec(
            "digest_time", "time", "a time from 00:00 to 23:59", "Time the digest is posted.", _clock
        ),
        SettingSpec(
            "timezone",
            "timezone",
            "an IANA zone like Europe/Paris",
            "Zone of digest day and time.",
            canonical_zone,
        ),
        SettingSpec(
            "require_verified_x",
            "switch",
            "true or false",
            "New joins must sign in to X to prove the account is theirs.",
            _switch,
        ),
    )
}
