"""Peringkat OPD: the ranking of complaint handling, the reward list (rencana aksi I.3.3) and the
punishment list (I.3.4), with charts and downloads. Numbers come from scoring/ranking.py."""
from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from assessment import complaints as svc, lapor_file
from pages import ui
from scoring import ranking as rk

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

units = res.units
if kind != "semua":
    units = units[units["kind"] == kind]
if only_assessed:
    units = units[units["assessed"]]


def _status(r) -> str:
    tags = []
    if r["reward"]:
        tags.append("Reward")
    if r["punishment"]:
        tags.append("Punishment")
    if not r["assessed"]:
        tags.append("Belum dapat dinilai")
    return ", ".join(tags)


view = pd.DataFrame({
    "Peringkat": units["rank"], "Unit": units["unit"], "Diterima": units["received"],
    "Wajib TL": units["assessable"], "% ditindaklanjuti": units["followed_up_pct"],
    "% tepat waktu": units["on_time_pct"], "% selesai": units["resolved_pct"], "Terlambat": units["overdue"],
    "Median hari ke TL": units["median_days_to_follow_up"], "Rating": units["rating"], "Skor": units["score"],
    "Status": [_status(r) for r in units.to_dict("records")],
})
pct = st.column_config.NumberColumn(format="%.2f")
st.dataframe(view, hide_index=True, width="stretch", column_config={
    "% ditindaklanjuti": pct, "% tepat waktu": pct, "% selesai": pct, "Skor": pct, "Rating": pct,
    "Peringkat": st.column_config.NumberColumn(format="%d")})
w = rules.weights
st.caption(f"Skor 0-100 = rata-rata berbobot: % tepat waktu x {w['on_time']:g}, % ditindaklanjuti x "
           f"{w['followed_up']:g}, % selesai x {w['resolved']:g}, rating (skala 0-100) x {w['rating']:g}; komponen "
           "yang tidak tersedia tidak dihitung dan bobotnya dibagi ke yang lain. Seri: laporan terlambat lebih "
           "sedikit, lalu % tepat waktu, % ditindaklanjuti, jumlah laporan; bila tetap sama, peringkat dibagi.")
ties = units[units["tie_note"].astype(bool)]
if len(ties):
    with st.expander(f"Penjelasan skor seri ({len(ties)} unit)"):
        for r in ties.to_dict("records"):
            st.markdown(f"- **{ui.escape_md(r['unit'])}**: {ui.escape_md(r['tie_note'])}")

notes = [res.snapshot.caption, f"Tahun laporan {year}; aturan: {rules.version}",
         f"Filter: jenis unit {kind}{', hanya yang dinilai' if only_assessed else ''}"]
if res.synthetic:
    notes.insert(0, svc.SYNTHETIC_LABEL)


def downloads(table: pd.DataFrame, title: str, key: str) -> None:
    frame = svc.export_frame(table)
    d1, d2 = st.columns(2)
    d1.download_button("Unduh Excel", svc.table_bytes(frame, "xlsx", title, notes), f"{key}-{year}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key=f"dl_{key}_x")
    d2.download_button("Unduh CSV", svc.table_bytes(frame, "csv", title, notes), f"{key}-{year}.csv",
                       mime="text/csv", key=f"dl_{key}_c")


downloads(units, f"Peringkat OPD {year}", "peringkat")

st.subheader("Daftar reward (I.3.3)")
st.caption(f"Unit yang dinilai, tanpa laporan terlambat lebih dari {rules.reward_max_overdue}, dan tepat waktu minimal "
           f"{rules.reward_min_on_time_pct:g} %; urut menurut peringkat.")
rew = rk.reward_list(units)
if rew.empty:
    st.info("Belum ada unit yang memenuhi standar minimal.")
else:
    st.dataframe(pd.DataFrame({"Peringkat": rew["rank"], "Unit": rew["unit"], "Skor": rew["score"],
                               "% tepat waktu": rew["on_time_pct"]}), hide_index=True, width="stretch")
downloads(rew, f"Daftar reward {year}", "reward")

st.subheader("Daftar punishment (I.3.4)")
st.caption("Setiap unit dengan laporan yang masih menunggu tindak lanjut melewati batas waktu pada tanggal snapshot, "
           "urut menurut jumlahnya (lalu yang paling lama terlambat).")
pun = rk.punishment_list(units)
if pun.empty:
    st.success("Tidak ada laporan yang terlambat ditindaklanjuti.")
else:
    st.dataframe(pd.DataFrame({"No": pun["punishment_rank"], "Unit": pun["unit"], "Terlambat": pun["overdue"],
                               "Paling lama (hari kerja)": pun["overdue_max_days"],
                               "Tracking ID": [", ".join(x) for x in pun["overdue_ids"]]}),
                 hide_index=True, width="stretch")
downloads(pun, f"Daftar punishment {year}", "punishment")

st.subheader("Grafik")
scored = units[units["assessed"]]
if len(scored):
    st.altair_chart(alt.Chart(pd.DataFrame({"Unit": scored["unit"], "Skor": scored["score"].astype(float)}))
                    .mark_bar().encode(x=alt.X("Skor:Q", scale=alt.Scale(domain=[0, 100])),
                                       y=alt.Y("Unit:N", sort="-x", title=None), tooltip=["Unit", "Skor"])
                    .properties(title="Skor per unit", height=max(200, 18 * len(scored))), width="stretch")
trend = res.trend()
if len(trend):
    t = rk.trend_total(trend, None if kind == "semua" and not only_assessed else units["unit_id"].tolist())
    long = pd.concat([pd.DataFrame({"Bulan": t["month"], "Nilai": t["received"], "Ukuran": "Laporan diterima"}),
                      pd.DataFrame({"Bulan": t["month"], "Nilai": t["overdue"], "Ukuran": "Terlambat (saat snapshot)"})])
    st.altair_chart(alt.Chart(long).mark_line(point=True).encode(
        x=alt.X("yearmonth(Bulan):T", title="Bulan laporan masuk"), y=alt.Y("Nilai:Q", title="Jumlah"),
        color=alt.Color("Ukuran:N", title=None), tooltip=["Ukuran", alt.Tooltip("yearmonth(Bulan):T", title="Bulan"),
                                                          "Nilai"]).properties(title="Tren bulanan"), width="stretch")
late = units[units["overdue"] > 0]
if len(late):
    st.altair_chart(alt.Chart(pd.DataFrame({"Unit": late["unit"], "Terlambat": late["overdue"]})).mark_bar(color="#c0392b")
                    .encode(x="Terlambat:Q", y=alt.Y("Unit:N", sort="-x", title=None), tooltip=["Unit", "Terlambat"])
                    .properties(title="Laporan terlambat per unit", height=max(120, 18 * len(late))), width="stretch")

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
