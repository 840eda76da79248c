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
import pandas as pd

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


def _fmt_lapor(d: np.ndarray) -> np.ndarray:
    """datetime64[D] -> '3 Jan 2026' (Indonesian abbreviations, as the export writes), '' for NaT."""
    out = np.full(d.shape, "", dtype=object)
    ok = ~np.isnat(d)
    if ok.any():
        y = d[ok].astype("datetime64[Y]").astype(int) + 1970
        m = d[ok].astype("datetime64[M]").astype(int) % 12
        day = (d[ok] - d[ok].astype("datetime64[M]")).astype(int) + 1
        mon = np.array(MONTHS, dtype=object)[m]
        out[ok] = pd.Series(day.astype(str)).str.cat([pd.Series(mon), pd.Series(y.astype(str))], sep=" ").to_numpy()
    return out


def _iso(d: np.ndarray) -> np.ndarray:
    out = np.datetime_as_string(d, unit="D").astype(object)
    out[np.isnat(d)] = ""
    return out


@dataclass
class Simulation:
    """The hidden truth: per report its dates; `export(snapshot)` renders what LAPOR! would show."""

    frame: pd.DataFrame
    units: list[DemoUnit]

    def export(self, snapshot: date, operator_dates: bool = True, iso_dates: bool = False) -> pd.DataFrame:
        f = self.frame
        s = np.datetime64(snapshot, "D")
        rep = f["report_date"].to_numpy().astype("datetime64[D]")
        known = rep <= s
        f = f[known]
        rep = rep[known]
        disp = f["disposition"].to_numpy().astype("datetime64[D]")
        fu = f["follow_up"].to_numpy().astype("datetime64[D]")
        done = f["completion"].to_numpy().astype("datetime64[D]")
        fate = f["fate"].to_numpy()
        n = len(f)
        status = np.full(n, "Belum Terverifikasi", dtype=object)
        disposed = ~np.isnat(disp) & (disp <= s)
        status[disposed] = np.where(f["verified_label"].to_numpy()[disposed], "Terverifikasi",
                                    "Terdisposisi Belum Ditindaklanjuti")
        fued = disposed & ~np.isnat(fu) & (fu <= s)
        status[fued] = np.where(f["answered"].to_numpy()[fued], "Ditanggapi oleh Pelapor", "Terdisposisi Sedang Diproses")
        fin = fued & ~np.isnat(done) & (done <= s)
        closer = f["closer"].to_numpy()[fin]
        status[fin] = np.array(["Terdisposisi Selesai", "Ditutup oleh Sistem", "Ditutup oleh Admin"], dtype=object)[closer]
        arch = (fate == 1) & disposed
        status[arch] = np.where(f["closer"].to_numpy()[arch] == 1, "Diarsipkan oleh Sistem", "Diarsipkan oleh Admin")
        hold = (fate == 2) & disposed & ~fued
        status[hold] = "Laporan Tertunda"
        reason = np.full(n, "", dtype=object)
        reason[arch] = "Alasan sintetis (demo): masukan terlalu umum"
        reason[hold] = "Alasan sintetis (demo): data pendukung belum lengkap"
        inst = np.where(disposed, f["instansi"].to_numpy(), "")
        inst_id = np.where(disposed, f["instansi_id"].astype(str).to_numpy(), "")
        rating = np.where(fin & f["rated"].to_numpy(), f["rating"].astype(str).to_numpy(), "")
        tid = f["tracking_id"].to_numpy()
        names = f["reporter"].to_numpy()
        body_final = np.where(fin, "Tanggapan sintetis (demo): laporan telah ditindaklanjuti.", "")
        fmt = _iso if iso_dates else _fmt_lapor
        out = pd.DataFrame({
            "Tracking ID": tid.astype(str),
            "Tanggal Laporan Masuk": fmt(rep),
            "Waktu Laporan Masuk": f["time"].to_numpy(),
            "Nama Pelapor": names,
            "Klasifikasi Laporan": f["klas"].to_numpy(),
            "ID Kategori": f["kategori_id"].astype(str).to_numpy(),
            "Kategori": f["kategori"].to_numpy(),
            "Judul Laporan": f["title"].to_numpy(),
            "Isi Laporan Awal": f["body"].to_numpy(),
            "Isi Laporan Akhir": body_final,
            "Tipe Laporan (Anonim/Rahasia)": f["tipe"].to_numpy(),
            "Sumber Laporan": f["sumber"].to_numpy(),
            "Instansi Induk": "Pemerintah Kabupaten Blitar",
            "ID Instansi Terdisposisi": inst_id,
            "Instansi Terdisposisi": inst,
            "Status Laporan": status,
            "Alasan Tunda/Arsip": reason,
            "Provinsi": "Jawa Timur",
            "Kota/Kabupaten": "Kabupaten Blitar",
            "Kecamatan": f["kecamatan"].to_numpy(),
            "Kelurahan": "",
            "Nomor SK": "",
            "Url SK": "",
            "Url Dokumen Laporan Tahunan": "",
            "Laporan yang Masuk melalui Kanal Aduan Setwapres": "Tidak",
            "Rating": rating,
        })
        if operator_dates:
            rec = f["recorded"].to_numpy()
            out["Tanggal Disposisi"] = np.where(rec & disposed, _iso(disp), "")
            out["Tanggal Tindak Lanjut"] = np.where(rec & fued, _iso(fu), "")
            out["Tanggal Selesai"] = np.where(rec & fin, _iso(done), "")
        return out


