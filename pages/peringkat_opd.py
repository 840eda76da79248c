"""Peringkat OPD: the ranking of complaint handling, the reward list (rencana aksi I.3.3) and the
punishment list (I.3.4), with charts and downloads. Numbers come from scoring/ranking.py."""
from __future__ import annotations


import pandas as pd
import streamlit as st

from assessment import complaints as svc, lapor_file
from pages import lapor_charts as charts, ui
from scoring import ranking as rk
from scoring.formatting import fmt_num

actor = ui.require_actor()
ui.header(
    "Peringkat OPD",
    "Peringkat penanganan pengaduan SP4N-LAPOR! per unit untuk reward (rencana aksi I.3.3: unit yang memenuhi "
    "standar minimal) dan punishment (I.3.4: unit yang membiarkan laporan melewati batas waktu tindak lanjut). "
    "Laporan dihitung menurut tahun Tanggal Laporan Masuk, dengan status pada tanggal snapshot yang dipilih.",
)
years = svc.years_available()
if not years:
    st.info("Belum ada data LAPOR! yang diimpor. Admin dapat mengimpor di halaman Impor Data LAPOR!.")
    st.stop()
snaps = svc.list_snapshots(actor)
c1, c2, c3, c4 = st.columns([1, 2, 1, 1])
year = c1.selectbox("Tahun laporan", years, key="rank_year")
snap_opts = [s.snapshot_date for s in snaps]
snap_date = c2.selectbox("Snapshot", list(dict.fromkeys(snap_opts)), format_func=lapor_file.fmt_date, key="rank_snap")
kind = c3.selectbox("Jenis unit", ["semua", "opd", "kecamatan"], format_func=lambda k: {
    "semua": "Semua", "opd": "OPD", "kecamatan": "Kecamatan"}[k], key="rank_kind")
only_assessed = c4.checkbox("Hanya yang dinilai", key="rank_assessed")

res = svc.ranking(year, snap_date, actor=actor)
if res is None:
    st.info("Belum ada snapshot pada atau sebelum tanggal itu.")
    st.stop()
if res.synthetic:
    st.warning(f"{svc.SYNTHETIC_LABEL}: data ini (seluruhnya atau sebagian) dibuat mesin untuk contoh, bukan "
               "laporan masyarakat yang sebenarnya.")
rules = res.rules
st.caption(f"{res.snapshot.caption}. Batas tindak lanjut {rules.follow_up_days} hari kerja sesudah disposisi "
           f"({rules.verification_days} + {rules.follow_up_days} dari laporan masuk bila tanggal disposisi tidak "
           f"diketahui); minimal {rules.min_reports} laporan wajib tindak lanjut untuk dinilai; aturan: {rules.version}.")

all_units = res.units
if kind != "semua":
    all_units = all_units[all_units["kind"] == kind]
# "Hanya yang dinilai" narrows the ranking table and the reward list; the punishment list keeps every unit
# with an overdue report (an unassessed unit can be on it)
units = all_units[all_units["assessed"]] if only_assessed else all_units


def _status(r) -> str:
    tags = []
    if r["reward"]:
        tags.append("Reward")
    if r["punishment"]:
        tags.append("Punishment")
    if not r["assessed"]:
        tags.append("Belum dapat dinilai")
    return ", ".join(tags) or "-"


def _num(values, decimals: int = 2) -> list[str]:
    return [fmt_num(None if pd.isna(v) else float(v), decimals) for v in values]


view = pd.DataFrame({
    "Peringkat": units["rank"].astype("Int64"), "Unit": units["unit"], "Skor": _num(units["score"]),
    "Status": [_status(r) for r in units.to_dict("records")],
    "Terlambat": units["overdue"].astype(int), "% tepat waktu": _num(units["on_time_pct"], 1),
    "% ditindaklanjuti": _num(units["followed_up_pct"], 1), "% selesai": _num(units["resolved_pct"], 1),
    "Diterima": units["received"].astype(int), "Wajib TL": units["assessable"].astype(int),
    "Median hari ke TL": _num(units["median_days_to_follow_up"], 1), "Rating": _num(units["rating"]),
})
st.dataframe(view, hide_index=True, width="stretch", column_config={
    "Peringkat": st.column_config.NumberColumn(format="%d", width="small"),
    "Unit": st.column_config.TextColumn(width="large"), "Status": st.column_config.TextColumn(width="medium")})
w = rules.weights
st.caption(f"Skor 0-100 = rata-rata berbobot: % tepat waktu x {w['on_time']:g}, % ditindaklanjuti x "
           f"{w['followed_up']:g}, % selesai x {w['resolved']:g}, rating (skala 0-100) x {w['rating']:g}; komponen "
           "yang tidak tersedia tidak dihitung dan bobotnya dibagi ke yang lain. Seri: laporan terlambat lebih "
           "sedikit, lalu % tepat waktu, % ditindaklanjuti, jumlah laporan; bila tetap sama, peringkat dibagi. "
           "Urutkan menurut skor dengan kolom Peringkat; '-' = tidak ada nilainya.")
