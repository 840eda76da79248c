"""Scorecard Pimpinan: one screen (and a one-page PDF of the same numbers) for the Bupati and the Sekda.

`build(actor, year)` returns one plain dict; the page draws it and `pdf(data)` prints it, so the two
can never disagree. Sections, each with `available` and a `message` when there is nothing to show:
- aspects:  the self-assessment of the chosen year against the previous year (scoring.scorecard);
- renaksi:  rencana aksi progress per KP for the year, and the late items (assessment.renaksi);
- ranking:  the reward and punishment lists of the OPD ranking (assessment.complaints, when present);
- tabel6:   the strategic targets against the actual figures (assessment.renaksi.tabel6);
- trend:    complaints received per month with % followed up / selesai (assessment.public_stats).
A source that is missing or has no data yet gives "belum ada data", never an error.
Who: every role that sees all units (admin, pimpinan, tim_asesor, verifikator); not operator_opd.
"""
from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path
from typing import Any, Optional

from scoring import scorecard as sc
from scoring.assessment import round2
from scoring.formatting import WIB, fmt_num

from .errors import DomainError, NotFound, PermissionDenied
from .permissions import Actor, Perm, require, sees_all_units

log = logging.getLogger(__name__)
NO_DATA = "Belum ada data."


def _require(actor: Actor) -> None:
    require(actor, Perm.READ)
    if not sees_all_units(actor):
        raise PermissionDenied("Akses ditolak: Scorecard Pimpinan memuat data semua unit; "
                               "Operator OPD melihat data unitnya di halaman lain.")


def _section(available: bool, message: str = "", **kw: Any) -> dict[str, Any]:
    return {"available": available, "message": "" if available else (message or NO_DATA), **kw}


def default_unit_id() -> Optional[int]:
    from .units import instansi_unit

    try:
        return instansi_unit().id
    except NotFound:
        return None


def years(actor: Actor, unit_id: Optional[int] = None) -> list[int]:
    """Years to choose from: those with an assessment of the unit, the rencana aksi years and the years of
    imported LAPOR! reports; newest first."""
    from . import assessments

    _require(actor)
    unit_id = unit_id or default_unit_id()
    ys = {a.year for a in assessments.list_assessments(actor) if a.unit_id == unit_id}
    try:
        from . import renaksi

        ys |= set(renaksi.plan_years())
    except Exception:  # noqa: BLE001 - a broken catalogue must not stop the scorecard
        log.exception("rencana aksi years unavailable")
    from . import complaints

    ys |= set(complaints.years_available())  # the LAPOR! sections need the years of imported reports
    return sorted(ys, reverse=True) or [date.today().year]


# --- the sections ------------------------------------------------------------------------------------

def _aspects(actor: Actor, unit_id: Optional[int], year: int) -> dict[str, Any]:
    from . import assessments

    if unit_id is None:
        return _section(False, "Belum ada unit instansi di daftar unit.")
    cur_id = assessments.find(actor, unit_id, year)
    if cur_id is None:
        return _section(False, f"Belum ada data: asesmen tahun {year} belum dibuat.")
    view, res = assessments.result(actor, cur_id)
    prev_id = assessments.find(actor, unit_id, year - 1)
    prev_view, prev_res = assessments.result(actor, prev_id) if prev_id else (None, None)
    rows = sc.compare_aspects(res.aspects, prev_res.aspects if prev_res else None)
    summ = sc.summarize(rows)
    return _section(
        True, unit=view.unit_name, state=view.state_label, final=view.state == "final",
        answered=res.answered, total=res.total,
        previous_state=prev_view.state_label if prev_view else None,
        rows=[{"key": r.key, "name": r.name, "order": r.order, "mean": r.mean, "previous_mean": r.previous_mean,
               "delta": r.delta, "arrow": r.arrow, "trend": r.trend_label, "priority": r.priority,
               "previous_priority": r.previous_priority} for r in rows],
        summary={"improved": summ.improved, "declined": summ.declined, "same": summ.same,
                 "not_comparable": summ.not_comparable, "mean_delta": summ.mean_delta},
        note=None if prev_view else f"Belum ada asesmen tahun {year - 1} sebagai pembanding.",
    )


