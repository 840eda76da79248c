"""Admin Instrumen: the question-to-aspect mapping (Tabel 4) and the category thresholds, versioned."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from assessment import instrument
from assessment.errors import DomainError
from pages import ui

actor = ui.require_actor()
ui.header(
    "Admin Instrumen",
    "Ubah pemetaan pertanyaan ke aspek (Tabel 4) dan ambang kategori nilai. Setiap penyimpanan membuat versi "
    "instrumen baru; asesmen yang sudah ada tetap memakai versi saat ia dibuat, sehingga hasil tahun lalu "
    "tidak berubah diam-diam. Asesmen baru memakai versi terbaru.",
)
inst = instrument.current()
aspects = sorted(inst.aspects, key=lambda a: a.order)
st.caption(f"Versi yang berlaku: {inst.number}")

st.subheader("Pemetaan pertanyaan ke aspek")
frame = pd.DataFrame([{
    "No": q, "Pertanyaan": inst.questions[q],
    **{a.name: a.key in inst.mapping.get(q, []) for a in aspects},
    "Sumber": inst.provenance.get(q, ""),
} for q in sorted(inst.questions)])
edited = st.data_editor(
    frame, hide_index=True, width="stretch", key=f"map_{inst.number}", height=(len(frame) + 1) * 35 + 3,
    disabled=["No", "Pertanyaan", "Sumber"],
    column_config={"Pertanyaan": st.column_config.TextColumn(width="medium", help="Teks lengkap: arahkan kursor"),
                   **{a.name: st.column_config.CheckboxColumn(a.name, width="small") for a in aspects}},
)

st.subheader("Ambang kategori")
cats = pd.DataFrame([{"Kunci": c.key, "Label": c.label, "Nilai minimum": c.min_score, "Nilai maksimum": c.max_score,
                      "Lemah (perlu perbaikan)": c.weak} for c in inst.categories])
cats_edit = st.data_editor(cats, hide_index=True, key=f"cats_{inst.number}", disabled=["Kunci"],
                           column_config={"Nilai minimum": st.column_config.NumberColumn(min_value=1, max_value=4, step=1),
                                          "Nilai maksimum": st.column_config.NumberColumn(min_value=1, max_value=4, step=1)})
note = st.text_area("Catatan perubahan (wajib)", key=f"inote_{inst.number}",
                    placeholder="Mengapa pemetaan/ambang diubah, dasar keputusannya...")
if st.button("Simpan sebagai versi baru", type="primary"):
    # Rows are read by question number, never by position, so a sorted view saves correctly.
    mapping = {int(row["No"]): [a.key for a in aspects if bool(row[a.name])] for _, row in edited.iterrows()}
    categories = [{"key": r["Kunci"], "label": r["Label"], "min": int(r["Nilai minimum"]), "max": int(r["Nilai maksimum"]),
                   "weak": bool(r["Lemah (perlu perbaikan)"])} for _, r in cats_edit.iterrows()]
    try:
        number = instrument.save_new_version(actor, mapping, categories, note, base_number=inst.number)
        st.success(f"Versi instrumen {number} disimpan.")
        st.rerun()
    except DomainError as exc:
        ui.show_error(exc)

st.subheader("Riwayat versi")
st.dataframe(pd.DataFrame([{"Versi": v["number"], "Dibuat oleh": v["created_by"], "Waktu (WIB)": ui.wib(v["created_at"]),
                            "Catatan": v["note"] or "", "Dipakai asesmen": v["used_by_assessments"]}
                           for v in instrument.list_versions()]), hide_index=True, width="stretch")