ties = units[units["tie_note"].astype(bool)]
if len(ties):
    with st.expander(f"Penjelasan skor seri ({len(ties)} unit)"):
        for r in ties.to_dict("records"):
            st.markdown(f"- **{ui.escape_md(r['unit'])}**: {ui.escape_md(r['tie_note'])}")

KIND_LABEL = {"semua": "semua", "opd": "OPD", "kecamatan": "kecamatan"}
notes = [res.snapshot.caption, f"Tahun laporan {year}; aturan: {rules.version}",
         f"Filter: jenis unit {KIND_LABEL[kind]}{', hanya yang dinilai' if only_assessed else ''}", svc.CSV_NOTE]
if res.synthetic:
    notes.insert(0, svc.SYNTHETIC_LABEL)


def downloads(table: pd.DataFrame, title: str, key: str, assessed_filter: bool = True) -> None:
    frame = svc.export_frame(table)
    name = svc.download_name(key, year, res.snapshot.snapshot_date, kind, only_assessed and assessed_filter)
    these = notes if assessed_filter else [n.replace(", hanya yang dinilai", "") for n in notes]
    d1, d2 = st.columns(2)
    d1.download_button("Unduh Excel", svc.table_bytes(frame, "xlsx", title, these), f"{name}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key=f"dl_{key}_x")
    d2.download_button("Unduh CSV", svc.table_bytes(frame, "csv", title, these), f"{name}.csv",
                       mime="text/csv", key=f"dl_{key}_c")


downloads(units, f"Peringkat OPD {year}", "peringkat")
st.caption("Unduhan memuat baris yang sama persis dengan tabel di atas (filter yang sama). " + svc.CSV_NOTE)

st.subheader("Daftar reward (I.3.3)")
st.caption(f"Unit yang dinilai, tanpa laporan terlambat lebih dari {rules.reward_max_overdue}, dan tepat waktu minimal "
           f"{fmt_num(rules.reward_min_on_time_pct, 0)} %; urut menurut peringkat.")
rew = rk.reward_list(units)
if rew.empty:
    st.info("Belum ada unit yang memenuhi standar minimal.")
else:
    st.dataframe(pd.DataFrame({"Peringkat": rew["rank"].astype("Int64"), "Unit": rew["unit"], "Skor": _num(rew["score"]),
                               "% tepat waktu": _num(rew["on_time_pct"], 1)}), hide_index=True, width="stretch")
downloads(rew, f"Daftar reward {year}", "reward")

st.subheader("Daftar punishment (I.3.4)")
st.caption("Setiap unit dengan laporan yang masih menunggu tindak lanjut melewati batas waktu pada tanggal snapshot, "
           "urut menurut jumlahnya (lalu yang paling lama terlambat); termasuk unit yang belum dapat dinilai, "
           "juga bila 'Hanya yang dinilai' dicentang.")
pun = rk.punishment_list(all_units)
if pun.empty:
    st.success("Tidak ada laporan yang terlambat ditindaklanjuti.")
else:
    st.dataframe(pd.DataFrame({"No": pun["punishment_rank"].astype("Int64"), "Unit": pun["unit"],
                               "Terlambat": pun["overdue"].astype(int),
                               "Paling lama (hari kerja)": pun["overdue_max_days"].astype("Int64"),
                               "Tracking ID": [", ".join(x) for x in pun["overdue_ids"]]}),
                 hide_index=True, width="stretch")
downloads(pun, f"Daftar punishment {year}", "punishment", assessed_filter=False)

st.subheader("Grafik")
scored = units[units["assessed"]]
if len(scored):
    st.altair_chart(charts.unit_bars(scored["unit"], scored["score"].astype(float), "Skor", "Skor per unit",
                                     domain=[0, 100]), width="stretch")
trend = res.trend()
if len(trend):
    t = rk.trend_total(trend, None if kind == "semua" and not only_assessed else units["unit_id"].tolist())
    if len(t):
        st.altair_chart(charts.monthly_lines(t, {"received": "Laporan diterima", "overdue": "Terlambat (saat snapshot)"}),
                        width="stretch")
late = all_units[all_units["overdue"] > 0]
if len(late):
    st.altair_chart(charts.unit_bars(late["unit"], late["overdue"].astype(int), "Terlambat", "Laporan terlambat per unit",
                                     color="#c0392b", counts=True), width="stretch")

st.caption("Rincian per unit (laporan, daftar terlambat, penjelasan skor baris demi baris): halaman Detail Unit.")
pick = st.selectbox("Buka rincian unit", [None, *units["unit_id"].astype(int).tolist()],
                    format_func=lambda u: "- pilih -" if u is None else res.ranking.units.set_index("unit_id").loc[u, "unit"],
                    key="rank_pick")
if pick is not None:
    st.session_state["detail_unit"] = int(pick)
    st.session_state["detail_year"] = int(year)
    try:
        st.switch_page("pages/detail_unit.py")
    except Exception:  # noqa: BLE001 - run outside the app's navigation (tests): the choice is kept
        st.info("Buka halaman Detail Unit: unit ini sudah dipilih.")
