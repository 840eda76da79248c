"""Hari kerja (working days): Monday to Friday, minus Indonesian national holidays and cuti bersama.

Pure and vectorised: a `WorkCalendar` wraps a numpy busday calendar whose holidays are the national
holidays that `holidays.country_holidays("ID")` knows (category "public") plus the cuti bersama dates
the caller passes (an admin enters them per year; nothing here guesses them).

Counting rule used by the time limits: the working days *after* a start date, up to and including an
end date. A report disposed on Friday and still waiting on Monday has waited 1 working day; on the
same day, 0. `np.busday_count(begin, end)` counts [begin, end), so the count is
`busday_count(start + 1, end + 1)`, clipped at 0 when end is before start.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Iterable

import holidays
import numpy as np
import pandas as pd

# Years the calendar covers unless told otherwise; dates outside are still counted, with weekends
# only (a warning-free choice: the package covers 1946-2100, we extend when asked).
DEFAULT_FIRST_YEAR = 2010
DEFAULT_LAST_YEAR = 2040


def national_holidays(years: Iterable[int]) -> dict[date, str]:
    """Indonesian national holidays (public category) for the given years."""
    return dict(holidays.country_holidays("ID", years=sorted(set(int(y) for y in years))))


def _as_day_array(values) -> np.ndarray:
    """Anything date-like (date, str, Series, array, list) -> numpy datetime64[D] array (NaT kept)."""
    if isinstance(values, pd.Series):
        values = values.to_numpy()
    if isinstance(values, (date, str, np.datetime64, pd.Timestamp)):
        values = [values]
    arr = np.asarray(values)
    if arr.dtype.kind == "M":
        return arr.astype("datetime64[D]")
    return pd.to_datetime(pd.Series(arr, dtype=object), errors="coerce").to_numpy().astype("datetime64[D]")


@lru_cache(maxsize=64)
def _calendar(first: int, last: int, cuti: tuple[date, ...]) -> tuple[np.busdaycalendar, tuple[date, ...]]:
    days = set(national_holidays(range(first, last + 1)))
    days.update(cuti)
    arr = np.array(sorted(days), dtype="datetime64[D]") if days else np.array([], dtype="datetime64[D]")
    return np.busdaycalendar(weekmask="1111100", holidays=arr), tuple(sorted(days))


@dataclass(frozen=True)
class WorkCalendar:
    """Working-day arithmetic for Indonesia with the given cuti bersama days."""

    cuti_bersama: tuple[date, ...] = ()
    first_year: int = DEFAULT_FIRST_YEAR
    last_year: int = DEFAULT_LAST_YEAR
    _cal: np.busdaycalendar = field(init=False, repr=False, compare=False)
    _days: tuple[date, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        cuti = tuple(sorted({d if isinstance(d, date) else date.fromisoformat(str(d)) for d in self.cuti_bersama}))
        object.__setattr__(self, "cuti_bersama", cuti)
        cal, days = _calendar(self.first_year, self.last_year, cuti)
        object.__setattr__(self, "_cal", cal)
        object.__setattr__(self, "_days", days)

    @classmethod
    def for_dates(cls, cuti_bersama: Iterable[date] = (), *dates: Iterable) -> "WorkCalendar":
        """A calendar whose holiday years cover the given date collections (and the defaults)."""
        first, last = DEFAULT_FIRST_YEAR, DEFAULT_LAST_YEAR
        for ds in dates:
            arr = _as_day_array(ds)
            arr = arr[~np.isnat(arr)]
            if arr.size:
                first = min(first, int(arr.min().astype("datetime64[Y]").astype(int) + 1970))
                last = max(last, int(arr.max().astype("datetime64[Y]").astype(int) + 1970))
        return cls(tuple(cuti_bersama), first, last)

    @property
    def non_working_days(self) -> tuple[date, ...]:
        """Holidays and cuti bersama (weekends not listed) the calendar excludes."""
        return self._days

    def is_working_day(self, d) -> np.ndarray | bool:
        arr = _as_day_array(d)
        out = np.zeros(arr.shape, dtype=bool)
        ok = ~np.isnat(arr)
        out[ok] = np.is_busday(arr[ok], busdaycal=self._cal)
        return bool(out[0]) if isinstance(d, (date, str)) else out

    def days_after(self, start, end) -> np.ndarray:
        """Working days d with start < d <= end, elementwise; float array with NaN where a date is
        missing; 0 where end <= start."""
        s = _as_day_array(start)
        e = _as_day_array(end)
        s, e = np.broadcast_arrays(s, e)
        out = np.full(s.shape, np.nan)
        ok = ~(np.isnat(s) | np.isnat(e))
        if ok.any():
            one = np.timedelta64(1, "D")
            n = np.busday_count(s[ok] + one, e[ok] + one, busdaycal=self._cal)
            out[ok] = np.maximum(n, 0)
        return out

    def count(self, start: date, end: date) -> int:
        """Scalar form of days_after."""
        return int(self.days_after(np.array([start], dtype="datetime64[D]"), np.array([end], dtype="datetime64[D]"))[0])

    def add(self, start: date, n: int) -> date:
        """The date n working days after start (the day a limit of n runs out)."""
        d = np.busday_offset(np.datetime64(start, "D"), n, roll="forward", busdaycal=self._cal) \
            if np.is_busday(np.datetime64(start, "D"), busdaycal=self._cal) else \
            np.busday_offset(np.datetime64(start, "D"), n - 1, roll="forward", busdaycal=self._cal)
        return d.astype(date)
