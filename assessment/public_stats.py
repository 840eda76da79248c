"""Public statistics (no login): counts of SP4N-LAPOR! reports per month, per category and per unit,
with % followed up and % selesai, and the strategic targets (Tabel 6) against the actual figures.

What never leaves this module: reporter names, report titles and texts, hold reasons, addresses,
Tracking IDs (of any report, Rahasia or not). The counts come from `complaints.public_statistics`,
whose query selects only grouping columns and a count (personal fields are never read), with the
ranking's own rules (scoring.ranking) at the latest snapshot; this module labels them for the page,
adds Tabel 6 and says whether demo data is counted.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Optional

import pandas as pd
from sqlalchemy import func
from sqlmodel import select

from scoring import renaksi as sr

from .db import read_only
from .models import ComplaintSnapshot

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


def _shape(g: pd.DataFrame, key: str, label: str) -> pd.DataFrame:
    out = pd.DataFrame({
        label: g[key],
        "Diterima": g["received"].astype(int),
        "% ditindaklanjuti": g["followed_up_pct"].astype(float).round(1),
        "% selesai": g["resolved_pct"].astype(float).round(1),
    })
    return out.reset_index(drop=True)


def data_stamp() -> tuple:
    """Changes whenever an import or a Tabel 2 edit changes what the public page shows (a cache key)."""
    from .models import GeneralFigures

    with read_only() as s:
        snap = s.exec(select(func.max(ComplaintSnapshot.id), func.max(ComplaintSnapshot.imported_at),
                             func.count(ComplaintSnapshot.id))).one()
        fig = s.exec(select(func.max(GeneralFigures.updated_at), func.count(GeneralFigures.id))).one()
    return tuple(str(x) for x in (*snap, *fig))


def years_with_reports() -> list[int]:
    from . import complaints

    return complaints.years_available()


def statistics(year: Optional[int] = None) -> PublicStats:
    """Everything the public page shows for one year (default: the newest year with reports).

    The counts come from `complaints.public_statistics` (the complaints area: latest snapshot, the
    ranking's own rules); this only labels them and adds the targets."""
    from . import complaints, renaksi

    years = years_with_reports()
    targets = sr.tabel6_rows(renaksi.read_targets(), renaksi.tabel2_actuals())
    if year is None:
        year = years[0] if years else None
    out = PublicStats(year=year, years=years, targets=targets)
    with read_only() as s:
        out.last_snapshot = s.exec(select(func.max(ComplaintSnapshot.snapshot_date))).one()
        out.synthetic = bool(s.exec(select(func.count()).select_from(ComplaintSnapshot)
                                    .where(ComplaintSnapshot.synthetic == True)).one())  # noqa: E712
    if year is None:
        return out
    p = complaints.public_statistics(int(year))
    if not p or not int(p["totals"].get("received") or 0):
        return out
    t = p["totals"]
    out.received = int(t["received"])
    out.followed_up_pct = _round(t.get("followed_up_pct"))
    out.resolved_pct = _round(t.get("resolved_pct"))
    m = p["by_month"].copy()
    m["month"] = [f"{MONTHS[d.month - 1]} {d.year}" for d in pd.to_datetime(m["month"])]
    out.by_month = _shape(m, "month", "Bulan")
    c = p["by_category"].copy()
    c["category"] = c["category"].fillna("").replace("", NO_CATEGORY)
    out.by_category = _shape(c.sort_values(["received", "category"], ascending=[False, True]), "category", "Kategori")
    u = p["by_unit"].copy()
    u["unit"] = u["unit"].replace({"Belum didisposisikan": NOT_DISPOSED})
    out.by_unit = _shape(u.sort_values(["received", "unit"], ascending=[False, True]), "unit", "Unit")
    return out


def _round(x) -> Optional[float]:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return None if v != v else round(v, 1)
