"""How numbers and times are written for Indonesian readers (pages, exports, the document alike)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Optional

WIB = timezone(timedelta(hours=7), "WIB")


def fmt_num(x: Optional[float], decimals: int = 2) -> str:
    """3.5 -> "3,50"; 1234.5 -> "1.234,50"; None -> "-"."""
    if x is None:
        return "-"
    return f"{x:,.{decimals}f}".replace(",", "X").replace(".", ",").replace("X", ".")


def fmt_pct(x: Optional[float], decimals: int = 1) -> str:
    return "-" if x is None else fmt_num(x, decimals) + " %"


def to_wib(dt: datetime) -> datetime:
    """Stored times are UTC (naive ones are read as UTC); people read them in WIB."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(WIB)


def fmt_wib(dt: Optional[datetime], suffix: bool = False) -> str:
    if dt is None:
        return "-"
    return to_wib(dt).strftime("%d-%m-%Y %H:%M") + (" WIB" if suffix else "")


MONTHS_SHORT = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")


def fmt_date_id(d: Optional[date]) -> str:
    """date(2026, 12, 3) -> "3 Des 2026"; None -> "-". A datetime is read in WIB first (see to_wib)."""
    if d is None:
        return "-"
    if isinstance(d, datetime):
        d = to_wib(d).date()
    return f"{d.day} {MONTHS_SHORT[d.month - 1]} {d.year}"
