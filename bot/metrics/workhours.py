"""Which posts fall inside each person's own work hours, public holidays counted as off-hours."""

from __future__ import annotations

from functools import lru_cache

import holidays
import numpy as np
import pandas as pd

DAY = pd.Timedelta(days=1)


def work_hours_mask(frame: pd.DataFrame, people: pd.DataFrame) -> tuple[np.ndarray, pd.Series]:
    """(work flag, shift date) per post of a localized frame.

    Start is inclusive and end exclusive. When end <= start the shift crosses midnight and belongs to
    the day it starts on: a post at 02:00 Saturday is in Friday's 22:00-06:00 shift.
    """
    ids = frame["ambassador_id"]
    start = ids.map(people["start_minute"]).to_numpy()
    end = ids.map(people["end_minute"]).to_numpy()
    mask = ids.map(people["days_mask"]).to_numpy().astype("int64")
    minute = (frame["local"].dt.hour * 60 + frame["local"].dt.minute).to_numpy()
    crosses = end <= start
    after_midnight = crosses & (minute < end)
    in_window = np.where(crosses, (minute >= start) | after_midnight, (minute >= start) & (minute < end))
    shift_date = frame["local_date"] - pd.to_timedelta(after_midnight.astype("int64"), unit="D")
    shift_weekday = shift_date.dt.day_of_week.to_numpy().astype("int64")
    day_worked = ((mask >> shift_weekday) & 1).astype(bool)
    work = in_window & day_worked & ~_on_holiday(ids, shift_date, people)
    return work, shift_date


def _on_holiday(ids: pd.Series, dates: pd.Series, people: pd.DataFrame) -> np.ndarray:
    """True where the date is a public holiday in the person's country (one lookup per country)."""
    country = ids.map(people["country"])
    flags = np.zeros(len(ids), dtype=bool)
    if len(dates) == 0:
        return flags
    years = tuple(range(int(dates.dt.year.min()), int(dates.dt.year.max()) + 1))
    for code, idx in country.dropna().groupby(country.dropna(), sort=False).groups.items():
        days = holiday_dates(str(code), years)
        positions = ids.index.get_indexer(idx)
        flags[positions] = dates.loc[idx].isin(days).to_numpy()
    return flags


@lru_cache(maxsize=256)
def holiday_dates(country: str, years: tuple[int, ...]) -> pd.DatetimeIndex:
    """Public holidays of `country` in `years`, as midnight timestamps."""
    calendar = holidays.country_holidays(country, years=years)
    return pd.DatetimeIndex(sorted(pd.Timestamp(d) for d in calendar)).astype("datetime64[us]")
