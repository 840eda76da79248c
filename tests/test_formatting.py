"""scoring.formatting: numbers, percentages and dates as Indonesian readers write them."""
from __future__ import annotations

from datetime import date, datetime, timezone

from scoring.formatting import fmt_date_id, fmt_num, fmt_pct, fmt_wib


def test_fmt_date_id():
    assert fmt_date_id(date(2026, 12, 3)) == "3 Des 2026"
    assert fmt_date_id(date(2025, 8, 17)) == "17 Agu 2025"
    assert fmt_date_id(date(2024, 5, 1)) == "1 Mei 2024"
    assert [fmt_date_id(date(2026, m, 1)).split()[1] for m in range(1, 13)] == [
        "Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]
    assert fmt_date_id(None) == "-"
    # A stored (UTC) time is read in WIB: 20:00 UTC on 2 Dec is 3 Dec 03:00 WIB.
    assert fmt_date_id(datetime(2026, 12, 2, 20, 0, tzinfo=timezone.utc)) == "3 Des 2026"
    assert fmt_date_id(datetime(2026, 12, 2, 20, 0)) == "3 Des 2026"  # naive = UTC


def test_existing_formats_unchanged():
    assert fmt_num(3.5) == "3,50" and fmt_num(1234.5) == "1.234,50" and fmt_num(None) == "-"
    assert fmt_pct(97.84) == "97,8 %" and fmt_pct(99.1) == "99,1 %" and fmt_pct(None) == "-"
    assert fmt_num(2507, 0) == "2.507"
    assert fmt_wib(datetime(2026, 12, 2, 20, 0, tzinfo=timezone.utc)) == "03-12-2026 03:00"
