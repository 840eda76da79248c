"""Scorecard Pimpinan: one screen for the Bupati and the Sekda, and a one-page PDF of the same numbers."""
from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from assessment import scorecard
from assessment.errors import DomainError
from pages import ui

actor = ui.require_actor()
ui.header(
    "Scorecard Pimpinan",
    "Ringkasan satu layar untuk Bupati dan Sekretaris Daerah: nilai aspek asesmen mandiri tahun terpilih "
    "dibanding tahun sebelumnya (▲ membaik, ▼ menurun, ▶ tetap), kemajuan rencana aksi per kelompok program "
    "dan butir yang terlambat, daftar reward dan punishment OPD, target Tabel 6 dibanding capaian, dan tren "
    "bulanan pengaduan. Unduh PDF satu halaman berisi angka yang sama untuk dicetak atau dikirim.",
)

try:
    years = scorecard.years(actor)
except DomainError as exc:
    ui.show_error(exc)
    st.stop()
c1, c2 = st.columns([1, 2])
year = c1.selectbox("Tahun", years, key="scorecard_year")
by_improvement = c2.toggle("Urutkan aspek menurut perbaikan terbesar", key="scorecard_sort")
data = scorecard.build(actor, int(year), sort_by_improvement=by_improvement)

st.download_button("Unduh PDF satu halaman", scorecard.pdf(data), file_name=f"scorecard-pimpinan-{year}.pdf",
                   mime="application/pdf", icon=":material/picture_as_pdf:", key="scorecard_pdf")


def _missing(section: dict) -> bool:
    if not section["available"]:
        st.info(section["message"])
        return True
    return False


st.subheader(f"1. Nilai aspek {data['year']} dibanding {data['previous_year']}")
a = data["aspects"]
if not _missing(a):
    s = a["summary"]
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Membaik ▲", s["improved"])
    m2.metric("Menurun ▼", s["declined"])
    m3.metric("Tetap ▶", s["same"])
    m4.metric("Rata-rata selisih", ui.fmt_num(s["mean_delta"]) if s["mean_delta"] is not None else "-")
    st.caption(f"{ui.escape_md(a['unit'])}: status {a['state']}, {a['answered']}/{a['total']} pertanyaan terisi."
               + ("" if a["final"] else " Asesmen belum final: angka dapat berubah.")
               + (f" {a['note']}" if a.get("note") else ""))
    st.dataframe(pd.DataFrame([{
        "Aspek": r["name"], f"Nilai {data['previous_year']}": ui.fmt_num(r["previous_mean"]),
        f"Nilai {data['year']}": ui.fmt_num(r["mean"]),
        "Selisih": "-" if r["delta"] is None else ("+" if r["delta"] > 0 else "") + ui.fmt_num(r["delta"]),
        "Tren": f"{r['arrow'] or ''} {r['trend']}".strip(),
        f"Prioritas {data['previous_year']}": r["previous_priority"] or "-", f"Prioritas {data['year']}": r["priority"] or "-",
    } for r in a["rows"]]), hide_index=True, width="stretch")

st.subheader(f"2. Rencana aksi tahun {data['year']}")
r = data["renaksi"]
if not _missing(r):
    if r["per_kp"]:
        kp = pd.DataFrame([{"KP": k["kp"], "Kelompok program": k["title"], "Butir": k["units"], "Selesai": k["selesai"],
                            "Berjalan": k["berjalan"], "Belum dimulai": k["belum"], "Terlambat": k["late"],
                            "% selesai": k["pct_done"]} for k in r["per_kp"]])
        st.altair_chart(alt.Chart(kp).mark_bar().encode(
            x=alt.X("% selesai:Q", scale=alt.Scale(domain=[0, 100])), y=alt.Y("KP:N", sort=None),
            tooltip=["KP", "Kelompok program", "% selesai", "Terlambat"]), width="stretch")
        st.dataframe(kp, hide_index=True, width="stretch")
    else:
        st.info(r["per_kp_message"])
    st.markdown(f"**Butir terlambat: {len(r['late'])}**")
    if r["late"]:
        st.dataframe(pd.DataFrame([{"Kode": x["code"], "Uraian": x["title"], "Tahun terlambat": x["years"],
                                    "Pihak terlibat": x["parties"]} for x in r["late"]]), hide_index=True, width="stretch")

st.subheader(f"3. Reward dan punishment OPD ({data['year']})")
k = data["ranking"]
if not _missing(k):
    if k.get("synthetic"):
        st.warning("DATA SINTETIS (demo): peringkat dihitung dari data contoh buatan.")
    st.caption(f"Peringkat pada snapshot LAPOR! {ui.fmt_date_id(date.fromisoformat(k['snapshot_date']))}; "
               f"{k['assessed']} unit dapat dinilai.")
    left, right = st.columns(2)
    with left:
        st.markdown("**Reward** (kegiatan I.3.3)")
        if k["rewards"]:
            st.dataframe(pd.DataFrame([{"Peringkat": x["rank"], "Unit": x["unit"], "Skor": ui.fmt_num(x["score"]),
                                        "% tepat waktu": ui.fmt_pct(x["on_time_pct"])} for x in k["rewards"]]), hide_index=True)
        else:
            st.info("Belum ada unit yang memenuhi syarat reward.")
    with right:
        st.markdown("**Punishment** (kegiatan I.3.4)")
        if k["punishments"]:
            st.dataframe(pd.DataFrame([{"Unit": x["unit"], "Laporan terlambat": x["overdue"]}
                                       for x in k["punishments"]]), hide_index=True)
        else:
            st.info("Tidak ada unit dengan laporan terlambat ditindaklanjuti.")

st.subheader("4. Target Tabel 6 dan capaian")
t = data["tabel6"]
if not _missing(t):
    st.dataframe(pd.DataFrame([{"Indikator": x["name"], "Tahun": str(x["year"]), "Target": ui.fmt_num(x["target"], 0),
                                "Capaian": ui.fmt_num(x["actual"], 0 if float(x["actual"]).is_integer() else 1)
                                if x["actual"] is not None else "-",
                                "Status": x["status"]} for x in t["rows"]]), hide_index=True, width="stretch")

st.subheader(f"5. Tren bulanan pengaduan {data['year']}")
m = data["trend"]
if not _missing(m):
    if m.get("synthetic"):
        st.warning("DATA SINTETIS (demo): angka pengaduan berasal dari data contoh buatan.")
    tr = pd.DataFrame(m["rows"])
    order = list(tr["month"])
    st.altair_chart(alt.Chart(tr).mark_bar().encode(
        x=alt.X("month:N", sort=order, title="Bulan"), y=alt.Y("received:Q", title="Diterima"),
        tooltip=["month", "received", "followed_up_pct", "resolved_pct"]), width="stretch")
    shown = pd.DataFrame({"Bulan": tr["month"], "Diterima": [ui.fmt_num(v, 0) for v in tr["received"]],
                          "% ditindaklanjuti": [ui.fmt_pct(v) for v in tr["followed_up_pct"]],
                          "% selesai": [ui.fmt_pct(v) for v in tr["resolved_pct"]]})
    st.dataframe(shown, hide_index=True, width="stretch")
