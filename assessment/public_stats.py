"""Public statistics (no login): counts of SP4N-LAPOR! reports per month, per category and per unit,
with % followed up and % selesai, and the strategic targets (Tabel 6) against the actual figures.

What never leaves this module: reporter names, report titles and texts, hold reasons, addresses,
Tracking IDs (of any report, Rahasia or not). The counts come from `complaints.public_statistics`,
whose query selects only grouping columns and a count (personal fields are never read), with the
ranking's own rules (scoring.ranking) at the latest snapshot; this module labels them for the page,
adds Tabel 6 and says whether demo data is counted.

For the public page small counts are suppressed (`scoring.disclosure`, setting `public.min_count`,
passed in by the page; other callers get every count): a month, category or
unit with fewer reports than that is shown as "< 5" without percentages, and where the year's total
would let a hidden count be worked out by subtraction, the smallest other row is hidden as well
("disembunyikan"). A year with fewer reports than that shows "< 5" as its total too. A hidden
number never leaves this module: the frames carry only the text, the chart frame None.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from datetime import date
from typing import Optional

import pandas as pd
from sqlalchemy import func
from sqlmodel import select

from scoring import disclosure
from scoring import renaksi as sr
from scoring.formatting import fmt_date_id, fmt_num, fmt_pct

from .db import read_only
from .models import ComplaintSnapshot

NOT_DISPOSED = "Belum terdisposisi"
NO_CATEGORY = "(tanpa kategori)"
SMALL_LABEL = "< {k}"
HIDDEN_LABEL = "disembunyikan"
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")


@dataclass
class PublicStats:
    year: Optional[int]
    years: list[int]
    received: int = 0  # for `empty` only; the page shows `received_text`
    received_text: str = "0"
    followed_up_pct: Optional[float] = None
    resolved_pct: Optional[float] = None
    # Bulan, Diterima (a number, or the text "< 5" / "disembunyikan"), % ditindaklanjuti, % selesai (None when hidden)
    by_month: pd.DataFrame = field(default_factory=pd.DataFrame)
    by_category: pd.DataFrame = field(default_factory=pd.DataFrame)  # Kategori, ...
    by_unit: pd.DataFrame = field(default_factory=pd.DataFrame)  # Unit, ...
    # For the month chart: Bulan, Diterima (a number, None when hidden), % ditindaklanjuti, % selesai
    month_chart: pd.DataFrame = field(default_factory=pd.DataFrame)
    targets: list[sr.Tabel6Row] = field(default_factory=list)
    synthetic: bool = False  # some of the counted reports come from demo (made-up) data
    last_snapshot: Optional[date] = None
    min_count: int = 1
    suppressed: bool = False  # some number on the page is hidden (small counts)
    target_kinds: dict[str, str] = field(default_factory=dict)  # Tabel 6 key -> "count" | "percent"

    @property
    def empty(self) -> bool:
        return self.received == 0

    @property
    def followed_up_text(self) -> str:
        return fmt_pct(self.followed_up_pct)

    @property
    def resolved_text(self) -> str:
        return fmt_pct(self.resolved_pct)

    @property
    def snapshot_caption(self) -> str:
        """"Data sampai dengan ekspor LAPOR! tanggal 3 Des 2026." (empty without an import)."""
        if not self.last_snapshot:
            return ""
        return f"Data sampai dengan ekspor LAPOR! tanggal {fmt_date_id(self.last_snapshot)}."

    @property
    def suppression_note(self) -> str:
        """The one caption that explains the hidden numbers (empty when nothing is hidden)."""
        if not self.suppressed:
            return ""
        k = self.min_count
        return (f"Agar tidak ada pelapor yang dapat dikenali, jumlah di bawah {k} laporan ditampilkan sebagai "
                f"\"< {k}\" tanpa persentase. Bila jumlah tersebut masih dapat dihitung dari total dan baris "
                "lain, baris terkecil berikutnya ikut \"disembunyikan\".")


def min_count(session=None) -> int:
    """The smallest count the public page shows (setting `public.min_count`; 1 = show every count)."""
    from . import settings_store

    try:
        return max(1, int(settings_store.get("public.min_count", session)))
    except (TypeError, ValueError):
        return 5


def _fmt_int(n: int) -> str:
    return f"{int(n):,}".replace(",", ".")


def table_text(frame: pd.DataFrame) -> pd.DataFrame:
    """A by_month / by_category / by_unit table as the page shows it, every cell text in Indonesian
    notation: 2507 -> "2.507", 99.1 -> "99,1 %"; a hidden count keeps its "< 5" / "disembunyikan"
    and a hidden percentage reads "-"."""
    out = frame.copy()
    if out.empty:
        return out
    out["Diterima"] = [_fmt_int(v) if isinstance(v, numbers.Integral) else str(v) for v in out["Diterima"]]
    for col in ("% ditindaklanjuti", "% selesai"):
        out[col] = [fmt_pct(None if v is None or v != v else float(v)) for v in out[col]]
    return out


def chart_tooltips(chart: pd.DataFrame) -> pd.DataFrame:
    """The month chart frame with text columns for the tooltips ("2.507", "99,1 %"), so the chart
    writes numbers as the tables do; the numeric columns stay for the axes."""
    out = chart.copy()
    text = lambda values: pd.Series(values, index=out.index, dtype=object)  # noqa: E731 (None stays None)
    out["Diterima (teks)"] = text([None if v is None or v != v else _fmt_int(v) for v in out["Diterima"]])
    for col in ("% ditindaklanjuti", "% selesai"):
        out[col + " (teks)"] = text([None if v is None or v != v else fmt_pct(float(v)) for v in out[col]])
    return out


def target_table(data: "PublicStats") -> pd.DataFrame:
    """Tabel 6 as text: a percent indicator's target and actual with " %" ("100 %", "99,1 %"), a count
    without decimals ("95", "1.234")."""
    rows = []
    for r in data.targets:
        pct = data.target_kinds.get(r.key) == "percent"

        def num(x, decimals):
            if x is None:
                return "-"
            return fmt_pct(x, decimals) if pct else fmt_num(x, decimals)

        rows.append({
            "Indikator": r.name, "Tahun": str(r.year), "Target": num(r.target, 0),
            "Capaian": num(r.actual, 1 if pct else 0),
            "Status": r.status + (" (sementara)" if r.provisional else ""),
            "Sumber capaian": r.source or "-",
        })
    return pd.DataFrame(rows, columns=["Indikator", "Tahun", "Target", "Capaian", "Status", "Sumber capaian"])


def _shape(g: pd.DataFrame, key: str, label: str, k: int, total_small: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The table (a hidden count replaced by its text "< 5" / "disembunyikan", its percentages None) and
    the chart frame (hidden counts None)."""
    g = g.reset_index(drop=True)
    counts = [int(x) for x in g["received"]]
    status = disclosure.suppress(counts, k)
    if total_small:
        status = [disclosure.SMALL if c > 0 else disclosure.SHOWN for c in counts]
    texts = [c if st == disclosure.SHOWN else SMALL_LABEL.format(k=k) if st == disclosure.SMALL
             else HIDDEN_LABEL for c, st in zip(counts, status)]
    keep = [st == disclosure.SHOWN for st in status]
    fu = [_round(x) if ok else None for x, ok in zip(g["followed_up_pct"], keep)]
    rs = [_round(x) if ok else None for x, ok in zip(g["resolved_pct"], keep)]
    obj = lambda values: pd.Series(values, dtype=object)  # noqa: E731 (None stays None, not NaN)
    table = pd.DataFrame({label: list(g[key]), "Diterima": obj(texts) if False in keep else counts,
                          "% ditindaklanjuti": obj(fu), "% selesai": obj(rs)})
    chart = pd.DataFrame({label: list(g[key]), "Diterima": obj([c if ok else None for c, ok in zip(counts, keep)]),
                          "% ditindaklanjuti": obj(fu), "% selesai": obj(rs)})
    return table, chart


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