def _renaksi(actor: Actor, year: int) -> dict[str, Any]:
    try:
        from . import renaksi
    except ImportError:
        return _section(False, "Belum ada data rencana aksi.")
    items = renaksi.list_items(actor)
    if not items:
        return _section(False, "Belum ada data rencana aksi.")
    tables = renaksi.rollup_tables(items)
    titles = {r["KP"]: r.get("Kelompok program", "") for r in tables["per_kp"]}
    per_kp = [{"kp": r["KP"], "title": titles.get(r["KP"], ""), "units": r["Butir-tahun"], "selesai": r["Selesai"],
               "berjalan": r["Berjalan"], "belum": r["Belum dimulai"], "tidak": r["Tidak dilaksanakan"],
               "late": r["Terlambat"], "pct_done": r["% selesai"], "mean_progress": r["Rata-rata progres (%)"]}
              for r in tables["kp_year"] if r["Tahun"] == year]
    late = [{"code": r["Kode"], "title": r["Uraian (Tabel 9)"], "years": r["Tahun terlambat"],
             "parties": r["Pihak terlibat"]} for r in tables["late"]]
    if not per_kp and not late:
        return _section(False, f"Belum ada data: tidak ada butir rencana aksi yang dijadwalkan tahun {year}.")
    return _section(True, per_kp=per_kp, late=late, per_kp_message="" if per_kp else
                    f"Tidak ada butir rencana aksi yang dijadwalkan tahun {year}.")


def _ranking(actor: Actor, year: int) -> dict[str, Any]:
    """The reward/punishment lists of `assessment.complaints.ranking` (the Peringkat OPD page's own)."""
    try:
        from . import complaints
    except ImportError:
        return _section(False, "Belum ada data: peringkat OPD dari data LAPOR! belum tersedia.")
    r = complaints.ranking(year, actor=actor)
    if r is None or len(r.ranking.units) == 0:
        return _section(False, f"Belum ada data LAPOR! tahun {year}.")
    rewards = [{"rank": _int(x["rank"]), "unit": x["unit"], "score": _float(x["score"]),
                "on_time_pct": _float(x["on_time_pct"])} for x in r.rewards.to_dict("records")]
    punish = [{"unit": x["unit"], "overdue": int(x["overdue"]), "received": int(x["received"])}
              for x in r.punishments.to_dict("records")]
    return _section(True, snapshot_date=r.snapshot.snapshot_date.isoformat(), synthetic=bool(r.synthetic),
                    rewards=rewards, punishments=punish, assessed=int(r.ranking.units["assessed"].sum()))


def _tabel6(actor: Actor) -> dict[str, Any]:
    try:
        from . import renaksi
    except ImportError:
        return _section(False)
    rows = renaksi.tabel6(actor)
    if not rows:
        return _section(False, "Belum ada target Tabel 6.")
    return _section(True, rows=[{"name": r.name, "year": r.year, "target": r.target, "actual": r.actual,
                                 "met": r.met, "status": r.status, "source": r.source} for r in rows])


def _trend(year: int) -> dict[str, Any]:
    from . import public_stats

    st = public_stats.statistics(year)
    if st.empty:
        return _section(False, f"Belum ada data LAPOR! tahun {year}.")
    rows = [{"month": m, "received": int(n), "followed_up_pct": _float(f), "resolved_pct": _float(r)}
            for m, n, f, r in st.by_month[["Bulan", "Diterima", "% ditindaklanjuti", "% selesai"]].itertuples(index=False)]
    return _section(True, rows=rows, received=st.received, followed_up_pct=st.followed_up_pct,
                    resolved_pct=st.resolved_pct, synthetic=st.synthetic)


def _float(x: Any) -> Optional[float]:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return None if v != v else round2(v)


def _int(x: Any) -> Optional[int]:
    v = _float(x)
    return None if v is None else int(v)


def _safe(name: str, fn, *args) -> dict[str, Any]:
    """A failing source shows as "not available" (and is logged), the other sections still show."""
    try:
        return fn(*args)
    except PermissionDenied:
        raise
    except DomainError as exc:
        return _section(False, exc.message)
    except Exception:  # noqa: BLE001
        log.exception("scorecard section %s failed", name)
        return _section(False, "Data bagian ini tidak dapat dimuat saat ini; hubungi admin.")


