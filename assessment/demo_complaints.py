"""Synthetic SP4N-LAPOR! exports for the demo (`manage.py seed-demo`) and the benchmark (bench/).

Deterministic (seeded numpy RNG) and vectorised, so a million rows take seconds. Everything it makes
is obviously synthetic: reporters are "Pelapor Sintetis 000123", texts say "teks sintetis (demo)",
the metadata block's Judul Laporan and the snapshot label say "DATA SINTETIS (demo)", and Tracking
IDs start at 9 000 000 (real-looking exports in the tests use 50xxxxx and 70xxxxx).

The simulation, per report: a report date (weekday-weighted, over the period), a verification delay
(0-5 working days) to its disposition, a follow-up delay that depends on the unit's diligence (good
units 0-4 working days, weak ones up to 15, a few reports never followed up), a completion delay,
a few archived or put on hold, and a rating for part of the finished ones. The status in each
snapshot follows from those dates, so successive snapshots give a real status history. About a
third of the reports carry the dates operators recorded (Tanggal Disposisi / Tindak Lanjut /
Selesai) so the median time to follow-up has data.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Sequence

import numpy as np

from .datafiles import load_yaml

LABEL = "DATA SINTETIS (demo)"
DEMO_SNAPSHOTS = (date(2026, 10, 30), date(2026, 11, 27))
DEMO_START = date(2025, 1, 1)
DEMO_REPORTS = 2600  # about 1 300 a year over 70 units
TRACKING_BASE = 9_000_000

HEADER = [
    "Tracking ID", "Tanggal Laporan Masuk", "Waktu Laporan Masuk", "Nama Pelapor", "Klasifikasi Laporan",
    "ID Kategori", "Kategori", "Judul Laporan", "Isi Laporan Awal", "Isi Laporan Akhir",
    "Tipe Laporan (Anonim/Rahasia)", "Sumber Laporan", "Instansi Induk", "ID Instansi Terdisposisi",
    "Instansi Terdisposisi", "Status Laporan", "Alasan Tunda/Arsip", "Provinsi", "Kota/Kabupaten", "Kecamatan",
    "Kelurahan", "Nomor SK", "Url SK", "Url Dokumen Laporan Tahunan",
    "Laporan yang Masuk melalui Kanal Aduan Setwapres", "Rating",
]
OPERATOR_HEADER = ["Tanggal Disposisi", "Tanggal Tindak Lanjut", "Tanggal Selesai"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]
KLAS = np.array(["Pengaduan Tidak Berkadar Pengawasan", "Aspirasi", "Permintaan Informasi",
                 "Pengaduan Berkadar Pengawasan"], dtype=object)
KLAS_P = [0.45, 0.3, 0.2, 0.05]
KATEGORI = np.array(["Infrastruktur", "Administrasi Kependudukan", "Kesehatan", "Pendidikan", "Sosial",
                     "Lingkungan Hidup", "Perhubungan", "Ketenteraman dan Ketertiban", "Ekonomi", "Pertanian"],
                    dtype=object)
SUMBER = np.array(["Website", "Android", "iOS", "SMS 1708", "Twitter", "Instagram"], dtype=object)
KECAMATAN = np.array(["Bakung", "Binangun", "Doko", "Gandusari", "Garum", "Kademangan", "Kanigoro", "Kesamben",
                      "Nglegok", "Panggungrejo", "Ponggok", "Sanankulon", "Selopuro", "Selorejo", "Srengat",
                      "Sutojayan", "Talun", "Udanawu", "Wates", "Wlingi", "Wonodadi", "Wonotirto"], dtype=object)
# Busy units get more reports (relative weights; the rest get 1).
BUSY = {"Dinas Pekerjaan Umum dan Penataan Ruang": 9, "Dinas Kependudukan dan Pencatatan Sipil": 8,
        "Dinas Kesehatan": 6, "Dinas Pendidikan": 6, "Dinas Sosial": 5, "Dinas Perhubungan": 4,
        "Dinas Lingkungan Hidup": 4, "Satpol PP": 3, "RSUD Ngudi Waluyo Wlingi": 3, "DPMPTSP": 3,
        "Dinas Komunikasi dan Informatika": 2, "Kecamatan Kanigoro": 2, "Kecamatan Wlingi": 2, "Kecamatan Srengat": 2}
# Some units appear in the export under another name (their alias in data/units.yaml).
EXPORT_NAME = {"Dinas Pekerjaan Umum dan Penataan Ruang": "Dinas PUPR",
               "Dinas Kependudukan dan Pencatatan Sipil": "Disdukcapil", "Sekretariat Daerah": "Setda"}
EXTRA_UNITS = [f"UPT Sintetis {i:02d} (demo)" for i in range(1, 15)]


@dataclass(frozen=True)
class DemoUnit:
    name: str  # as the export writes it
    weight: float
    diligence: float  # 0 (weak) .. 1 (good)


def demo_units(seed: int = 7) -> list[DemoUnit]:
    """The units of data/units.yaml (without the pemda itself) plus EXTRA_UNITS, with a deterministic
    diligence each."""
    data = load_yaml("units.yaml") or {}
    names = [u["name"] for u in data.get("units", []) if u.get("kind") != "instansi"] + EXTRA_UNITS
    rng = np.random.default_rng(seed)
    dil = rng.beta(4, 1.6, len(names))
    return [DemoUnit(EXPORT_NAME.get(n, n), float(BUSY.get(n, 1)), float(d)) for n, d in zip(names, dil)]


def _busday(days: np.ndarray, offsets: np.ndarray, cal: np.busdaycalendar) -> np.ndarray:
    return np.busday_offset(days, offsets, roll="forward", busdaycal=cal)


def _s(values) -> "pa.Array":
    import pyarrow as pa

    return values if isinstance(values, (pa.Array, pa.ChunkedArray)) else pa.array(values, type=pa.string())


def _num(values) -> "pa.Array":
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.cast(pa.array(values), pa.string())


def _fmt_lapor(d: np.ndarray):
    """datetime64[D] -> '3 Jan 2026' (Indonesian abbreviations, as the export writes), '' for NaT."""
    import pyarrow as pa
    import pyarrow.compute as pc

    ok = ~np.isnat(d)
    safe = np.where(ok, d, np.datetime64("2000-01-01"))
    y = safe.astype("datetime64[Y]").astype(int) + 1970
    m = safe.astype("datetime64[M]").astype(int) % 12
    day = (safe - safe.astype("datetime64[M]")).astype(int) + 1
    mon = pa.array(np.array(MONTHS, dtype=object)[m], type=pa.string())
    out = pc.binary_join_element_wise(_num(day), mon, _num(y), " ")
    return pc.if_else(pa.array(ok), out, "")


def _iso(d: np.ndarray):
    import pyarrow as pa
    import pyarrow.compute as pc

    ok = ~np.isnat(d)
    txt = pa.array(np.datetime_as_string(d, unit="D"), type=pa.string())
    return pc.if_else(pa.array(ok), txt, "")


def _where(mask: np.ndarray, a, b):
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.if_else(pa.array(mask), _s(a) if not isinstance(a, str) else a, _s(b) if not isinstance(b, str) else b)


@dataclass
class Simulation:
    """The hidden truth: per report its dates; `export(snapshot)` renders what LAPOR! would show."""

    data: dict
    units: list[DemoUnit]

    def export(self, snapshot: date, operator_dates: bool = True, iso_dates: bool = False):
        """The export at `snapshot` as a pyarrow Table with the LAPOR! headers."""
        import pyarrow as pa
        import pyarrow.compute as pc

        s = np.datetime64(snapshot, "D")
        known = self.data["report_date"] <= s
        f = {k: v[known] for k, v in self.data.items()}
        rep, disp, fu, done, fate = f["report_date"], f["disposition"], f["follow_up"], f["completion"], f["fate"]
        n = len(rep)
        status = np.full(n, "Belum Terverifikasi", dtype=object)
        disposed = ~np.isnat(disp) & (disp <= s)
        status[disposed] = np.where(f["verified_label"][disposed], "Terverifikasi", "Terdisposisi Belum Ditindaklanjuti")
        fued = disposed & ~np.isnat(fu) & (fu <= s)
        status[fued] = np.where(f["answered"][fued], "Ditanggapi oleh Pelapor", "Terdisposisi Sedang Diproses")
        fin = fued & ~np.isnat(done) & (done <= s)
        status[fin] = np.array(["Terdisposisi Selesai", "Ditutup oleh Sistem", "Ditutup oleh Admin"],
                               dtype=object)[f["closer"][fin]]
        arch = (fate == 1) & disposed
        status[arch] = np.where(f["closer"][arch] == 1, "Diarsipkan oleh Sistem", "Diarsipkan oleh Admin")
        hold = (fate == 2) & disposed & ~fued
        status[hold] = "Laporan Tertunda"
        reason = np.full(n, "", dtype=object)
        reason[arch] = "Alasan sintetis (demo): masukan terlalu umum"
        reason[hold] = "Alasan sintetis (demo): data pendukung belum lengkap"
        fmt = _iso if iso_dates else _fmt_lapor
        const = lambda v: pa.array(np.full(n, v, dtype=object), type=pa.string())  # noqa: E731
        cols = {
            "Tracking ID": _num(f["tracking_id"]),
            "Tanggal Laporan Masuk": fmt(rep),
            "Waktu Laporan Masuk": _s(f["time"]),
            "Nama Pelapor": _s(f["reporter"]),
            "Klasifikasi Laporan": _s(f["klas"]),
            "ID Kategori": _num(f["kategori_id"]),
            "Kategori": _s(f["kategori"]),
            "Judul Laporan": _s(f["title"]),
            "Isi Laporan Awal": _s(f["body"]),
            "Isi Laporan Akhir": _where(fin, "Tanggapan sintetis (demo): laporan telah ditindaklanjuti.", ""),
            "Tipe Laporan (Anonim/Rahasia)": _s(f["tipe"]),
            "Sumber Laporan": _s(f["sumber"]),
            "Instansi Induk": const("Pemerintah Kabupaten Blitar"),
            "ID Instansi Terdisposisi": _where(disposed, _num(f["instansi_id"]), ""),
            "Instansi Terdisposisi": _where(disposed, _s(f["instansi"]), ""),
            "Status Laporan": _s(status),
            "Alasan Tunda/Arsip": _s(reason),
            "Provinsi": const("Jawa Timur"),
            "Kota/Kabupaten": const("Kabupaten Blitar"),
            "Kecamatan": _s(f["kecamatan"]),
            "Kelurahan": const(""),
            "Nomor SK": const(""),
            "Url SK": const(""),
            "Url Dokumen Laporan Tahunan": const(""),
            "Laporan yang Masuk melalui Kanal Aduan Setwapres": const("Tidak"),
            "Rating": _where(fin & f["rated"], _num(f["rating"]), ""),
        }
        if operator_dates:
            rec = f["recorded"]
            cols["Tanggal Disposisi"] = _where(rec & disposed, _iso(disp), "")
            cols["Tanggal Tindak Lanjut"] = _where(rec & fued, _iso(fu), "")
            cols["Tanggal Selesai"] = _where(rec & fin, _iso(done), "")
        return pa.table(cols)


def simulate(n_reports: int = DEMO_REPORTS, seed: int = 20261127, start: date = DEMO_START,
             end: date = DEMO_SNAPSHOTS[-1], units: Sequence[DemoUnit] | None = None) -> Simulation:
    import pyarrow as pa
    import pyarrow.compute as pc

    from scoring.workdays import WorkCalendar

    rng = np.random.default_rng(seed)
    units = list(units or demo_units())
    cal = WorkCalendar.for_dates((), np.array([start, end], dtype="datetime64[D]"))._cal
    w = np.array([u.weight for u in units])
    ui = rng.choice(len(units), size=n_reports, p=w / w.sum())
    dil = np.array([u.diligence for u in units])[ui]
    span = (np.datetime64(end, "D") - np.datetime64(start, "D")).astype(int) + 1
    rep = np.datetime64(start, "D") + rng.integers(0, span, n_reports)
    weekend = ~np.is_busday(rep, busdaycal=np.busdaycalendar(weekmask="1111100"))
    rep = np.where(weekend & (rng.random(n_reports) < 0.6), rep - 2, rep)  # fewer weekend reports
    rep = np.maximum(rep, np.datetime64(start, "D"))
    v = rng.geometric(0.45, n_reports) - 1
    disp = _busday(rep, np.minimum(v, 5), cal)
    fdelay = np.where(rng.random(n_reports) < dil, rng.integers(0, 5, n_reports), rng.integers(3, 16, n_reports))
    fu = _busday(disp, fdelay, cal)
    never = rng.random(n_reports) < (0.05 * (1 - dil))
    fu = np.where(never, np.datetime64("NaT"), fu)
    cdelay = rng.integers(1, 25, n_reports)
    done = np.where(np.isnat(fu), np.datetime64("NaT"), _busday(np.where(np.isnat(fu), rep, fu), cdelay, cal))
    fate = rng.choice(3, size=n_reports, p=[0.93, 0.05, 0.02])  # 0 normal, 1 archived, 2 on hold
    tid = TRACKING_BASE + np.arange(n_reports)
    tipe = rng.choice(np.array(["Biasa", "Anonim", "Rahasia"], dtype=object), size=n_reports, p=[0.75, 0.15, 0.10])
    tid_s = _num(tid)
    reporter = pc.binary_join_element_wise("Pelapor Sintetis", pc.utf8_lpad(_num(tid % 1_000_000), 6, "0"), " ")
    reporter = pc.if_else(pa.array(tipe == "Anonim"), "Anonim", reporter)
    kat_i = rng.integers(0, len(KATEGORI), n_reports)
    kat = KATEGORI[kat_i]
    title = pc.binary_join_element_wise("Laporan sintetis (demo)", pc.binary_join_element_wise(tid_s, _s(kat), ": "), " ")
    body = pc.binary_join_element_wise("Teks sintetis (demo), bukan laporan sebenarnya, nomor", tid_s, " ")
    minutes = rng.integers(0, 24 * 60, n_reports)
    time_ = pc.binary_join_element_wise(pc.utf8_lpad(_num(minutes // 60), 2, "0"),
                                        pc.utf8_lpad(_num(minutes % 60), 2, "0"), ":")
    rating = np.clip(np.round(rng.normal(2.2 + 2.6 * dil, 0.8)), 1, 5).astype(int)
    data = {
        "tracking_id": tid, "report_date": rep, "disposition": disp, "follow_up": fu, "completion": done,
        "fate": fate, "instansi": np.array([u.name for u in units], dtype=object)[ui], "instansi_id": 100 + ui,
        "klas": rng.choice(KLAS, size=n_reports, p=KLAS_P), "kategori": kat, "kategori_id": 300 + kat_i,
        "tipe": tipe, "reporter": reporter, "title": title, "body": body, "time": time_,
        "sumber": rng.choice(SUMBER, size=n_reports), "kecamatan": rng.choice(KECAMATAN, size=n_reports),
        "verified_label": rng.random(n_reports) < 0.3, "answered": rng.random(n_reports) < 0.15,
        "closer": rng.choice(3, size=n_reports, p=[0.7, 0.2, 0.1]), "rated": rng.random(n_reports) < 0.55,
        "rating": rating, "recorded": rng.random(n_reports) < 0.35,
    }
    data = {k: (v.to_numpy(zero_copy_only=False) if isinstance(v, (pa.Array, pa.ChunkedArray)) else v)
            for k, v in data.items()}
    return Simulation(data, units)


def to_csv_bytes(export, generated: date, delimiter: str = ";", label: str = LABEL) -> bytes:
    """The export (pyarrow Table) as a CSV copy in the real layout: metadata block, empty row, header, rows."""
    import pyarrow.csv as pacsv

    width = export.num_columns
    pad = delimiter * (width - 2)
    head = (f"Judul Laporan{delimiter}{label} - Rekapitulasi Laporan SP4N-LAPOR!{pad}\r\n"
            f"Nama Instansi{delimiter}Pemerintah Kabupaten Blitar{pad}\r\n"
            f"Tanggal Generate{delimiter}{generated.day} {MONTHS[generated.month - 1]} {generated.year}{pad}\r\n"
            + delimiter * (width - 1) + "\r\n")
    buf = io.BytesIO()
    buf.write(head.encode("utf-8"))
    pacsv.write_csv(export, buf, pacsv.WriteOptions(delimiter=delimiter, quoting_style="needed"))
    return buf.getvalue()


def demo_files(n_reports: int = DEMO_REPORTS, snapshots: Sequence[date] = DEMO_SNAPSHOTS) -> list[tuple[str, date, bytes]]:
    """(file name, snapshot date, CSV bytes) for each demo snapshot, oldest first."""
    sim = simulate(n_reports, end=snapshots[-1])
    return [(f"demo-lapor-{s.isoformat()}.csv", s, to_csv_bytes(sim.export(s), s)) for s in snapshots]