def statistics(year: Optional[int] = None, min_count_: int = 1) -> PublicStats:
    """Everything the public page shows for one year (default: the newest year with reports).

    Counts below `min_count_` are suppressed. The default 1 shows every count, for the logged-in
    users' pages (the scorecard's trend); the public page passes `min_count()` (the setting
    `public.min_count`).

    The counts come from `complaints.public_statistics` (the complaints area: latest snapshot, the
    ranking's own rules); this only labels and suppresses them and adds the targets."""
    from . import complaints, renaksi

    years = years_with_reports()
    target_defs = renaksi.read_targets()
    targets = sr.tabel6_rows(target_defs, renaksi.tabel2_actuals())
    if year is None:
        year = years[0] if years else None
    k = max(1, int(min_count_))
    out = PublicStats(year=year, years=years, targets=targets, min_count=k,
                      target_kinds={t.key: t.kind for t in target_defs})
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
    total_small = disclosure.total_is_small(out.received, k)
    out.received_text = SMALL_LABEL.format(k=k) if total_small else _fmt_int(out.received)
    if not total_small:
        out.followed_up_pct = _round(t.get("followed_up_pct"))
        out.resolved_pct = _round(t.get("resolved_pct"))
    m = p["by_month"].copy()
    m["month"] = [f"{MONTHS[d.month - 1]} {d.year}" for d in pd.to_datetime(m["month"])]
    out.by_month, out.month_chart = _shape(m, "month", "Bulan", k, total_small)
    c = p["by_category"].copy()
    c["category"] = c["category"].fillna("").replace("", NO_CATEGORY)
    out.by_category, _ = _shape(c.sort_values(["received", "category"], ascending=[False, True]), "category",
                                "Kategori", k, total_small)
    u = p["by_unit"].copy()
    u["unit"] = u["unit"].replace({"Belum didisposisikan": NOT_DISPOSED})
    out.by_unit, _ = _shape(u.sort_values(["received", "unit"], ascending=[False, True]), "unit", "Unit",
                            k, total_small)
    out.suppressed = total_small or any(
        (f["Diterima"] == SMALL_LABEL.format(k=k)).any() or (f["Diterima"] == HIDDEN_LABEL).any()
        for f in (out.by_month, out.by_category, out.by_unit))
    return out


def _round(x) -> Optional[float]:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return None if v != v else round(v, 1)