def build(actor: Actor, year: int, unit_id: Optional[int] = None, sort_by_improvement: bool = False) -> dict[str, Any]:
    """The whole scorecard as one plain dict (the screen and the PDF both draw this)."""
    _require(actor)
    year = int(year)
    unit_id = unit_id or default_unit_id()
    aspects = _safe("aspects", _aspects, actor, unit_id, year)
    if aspects["available"] and sort_by_improvement:
        by_key = {r["key"]: r for r in aspects["rows"]}
        trends = [sc.AspectTrend(r["key"], r["name"], r["order"], r["mean"], r["previous_mean"], r["delta"],
                                 r["arrow"], r["priority"], r["previous_priority"]) for r in aspects["rows"]]
        aspects["rows"] = [by_key[t.key] for t in sc.sort_by_improvement(trends)]
    return {
        "title": "Scorecard Pimpinan - Monev SP4N-LAPOR! Pemerintah Kabupaten Blitar",
        "year": year,
        "previous_year": year - 1,
        "generated_at": datetime.now(WIB).strftime("%d-%m-%Y %H:%M WIB"),
        "generated_by": actor.full_name or actor.username,
        "aspects": aspects,
        "renaksi": _safe("renaksi", _renaksi, actor, year),
        "ranking": _safe("ranking", _ranking, actor, year),
        "tabel6": _safe("tabel6", _tabel6, actor),
        "trend": _safe("trend", _trend, year),
    }


# --- the one-page PDF ----------------------------------------------------------------------------------

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


def _delta(x: Optional[float]) -> str:
    return "-" if x is None else ("+" if x > 0 else "") + fmt_num(x)


