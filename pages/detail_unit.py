"""Detail Unit: one unit's reports, its overdue list, its monthly trend and its score explained."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from assessment import complaints as svc, lapor_file, units as units_svc
from assessment.errors import DomainError
from pages import lapor_charts as charts, ui
from scoring import ranking as rk
from scoring.formatting import fmt_num


def fmt_int(n) -> str:
    return f"{int(n):,}".replace(",", ".")

actor = ui.require_actor()
ui.header(
    "Detail Unit",
    "Laporan SP4N-LAPOR! satu unit: daftar laporan dan statusnya pada snapshot, laporan yang terlambat "
    "ditindaklanjuti, tren per bulan, dan penjelasan skornya baris demi baris. Nama pelapor dan isi laporan hanya "
    "tampil bagi yang berwenang; nama pelapor Anonim tidak pernah tampil, dan isi laporan Rahasia tidak ditampilkan.",
)
years = svc.years_available()
if not years:
    st.info("Belum ada data LAPOR! yang diimpor.")
    st.stop()
all_units = [u for u in units_svc.list_units() if u.kind != "instansi"]
if actor.role == "operator_opd":
    all_units = [u for u in all_units if u.id == actor.unit_id]
if not all_units:
    st.info("Belum ada unit yang dapat Anda lihat.")
    st.stop()
ids = [u.id for u in all_units]
names = {u.id: u.name for u in all_units}
if st.session_state.get("detail_unit") not in ids:
    st.session_state["detail_unit"] = ids[0]
if st.session_state.get("detail_year") not in years:
    st.session_state["detail_year"] = years[0]
c1, c2, c3 = st.columns([3, 1, 2])
unit_id = c1.selectbox("Unit", ids, format_func=names.get, key="detail_unit")
year = c2.selectbox("Tahun laporan", years, key="detail_year")
snaps = list(dict.fromkeys(s.snapshot_date for s in svc.list_snapshots(actor)))
snap_date = c3.selectbox("Snapshot", snaps, format_func=lapor_file.fmt_date, key="detail_snap")
try:
    d = svc.unit_detail(actor, unit_id, year, snap_date)
except DomainError as exc:
    ui.show_error(exc)
    st.stop()
if d.synthetic:
    st.warning(f"{svc.SYNTHETIC_LABEL}: data ini (seluruhnya atau sebagian) buatan mesin, bukan laporan sebenarnya.")
if d.snapshot:
    st.caption(d.snapshot.caption)

r = d.row
if r:
    m = st.columns(6)
    m[0].metric("Diterima", fmt_int(r["received"]))
    pct = lambda k: ui.fmt_pct(None if pd.isna(r[k]) else float(r[k]))  # noqa: E731
    m[1].metric("% ditindaklanjuti", pct("followed_up_pct"))
    m[2].metric("% tepat waktu", pct("on_time_pct"))
    m[3].metric("% selesai", pct("resolved_pct"))
    m[4].metric("Terlambat", fmt_int(r["overdue"]))
    m[5].metric("Skor", "-" if pd.isna(r["score"]) else ui.fmt_num(r["score"]))
st.subheader("Penjelasan skor")
for line in d.explanation:
    st.markdown("- " + ui.escape_md(line))

st.subheader("Laporan terlambat tindak lanjut")
if d.overdue.empty:
    st.success("Tidak ada laporan yang terlambat pada snapshot ini.")
else:
    od = pd.DataFrame({"Tracking ID": d.overdue["tracking_id"],
                       "Tanggal laporan": [lapor_file.fmt_date(x) for x in d.overdue["report_date"]],
                       "Hari kerja menunggu": d.overdue["days_waiting"].astype(int),
                       "Batas": d.overdue["limit"].astype(int), "Lewat (hari kerja)": d.overdue["days_over"].astype(int)})
    st.dataframe(od, hide_index=True, width="stretch")
    snap_name = d.snapshot.snapshot_date.isoformat() if d.snapshot else "tanpa-snapshot"
    st.download_button("Unduh daftar terlambat (CSV)", svc.table_bytes(od, "csv", "Terlambat"),
                       f"terlambat-{unit_id}-{year}-snapshot-{snap_name}.csv", mime="text/csv", key="dl_overdue")
    st.caption(svc.CSV_NOTE)

if not d.trend.empty:
    st.altair_chart(charts.monthly_lines(d.trend, {"received": "Diterima", "followed_up": "Ditindaklanjuti",
                                                   "overdue": "Terlambat"}), width="stretch")

st.subheader("Laporan")
if d.reports.empty:
    st.info(f"Belum ada laporan tahun {year} untuk unit ini.")
else:
    rep = d.reports
    table = pd.DataFrame({
        "Tracking ID": rep["tracking_id"], "Tanggal laporan": [lapor_file.fmt_date(x) for x in rep["report_date"]],
        "Klasifikasi": rep["classification"], "Kategori": rep["category"], "Tipe": rep["report_type"],
        "Status LAPOR!": rep["status_raw"], "Status": rep["state"].map(rk.STATE_LABELS),
        "Terlambat": rep["overdue"].map({True: "ya", False: ""}),
        "Rating": [fmt_num(None if pd.isna(v) else float(v), 0) for v in rep["rating"]],
    })
    if d.personal_visible:
        table["Nama pelapor"] = rep["reporter_name"]
        table["Judul"] = rep["title"]
        table["Isi laporan awal"] = rep["body_initial"]
    st.dataframe(table, hide_index=True, width="stretch")
    if not d.personal_visible:
        st.caption("Nama pelapor dan isi laporan tidak ditampilkan untuk peran Anda.")