def simulate(n_reports: int = DEMO_REPORTS, seed: int = 20261127, start: date = DEMO_START,
             end: date = DEMO_SNAPSHOTS[-1], units: Sequence[DemoUnit] | None = None) -> Simulation:
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
    reporter = pd.Series(tid % 1_000_000).map("Pelapor Sintetis {:06d}".format).to_numpy(dtype=object)
    reporter = np.where(tipe == "Anonim", "Anonim", reporter)
    kat_i = rng.integers(0, len(KATEGORI), n_reports)
    kat = KATEGORI[kat_i]
    ts = pd.Series(tid.astype(str))
    title = ("Laporan sintetis (demo) " + ts + ": " + pd.Series(kat)).to_numpy(dtype=object)
    body = ("Teks sintetis (demo), bukan laporan sebenarnya, nomor " + ts + ".").to_numpy(dtype=object)
    minutes = rng.integers(0, 24 * 60, n_reports)
    time_ = pd.Series(minutes // 60).map("{:02d}".format).str.cat(pd.Series(minutes % 60).map("{:02d}".format),
                                                                    sep=":").to_numpy(dtype=object)
    rating = np.clip(np.round(rng.normal(2.2 + 2.6 * dil, 0.8)), 1, 5).astype(int)
    frame = pd.DataFrame({
        "tracking_id": tid, "report_date": rep, "disposition": disp, "follow_up": fu, "completion": done,
        "fate": fate, "instansi": np.array([u.name for u in units], dtype=object)[ui], "instansi_id": 100 + ui,
        "klas": rng.choice(KLAS, size=n_reports, p=KLAS_P), "kategori": kat, "kategori_id": 300 + kat_i,
        "tipe": tipe, "reporter": reporter, "title": title, "body": body, "time": time_,
        "sumber": rng.choice(SUMBER, size=n_reports), "kecamatan": rng.choice(KECAMATAN, size=n_reports),
        "verified_label": rng.random(n_reports) < 0.3, "answered": rng.random(n_reports) < 0.15,
        "closer": rng.choice(3, size=n_reports, p=[0.7, 0.2, 0.1]), "rated": rng.random(n_reports) < 0.55,
        "rating": rating, "recorded": rng.random(n_reports) < 0.35,
    })
    return Simulation(frame, units)


def to_csv_bytes(export: pd.DataFrame, generated: date, delimiter: str = ";", label: str = LABEL) -> bytes:
    """The export as a CSV copy in the real layout: metadata block, empty row, header, rows."""
    buf = io.StringIO()
    width = export.shape[1]
    pad = delimiter * (width - 2)
    buf.write(f"Judul Laporan{delimiter}{label} - Rekapitulasi Laporan SP4N-LAPOR!{pad}\r\n")
    buf.write(f"Nama Instansi{delimiter}Pemerintah Kabupaten Blitar{pad}\r\n")
    buf.write(f"Tanggal Generate{delimiter}{generated.day} {MONTHS[generated.month - 1]} {generated.year}{pad}\r\n")
    buf.write(delimiter * (width - 1) + "\r\n")
    export.to_csv(buf, sep=delimiter, index=False, lineterminator="\r\n")
    return buf.getvalue().encode("utf-8")


def demo_files(n_reports: int = DEMO_REPORTS, snapshots: Sequence[date] = DEMO_SNAPSHOTS) -> list[tuple[str, date, bytes]]:
    """(file name, snapshot date, CSV bytes) for each demo snapshot, oldest first."""
    sim = simulate(n_reports, end=snapshots[-1])
    return [(f"demo-lapor-{s.isoformat()}.csv", s, to_csv_bytes(sim.export(s), s)) for s in snapshots]