def pdf(data: dict[str, Any]) -> bytes:
    """A4, one page, the same numbers as the screen. DejaVu Sans when installed (arrows ▲▼▶), else the
    core Helvetica font with the arrows in words."""
    from fpdf import FPDF

    doc = FPDF(orientation="P", unit="mm", format="A4")
    doc.set_auto_page_break(False)
    doc.set_margins(10, 10, 10)
    doc.add_page()
    unicode = (FONT_DIR / "DejaVuSans.ttf").exists() and (FONT_DIR / "DejaVuSans-Bold.ttf").exists()
    if unicode:
        doc.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
        doc.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        family = "DejaVu"
    else:
        family = "Helvetica"

    def text(s: Any) -> str:
        s = "" if s is None else str(s)
        return s if unicode else s.encode("latin-1", "replace").decode("latin-1")

    def arrow(a: Optional[str]) -> str:
        return (a or "-") if unicode else sc.ASCII_ARROWS[a]

    bottom = 287.0

    def room(h: float) -> bool:
        return doc.get_y() + h <= bottom

    def heading(s: str) -> None:
        if not room(9):
            return
        doc.ln(1.5)
        doc.set_font(family, "B", 9)
        doc.cell(0, 5, text(s), new_x="LMARGIN", new_y="NEXT")
        doc.set_font(family, "", 7)

    def table(headers: list[str], widths: list[float], rows: list[list[Any]], max_rows: int) -> None:
        doc.set_font(family, "B", 7)
        if not room(4 * 2):
            return
        for h, w in zip(headers, widths):
            doc.cell(w, 4, text(h), border=1)
        doc.ln(4)
        doc.set_font(family, "", 7)
        shown = 0
        for r in rows[:max_rows]:
            if not room(4):
                break
            for v, w in zip(r, widths):
                s = text(v)
                while s and doc.get_string_width(s) > w - 1.5:
                    s = s[:-2] + "…" if unicode else s[:-2] + "."
                doc.cell(w, 4, s, border=1)
            doc.ln(4)
            shown += 1
        if len(rows) > shown and room(4):
            doc.cell(0, 4, text(f"... dan {len(rows) - shown} baris lain (lihat portal)."), new_x="LMARGIN", new_y="NEXT")

    def message(section: dict[str, Any]) -> None:
        if room(4):
            doc.set_font(family, "", 7)
            doc.cell(0, 4, text(section["message"]), new_x="LMARGIN", new_y="NEXT")

    doc.set_font(family, "B", 12)
    doc.cell(0, 6, text(data["title"]), new_x="LMARGIN", new_y="NEXT")
    doc.set_font(family, "", 8)
    doc.cell(0, 4, text(f"Tahun {data['year']} dibanding {data['previous_year']}. Dicetak {data['generated_at']} "
                        f"oleh {data['generated_by']}."), new_x="LMARGIN", new_y="NEXT")

    a = data["aspects"]
    heading(f"1. Nilai aspek asesmen mandiri {data['year']} vs {data['previous_year']}")
    if a["available"]:
        if room(4):
            doc.cell(0, 4, text(f"{a['unit']} - status {a['state']}, {a['answered']}/{a['total']} terisi. "
                                f"Membaik {a['summary']['improved']}, menurun {a['summary']['declined']}, "
                                f"tetap {a['summary']['same']}." + (f" {a['note']}" if a.get("note") else "")),
                     new_x="LMARGIN", new_y="NEXT")
        table(["Aspek", str(data["previous_year"]), str(data["year"]), "Selisih", "Tren", "Prioritas"],
              [84, 18, 18, 18, 24, 28],
              [[r["name"], fmt_num(r["previous_mean"]), fmt_num(r["mean"]), _delta(r["delta"]),
                f"{arrow(r['arrow'])} {r['trend']}" if unicode else arrow(r["arrow"]),
                f"{r['previous_priority'] or '-'} -> {r['priority'] or '-'}"] for r in a["rows"]], 12)
    else:
        message(a)

    r = data["renaksi"]
    heading(f"2. Kemajuan rencana aksi per kelompok program, tahun {data['year']}")
    if r["available"]:
        if r["per_kp"]:
            table(["KP", "Kelompok program", "Butir", "Selesai", "Berjalan", "Belum", "Terlambat", "% selesai"],
                  [14, 84, 14, 14, 16, 14, 16, 18],
                  [[k["kp"], k["title"], k["units"], k["selesai"], k["berjalan"], k["belum"], k["late"],
                    fmt_num(k["pct_done"], 1)] for k in r["per_kp"]], 6)
        else:
            message({"message": r["per_kp_message"]})
        if room(5):
            doc.set_font(family, "B", 7)
            doc.cell(0, 4, text(f"Butir terlambat: {len(r['late'])}"), new_x="LMARGIN", new_y="NEXT")
        if r["late"]:
            table(["Kode", "Uraian", "Tahun terlambat"], [18, 142, 30],
                  [[x["code"], x["title"], x["years"]] for x in r["late"]], 6)
    else:
        message(r)

    k = data["ranking"]
    heading(f"3. Reward dan punishment OPD (peringkat LAPOR! {data['year']})"
            + (" - DATA SINTETIS (demo)" if k.get("synthetic") else ""))
    if k["available"]:
        y0 = doc.get_y()
        table(["Reward: unit", "Skor"], [75, 18], [[x["unit"], fmt_num(x["score"])] for x in k["rewards"]] or
              [["(tidak ada)", ""]], 6)
        y1 = doc.get_y()
        doc.set_xy(107, y0)
        doc.set_font(family, "B", 7)
        doc.cell(75, 4, text("Punishment: unit"), border=1)
        doc.cell(18, 4, text("Terlambat"), border=1)
        doc.set_font(family, "", 7)
        for i, x in enumerate((k["punishments"] or [{"unit": "(tidak ada)", "overdue": ""}])[:6]):
            doc.set_xy(107, y0 + 4 * (i + 1))
            doc.cell(75, 4, text(x["unit"])[:48], border=1)
            doc.cell(18, 4, text(x["overdue"]), border=1)
        doc.set_xy(10, max(y1, y0 + 4 * (min(6, max(1, len(k["punishments"]))) + 1)))
    else:
        message(k)

    t = data["tabel6"]
    heading("4. Target sasaran strategis (Tabel 6) dan capaian")
    if t["available"]:
        table(["Indikator", "Tahun", "Target", "Capaian", "Status"], [80, 14, 18, 18, 60],
              [[x["name"], x["year"], fmt_num(x["target"], 0), fmt_num(x["actual"], 1), x["status"]] for x in t["rows"]], 10)
    else:
        message(t)

    m = data["trend"]
    heading(f"5. Tren bulanan pengaduan {data['year']}" + (" - DATA SINTETIS (demo)" if m.get("synthetic") else ""))
    if m["available"]:
        table(["Bulan", "Diterima", "% ditindaklanjuti", "% selesai"], [50, 25, 35, 30],
              [[x["month"], x["received"], fmt_num(x["followed_up_pct"], 1), fmt_num(x["resolved_pct"], 1)]
               for x in m["rows"]], 12)
    else:
        message(m)
    return bytes(doc.output())
