"""Hari kerja: weekends, Indonesian national holidays (`holidays`, ID) and cuti bersama given by hand."""
from __future__ import annotations

from datetime import date, timedelta

import holidays
import numpy as np
from hypothesis import given, settings, strategies as st

from scoring.workdays import WorkCalendar, national_holidays

# Cuti bersama entered by hand, as an admin would (SKB 2025 / 2026).
CUTI_2026 = [date(2026, 2, 16), date(2026, 3, 18), date(2026, 3, 20), date(2026, 3, 23), date(2026, 3, 24),
             date(2026, 5, 15), date(2026, 5, 28), date(2026, 12, 24)]
CUTI_2025 = [date(2025, 3, 28), date(2025, 4, 2), date(2025, 4, 3), date(2025, 4, 4), date(2025, 4, 7)]

PLAIN = WorkCalendar()
WITH_CUTI = WorkCalendar(tuple(CUTI_2025 + CUTI_2026))


def test_holidays_package_dates_for_idul_fitri_2026_and_2025():
    h = national_holidays([2025, 2026])
    # 1 Syawal 1447 H falls on a weekend in 2026; Nyepi is the Thursday before.
    assert h[date(2026, 3, 19)] == "Day of Silence"
    assert h[date(2026, 3, 21)] == "Eid al-Fitr"
    assert h[date(2026, 3, 22)] == "Eid al-Fitr Second Day"
    assert h[date(2026, 4, 3)] == "Good Friday"
    assert h[date(2026, 2, 17)] == "Lunar New Year"
    assert h[date(2025, 3, 31)] == "Eid al-Fitr" and h[date(2025, 4, 1)] == "Eid al-Fitr Second Day"
    # the package does not count cuti bersama as public holidays: they come from the admin
    assert date(2026, 3, 23) not in h and date(2026, 3, 20) not in h
    # ... though its "government" category lists the same days we entered by hand for 2026
    gov = holidays.country_holidays("ID", years=2026, categories=("government",))
    assert sorted(gov) == CUTI_2026


def test_idul_fitri_weeks_2026():
    # Mon 16 Mar .. Fri 27 Mar 2026: without cuti bersama 17, 18, 20, 23, 24, 25, 26, 27 (Nyepi 19 out)
    assert PLAIN.count(date(2026, 3, 16), date(2026, 3, 27)) == 8
    # with cuti bersama 18, 20, 23, 24: only 17, 25, 26, 27
    assert WITH_CUTI.count(date(2026, 3, 16), date(2026, 3, 27)) == 4
    assert not WITH_CUTI.is_working_day(date(2026, 3, 23))
    assert PLAIN.is_working_day(date(2026, 3, 23))
    assert not PLAIN.is_working_day(date(2026, 3, 19))


def test_report_on_friday_before_long_weekend_imlek_2026():
    # Fri 13 Feb 2026; Mon 16 Feb cuti bersama, Tue 17 Feb Imlek: a four-day weekend.
    fri = date(2026, 2, 13)
    assert WITH_CUTI.count(fri, date(2026, 2, 17)) == 0
    assert WITH_CUTI.count(fri, date(2026, 2, 27)) == 8  # 18,19,20,23,24,25,26,27: not yet beyond 3 + 5
    assert WITH_CUTI.count(fri, date(2026, 3, 2)) == 9  # beyond: overdue from Monday 2 March
    assert PLAIN.count(fri, date(2026, 2, 27)) == 9  # without the cuti bersama it would be overdue a day earlier
    assert WITH_CUTI.add(fri, 8) == date(2026, 2, 27)
    assert PLAIN.add(fri, 8) == date(2026, 2, 26)


def test_report_on_cuti_bersama_friday_before_idul_fitri_2026():
    fri = date(2026, 3, 20)
    # 25, 26, 27, 30, 31 Mar, 1, 2 Apr (3 Apr Good Friday), 6 Apr = 8
    assert WITH_CUTI.count(fri, date(2026, 4, 6)) == 8
    assert WITH_CUTI.count(fri, date(2026, 4, 7)) == 9
    assert PLAIN.count(fri, date(2026, 4, 1)) == 8


def test_idul_fitri_2025_with_cuti_bersama():
    fri = date(2025, 3, 28)  # cuti bersama Nyepi; Idul Fitri Mon-Tue 31 Mar - 1 Apr; cuti 2, 3, 4, 7 Apr
    assert WITH_CUTI.count(fri, date(2025, 4, 7)) == 0
    assert WITH_CUTI.count(fri, date(2025, 4, 18)) == 8  # 18 Apr is Good Friday
    assert WITH_CUTI.count(fri, date(2025, 4, 21)) == 9


def test_edges_and_vectorised_form():
    d = date(2026, 1, 5)
    assert PLAIN.count(d, d) == 0
    assert PLAIN.count(d, date(2026, 1, 2)) == 0  # end before start: clipped
    starts = np.array(["2026-03-16", "NaT", "2026-02-13"], dtype="datetime64[D]")
    ends = np.array(["2026-03-27", "2026-03-27", "2026-03-02"], dtype="datetime64[D]")
    out = WITH_CUTI.days_after(starts, ends)
    assert out[0] == 4 and np.isnan(out[1]) and out[2] == 9
    assert list(PLAIN.is_working_day(np.array(["2026-03-21", "2026-03-20"], dtype="datetime64[D]"))) == [False, True]


@settings(max_examples=200, deadline=None)
@given(st.dates(date(2024, 1, 1), date(2027, 12, 31)), st.integers(0, 200), st.integers(0, 200))
def test_counts_add_up_and_never_exceed_calendar_days(a, x, y):
    b, c = a + timedelta(days=x), a + timedelta(days=x + y)
    ab, bc, ac = WITH_CUTI.count(a, b), WITH_CUTI.count(b, c), WITH_CUTI.count(a, c)
    assert ab + bc == ac
    assert 0 <= ac <= (c - a).days
    assert WITH_CUTI.count(a, c) <= PLAIN.count(a, c)  # cuti bersama only removes days
