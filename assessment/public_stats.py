"""Public statistics (no login): counts of SP4N-LAPOR! reports per month, per category and per unit,
with % followed up and % selesai, and the strategic targets (Tabel 6) against the actual figures.

What never leaves this module: reporter names, report titles and texts, hold reasons, addresses,
Tracking IDs (of any report, Rahasia or not). The database query below selects only the grouping
columns and a count, so personal fields are never even read. The percentages come from
scoring.ranking (`evaluate` + `public_aggregates`), the same rules as the OPD ranking; the state used
is each report's latest known state (from the newest export that listed it).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Optional

import pandas as pd
from sqlalchemy import func
from sqlmodel import select

from scoring import ranking as rk
from scoring import renaksi as sr
from scoring.workdays import WorkCalendar

from .db import read_only
from .models import ComplaintReport, ComplaintSnapshot, Unit

NOT_DISPOSED = "Belum terdisposisi"
NO_CATEGORY = "(tanpa kategori)"
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")


@dataclass
class PublicStats:
    year: Optional[int]
    years: list[int]
    received: int = 0
    followed_up_pct: Optional[float] = None
    resolved_pct: Optional[float] = None
    by_month: pd.DataFrame = field(default_factory=pd.DataFrame)  # Bulan, Diterima, % ditindaklanjuti, % selesai
    by_category: pd.DataFrame = field(default_factory=pd.DataFrame)  # Kategori, ...
    by_unit: pd.DataFrame = field(default_factory=pd.DataFrame)  # Unit, ...
    targets: list[sr.Tabel6Row] = field(default_factory=list)
    synthetic: bool = False  # some of the counted reports come from demo (made-up) data
    last_snapshot: Optional[date] = None

    @property
    def empty(self) -> bool:
        return self.received == 0


def _grouped(year: int) -> pd.DataFrame:
    """One row per (month, category, unit, state, follow-up recorded) with its count `n`. Only counts."""
    month = func.extract("month", ComplaintReport.report_date)
    has_fu = ComplaintReport.follow_up_date.is_not(None)
    with read_only() as s:
        rows = s.exec(
            select(month, ComplaintReport.category, ComplaintReport.unit_id, ComplaintReport.state, has_fu,
                   func.count())
            .where(ComplaintReport.year == year)
            .group_by(month, ComplaintReport.category, ComplaintReport.unit_id, ComplaintReport.state, has_fu)
        ).all()
    f = pd.DataFrame(rows, columns=["month", "category", "unit_id", "state", "has_fu", "n"])
    if f.empty:
        return f
    f["month"] = f["month"].astype(int)
    f["report_date"] = pd.to_datetime({"year": year, "month": f["month"], "day": 1})
    # A recorded follow-up date counts as followed up (the rule of scoring.ranking); its value does not
    # matter here, only that it is on or before today.
    f["follow_up_date"] = f["report_date"].where(f["has_fu"].astype(bool))
    f["year"] = year
    return f


def _shape(g: pd.DataFrame, key: str, label: str) -> pd.DataFrame:
    out = pd.DataFrame({
        label: g[key],
        "Diterima": g["received"].astype(int),
        "% ditindaklanjuti": g["followed_up_pct"].astype(float).round(1),
        "% selesai": g["resolved_pct"].astype(float).round(1),
    })
    return out.reset_index(drop=True)


def _pct(num: int, den: int) -> Optional[float]:
    return None if den == 0 else round(100.0 * num / den, 1)


def data_stamp() -> tuple:
    """Changes whenever an import or a Tabel 2 edit changes what the public page shows (a cache key)."""
    from .models import GeneralFigures

    with read_only() as s:
        snap = s.exec(select(func.max(ComplaintSnapshot.id), func.max(ComplaintSnapshot.imported_at),
                             func.count(ComplaintSnapshot.id))).one()
        fig = s.exec(select(func.max(GeneralFigures.updated_at), func.count(GeneralFigures.id))).one()
    return tuple(str(x) for x in (*snap, *fig))


def years_with_reports() -> list[int]:
    with read_only() as s:
        return sorted({int(y) for y in s.exec(select(ComplaintReport.year).distinct()).all()}, reverse=True)


def statistics(year: Optional[int] = None, today: Optional[date] = None) -> PublicStats:
    """Everything the public page shows for one year (default: the newest year with reports)."""
    from . import renaksi

    years = years_with_reports()
    targets = sr.tabel6_rows(renaksi.read_targets(), renaksi.tabel2_actuals())
    if year is None:
        year = years[0] if years else None
    out = PublicStats(year=year, years=years, targets=targets)
    with read_only() as s:
        out.last_snapshot = s.exec(select(func.max(ComplaintSnapshot.snapshot_date))).one()
        out.synthetic = bool(s.exec(select(func.count()).select_from(ComplaintSnapshot)
                                    .where(ComplaintSnapshot.synthetic == True)).one())  # noqa: E712
        names = {u.id: u.name for u in s.exec(select(Unit)).all()}
    if year is None:
        return out
    f = _grouped(year)
    if f.empty:
        return out
    # Only the state flags are used here; the working-day calendar does not change them.
    ev = rk.evaluate(f, today or date.today(), rk.Rules(), WorkCalendar())
    w = ev["n"].astype(int)
    out.received = int(w.sum())
    assessable = int((w * ev["assessable"]).sum())
    out.followed_up_pct = _pct(int((w * ev["followed_up"]).sum()), assessable)
    out.resolved_pct = _pct(int((w * (ev["resolved"] & ev["assessable"])).sum()), assessable)

    m = rk.public_aggregates(ev, "month")
    m["month"] = [f"{MONTHS[d.month - 1]} {d.year}" for d in pd.to_datetime(m["month"])]
    out.by_month = _shape(m, "month", "Bulan")
    c = rk.public_aggregates(ev.assign(category=ev["category"].fillna("").replace("", NO_CATEGORY)), "category")
    out.by_category = _shape(c.sort_values(["received", "category"], ascending=[False, True]), "category", "Kategori")
    ev = ev.assign(unit=[names.get(int(u), NOT_DISPOSED) if pd.notna(u) else NOT_DISPOSED for u in ev["unit_id"]])
    u = rk.public_aggregates(ev, "unit")
    out.by_unit = _shape(u.sort_values(["received", "unit"], ascending=[False, True]), "unit", "Unit")
    return out
