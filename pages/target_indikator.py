"""Target & Indikator: Tabel 6 (strategic targets per year against actual figures) and Tabel 8
(success indicators per year, with status and evidence)."""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from assessment import evidence, renaksi
from assessment.errors import DomainError
from assessment.permissions import Perm
from pages import ui
from scoring import renaksi as sr

actor = ui.require_actor()
ui.header(
    "Target & Indikator Rencana Aksi",
    "Tabel 6: target sasaran strategis per tahun (jumlah pengaduan dan persentase penyelesaian) dibandingkan "
    "dengan angka realisasi; tercapai bila realisasi mencapai target. Tabel 8: indikator keberhasilan tiap "
    "program, dinilai per tahun dengan bukti dukung. Admin dan operator instansi dapat mengisi status indikator.",
)
if st.session_state.get("ti_flash"):
    st.success(st.session_state.pop("ti_flash"))

st.subheader("Tabel 6 - Indikator sasaran strategis dan target")
sources = renaksi.actual_sources(actor)
source = st.radio("Sumber angka realisasi", list(sources), horizontal=True, key="ti_source")
targets = renaksi.read_targets()
rows = renaksi.tabel6(actor, sources[source])
baseline = {t.key: f"{t.baseline_value:g} {t.unit} ({t.baseline_year})" for t in targets}
units_of = {t.key: t.unit for t in targets}
table = [{
    "Indikator": r.name, "Baseline": baseline[r.key], "Tahun": r.year,
    "Target": f"{r.target:g} {units_of[r.key]}",
    "Realisasi": "-" if r.actual is None else (ui.fmt_num(r.actual, 1) + " %" if units_of[r.key] == "%" else f"{r.actual:g}"),
    "Status": r.status, "Sumber": r.source or "-",
} for r in rows]
st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch")
chart_rows = [{"Tahun": str(r.year), "Jenis": k, "Nilai": v} for r in rows if r.key == targets[0].key
              for k, v in (("Target", r.target), ("Realisasi", r.actual)) if v is not None]
if chart_rows:
    st.altair_chart(
        alt.Chart(pd.DataFrame(chart_rows)).mark_bar().encode(
            x=alt.X("Tahun:N"), xOffset="Jenis:N", y=alt.Y("Nilai:Q", title=targets[0].name),
            color=alt.Color("Jenis:N", scale=alt.Scale(range=["#9bb7d4", "#1f3b73"])),
            tooltip=["Tahun", "Jenis", "Nilai"]).properties(height=260), width="stretch")
st.caption("Angka tahun yang belum mencakup 12 bulan dinilai sementara. Target 2021 (74) lebih rendah dari "
           "baseline 2020 (91) sebagaimana tercetak di dokumen.")

st.subheader("Tabel 8 - Indikator keberhasilan program")
inds = renaksi.list_indicators(actor)
YEARS = list(renaksi.plan_years())
ind_rows = []
for i in inds:
    row = {"Kode": i.code, "Program": f"{i.program_no}. {i.program_name} (KP {i.kp})", "Indikator": i.text}
    for y in YEARS:
        iy = i.years[y]
        row[str(y)] = iy.status_label + (f" ({len(iy.evidence)} bukti)" if iy.evidence else "")
    ind_rows.append(row)
st.dataframe(pd.DataFrame(ind_rows), hide_index=True, width="stretch")

by_code = {i.code: i for i in inds}
c1, c2 = st.columns([3, 1])
code = c1.selectbox("Indikator", list(by_code), key="ti_ind",
                    format_func=lambda c: f"{c} {by_code[c].text[:100]}")
year = c2.selectbox("Tahun", YEARS, key="ti_year")
ind, iy = by_code[code], by_code[code].years[year]
st.caption(ui.escape_md(f"Status: {iy.status_label} | Diubah: {iy.updated_by or '-'} {ui.wib(iy.updated_at)}"
                        + (f" | Catatan: {iy.note}" if iy.note else "")))
for ev in iy.evidence:
    if ev.kind == "link":
        st.link_button(f"Tautan: {(ev.url or '')[:80]}", ev.url or "")
    else:
        name, ctype, data = evidence.download(ev.id)
        st.download_button(ev.label, data=data, file_name=name, mime=ctype, key=f"ti_dl_{ev.id}", on_click="ignore")

if ui.can_do(Perm.RENAKSI_UPDATE):
    submit_key, seen_key = f"ti_submit_{code}_{year}", f"ti_seen_{code}_{year}"
    if not st.session_state.get(submit_key) or seen_key not in st.session_state:
        st.session_state[seen_key] = iy.version
    with st.form(f"ti_form_{code}_{year}"):
        labels = list(sr.INDICATOR_STATUSES.values())
        status = st.selectbox("Status indikator", labels, index=labels.index(iy.status_label))
        note = st.text_area("Catatan", value=iy.note or "")
        link = st.text_input("Tautan bukti (http/https)")
        upload = st.file_uploader(ui.evidence_upload_label())
        if st.form_submit_button("Simpan", type="primary", key=submit_key):
            try:
                renaksi.set_indicator_status(actor, code, year, status, note=note,
                                             expected_version=st.session_state[seen_key], evidence_link=link or None,
                                             evidence_file=(upload.name, upload.getvalue()) if upload else None)
                st.session_state.pop(seen_key, None)
                st.session_state["ti_flash"] = f"Indikator {code} tahun {year} tersimpan."
                st.rerun()
            except DomainError as exc:
                st.session_state.pop(seen_key, None)
                ui.show_error(exc)
