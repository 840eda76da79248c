"""Hasil & Prioritas: Tabel 3 (ticks), Tabel 4 (categorisation), Tabel 5 (priorities) and charts."""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from assessment import assessments, exports, units as units_svc
from assessment.errors import DomainError
from assessment.permissions import Perm
from pages import ui
from scoring.assessment import round2

actor = ui.require_actor()
ui.header(
    "Hasil & Prioritas",
    "Hasil asesmen mandiri: matriks nilai (Tabel 3), kategorisasi tiap pertanyaan ke aspek (Tabel 4), dan "
    "penentuan prioritas (Tabel 5). Prioritas 1 = paling mendesak: rata-rata terendah; bila sama, aspek dengan "
    "lebih banyak pertanyaan lemah (nilai 1-2), lalu urutan daftar aspek.",
)
unit_id, year = ui.unit_year_picker(units_svc.list_units(), key="sel")
aid = assessments.find(actor, unit_id, year)
if aid is None:
    st.info("Belum ada asesmen untuk unit dan tahun ini. Mulai di halaman Asesmen Mandiri.")
    st.stop()
view, res = assessments.result(actor, aid)
inst = view.instrument
ui.show_flash()
cat_label = {c.key: c.label for c in inst.categories}
aspects = sorted(inst.aspects, key=lambda a: a.order)

st.caption(f"{view.unit_name}, tahun {view.year} - status {view.state_label} - instrumen versi {inst.number} - "
           f"terisi {res.answered}/{res.total}")
if not res.complete:
    st.warning("Asesmen belum lengkap: rata-rata dan prioritas di bawah ini masih sementara.")

# --- Tabel 5 ---------------------------------------------------------------------------------------
st.subheader("Tabel 5 - Penentuan prioritas")
t5 = pd.DataFrame([{
    # Indonesian decimal comma (3,50), written by the same helper as the Lampiran document
    "Aspek": r.name, "Rata-rata": ui.fmt_num(round2(r.mean)), "Pertanyaan lemah": r.weak, "Jumlah pertanyaan": len(r.questions),
    "Prioritas usulan": r.suggested_priority,
    "Prioritas akhir": "-" if r.final_priority is None else str(r.final_priority), "Prioritas berlaku": r.priority,
    "Alasan": r.reason or "",
} for r in sorted(res.aspects, key=lambda r: r.order)])
st.dataframe(t5, hide_index=True, width="stretch")
if res.problems:
    for p in res.problems:
        st.error(p)

if view.editable and ui.can_do(Perm.PRIORITY_DECIDE, view.unit_id):
    with st.expander("Tetapkan prioritas akhir dan alasan (Tabel 5)"):
        st.caption("Biarkan 'Prioritas akhir' kosong untuk memakai usulan. Bila berbeda dari usulan, alasan wajib "
                   "diisi; setiap prioritas 1-5 dipakai tepat satu aspek, jadi tukar dua aspek sekaligus.")
        with st.form(f"prio_{aid}"):
            choices = {}
            for r in sorted(res.aspects, key=lambda r: r.order):
                c1, c2 = st.columns([1, 3])
                p = c1.selectbox(f"{r.name} (usulan {r.suggested_priority})", [None, 1, 2, 3, 4, 5],
                                 index=[None, 1, 2, 3, 4, 5].index(r.final_priority),
                                 format_func=lambda v: "ikut usulan" if v is None else str(v), key=f"pf_{aid}_{r.key}",
                                 placeholder="Pilih prioritas")
                reason = c2.text_area("Alasan", value=r.reason or "", key=f"pr_{aid}_{r.key}", height=68)
                choices[r.key] = (p, reason)
            if st.form_submit_button("Simpan prioritas", type="primary"):
                try:
                    assessments.set_priorities(actor, aid, choices, base_version=view.version)
                    ui.flash("Prioritas akhir dan alasan tersimpan.")
                    st.rerun()
                except DomainError as exc:
                    ui.show_error(exc)

