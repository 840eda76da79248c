"""Dari Asesmen ke Rencana Aksi: for one assessment, the most urgent aspects and weak questions, the
kelompok program that answers each aspect, and how far that KP's items are."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from assessment import renaksi
from pages import ui

actor = ui.require_actor()
ui.header(
    "Dari Asesmen ke Rencana Aksi",
    "Untuk asesmen yang dipilih: aspek dengan prioritas tertinggi dan pertanyaan yang lemah (nilai 1-2), "
    "kelompok program rencana aksi yang menjawab tiap aspek (Kelembagaan & Kebijakan -> KP I, SDM -> KP II, "
    "Data & Aplikasi -> KP III, Partisipasi -> KP IV, Koordinasi & Monev -> KP V), dan kemajuan butirnya. "
    "Dengan ini tim melihat apakah rencana aksi menjawab kelemahan yang ditemukan.",
)
choices = renaksi.list_assessments(actor)
if not choices:
    st.info("Belum ada asesmen yang dapat Anda lihat.")
    st.stop()
labels = {c["id"]: c["label"] for c in choices}
aid = st.selectbox("Asesmen", list(labels), format_func=labels.get, key="rx_assessment")
today = st.date_input("Tanggal acuan keterlambatan", value=renaksi.today_wib(), key="rx_today")
data = renaksi.assessment_coverage(actor, aid, today)
info = data["assessment"]
st.caption(ui.escape_md(f"{info['unit']} tahun {info['year']} ({info['state']}); terisi {info['answered']} dari {info['total']} "
           f"pertanyaan. Disorot: {data['top_n']} prioritas teratas dan aspek dengan pertanyaan lemah."))

rows = []
for c in data["coverage"]:
    r = c.rollup
    rows.append({
        "Prioritas": c.priority, "Aspek": c.aspect_name,
        "Rata-rata": None if c.mean is None else round(c.mean, 2),
        "Pertanyaan lemah": ", ".join(map(str, c.weak_questions)) or "-",
        "Kelompok program": f"KP {c.kp} {data['kp_titles'].get(c.kp, '')}" if c.kp else "-",
        "Butir terjadwal": c.items,
        "% selesai": None if r is None or r.pct_done is None else round(r.pct_done, 1),
        "Rata-rata progres (%)": None if r is None or r.mean_progress is None else round(r.mean_progress, 1),
        "Butir-tahun terlambat": 0 if r is None else r.late,
        "Penilaian": c.verdict, "Perlu perhatian": c.highlighted,
    })
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")

items = renaksi.list_items(actor, today=today)
for c in data["coverage"]:
    if not c.highlighted:
        continue
    with st.expander(ui.escape_md(f"Prioritas {c.priority}: {c.aspect_name} -> KP {c.kp or '-'} ({c.verdict})"),
                     expanded=True):
        weak = data["weak_questions"].get(c.aspect_key) or []
        if weak:
            st.markdown("**Pertanyaan lemah**")
            st.dataframe(pd.DataFrame([{"No": w["no"], "Nilai": w["score"], "Pertanyaan": w["text"]} for w in weak]),
                         hide_index=True, width="stretch")
        else:
            st.caption("Tidak ada pertanyaan bernilai lemah pada aspek ini.")
        kp_items = [it for it in items if it.kp == c.kp and it.level != "kp"]
        if kp_items:
            st.markdown(f"**Butir KP {c.kp}**")
            st.dataframe(pd.DataFrame(renaksi.overview_rows(kp_items)), hide_index=True, width="stretch")
        late = data["late_by_kp"].get(c.kp) or []
        if late:
            st.warning(f"Terlambat per {today.strftime('%d-%m-%Y')}: " + ", ".join(late))