elif not view.editable:
    st.caption(f"Prioritas akhir hanya dapat diubah selama asesmen berstatus Draf atau Dikembalikan "
               f"(sekarang {view.state_label}). Kolom Alasan memuat alasan Tabel 5 yang ditulis tim.")

c1, c2 = st.columns(2)
means = pd.DataFrame([{"Aspek": r.name, "Rata-rata": round2(r.mean) or 0.0, "Label": ui.fmt_num(round2(r.mean)),
                       "Prioritas": r.priority} for r in res.aspects])
c1.altair_chart(
    alt.Chart(means, title="Rata-rata nilai per aspek").mark_bar().encode(
        x=alt.X("Rata-rata:Q", scale=alt.Scale(domain=[0, 4]), title="Rata-rata (1-4)"),
        y=alt.Y("Aspek:N", sort=[a.name for a in aspects], title=None, axis=alt.Axis(labelLimit=260)),
        color=alt.Color("Prioritas:O", scale=alt.Scale(scheme="redyellowgreen"), title="Prioritas"),
        tooltip=["Aspek", alt.Tooltip("Label:N", title="Rata-rata"), "Prioritas"],
    ) + alt.Chart(means).mark_text(align="left", dx=4).encode(
        x="Rata-rata:Q", y=alt.Y("Aspek:N", sort=[a.name for a in aspects]), text="Label:N"),
    width="stretch",
)
scores = pd.DataFrame([{"No": q, "Nilai": view.scores.get(q) or 0,
                        "Kategori": cat_label.get(res.categories.get(q), "Belum dinilai")} for q in sorted(inst.questions)])
colors = {c.label: col for c, col in zip(inst.categories, ["#d62728", "#ffbf00", "#2ca02c", "#1f77b4"])}
colors["Belum dinilai"] = "#bbbbbb"
c2.altair_chart(
    alt.Chart(scores, title="Nilai 22 pertanyaan menurut kategori").mark_bar().encode(
        x=alt.X("No:O", title="Pertanyaan"),
        y=alt.Y("Nilai:Q", scale=alt.Scale(domain=[0, 4]), axis=alt.Axis(values=[0, 1, 2, 3, 4], format="d")),
        color=alt.Color("Kategori:N", scale=alt.Scale(domain=list(colors), range=list(colors.values()))),
        tooltip=["No", "Nilai", "Kategori"],
    ),
    width="stretch",
)

# --- Tabel 3 and Tabel 4 -----------------------------------------------------------------------------
st.subheader("Tabel 3 - Matriks asesmen")
t3 = pd.DataFrame([{
    "No": q, "Pertanyaan": inst.questions[q],
    **{str(v): ("√" if view.scores.get(q) == v else "") for v in (1, 2, 3, 4)},
    "Kategori": cat_label.get(res.categories.get(q), "-"),
    "Catatan": view.answers[q].note or "", "Bukti": len(view.answers[q].files) + (1 if view.answers[q].evidence_link else 0),
} for q in sorted(inst.questions)])
st.dataframe(t3, hide_index=True, width="stretch",
             column_config={"Pertanyaan": st.column_config.TextColumn(width="large")})

st.subheader("Tabel 4 - Kategorisasi hasil asesmen")
t4 = pd.DataFrame([{
    "No": q, "Pertanyaan": inst.questions[q], "Kategori": cat_label.get(res.categories.get(q), "-"),
    **{a.name: ("√" if a.key in inst.mapping.get(q, []) else "") for a in aspects},
    "Sumber pemetaan": inst.provenance.get(q, ""),
} for q in sorted(inst.questions)])
st.dataframe(t4, hide_index=True, width="stretch")

st.download_button("Unduh hasil (Excel)", data=lambda: exports.assessment_workbook(view, res),
                   file_name=f"asesmen_{view.unit_name.replace(' ', '_')}_{view.year}.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   icon=":material/download:", on_click="ignore")

from pages.document_ui import document_buttons  # noqa: E402

document_buttons(view)
