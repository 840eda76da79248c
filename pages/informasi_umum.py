"""Informasi Umum: Tabel 2, the general complaint figures per year."""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from assessment import figures, units as units_svc
from assessment.errors import DomainError
from assessment.permissions import Perm
from pages import ui

actor = ui.require_actor()
ui.header(
    "Informasi Umum (Tabel 2)",
    "Angka umum pengaduan per tahun: jumlah pengaduan, rata-rata per bulan, yang diselesaikan dan yang tidak "
    "dapat diselesaikan. Rata-rata per bulan ditampilkan seperti pada dokumen (dibulatkan ke bawah) dan "
    "nilai tepatnya di sebelahnya.",
)
all_units = units_svc.list_units()
if actor.role == "operator_opd":
    all_units = [u for u in all_units if u.id == actor.unit_id]
ids = [u.id for u in all_units]
unit_id = st.selectbox("Unit", ids, format_func=lambda i: next(u.name for u in all_units if u.id == i), key="fig_unit",
                       placeholder="Pilih unit")
rows = figures.list_figures(actor, unit_id)

if not rows:
    st.info("Belum ada angka Tabel 2 untuk unit ini.")
else:
    table = []
    for r in rows:
        f = figures.as_scoring(r)
        table.append({
            "Tahun": r.year, "Bulan": r.months, "Jumlah pengaduan": r.received,
            "Rata-rata per bulan (tercetak)": f.monthly_printed,
            "Rata-rata per bulan (tepat)": ui.fmt_num(f.monthly_exact, 2),
            "Diselesaikan": r.resolved, "% diselesaikan": ui.fmt_pct(f.resolved_pct),
            "Tidak dapat diselesaikan": r.unresolved, "% tidak dapat diselesaikan": ui.fmt_pct(f.unresolved_pct),
            "Keterangan": r.note or "", "Diubah oleh": r.updated_by, "Diubah (WIB)": ui.wib(r.updated_at),
        })
    st.markdown("**Seperti Tabel 2 Lampiran** (rata-rata per bulan dibulatkan ke bawah, seperti tercetak)")
    layout = {"No.": ["1.", "2.", "3.", "4."],
              "Uraian": ["Jumlah Pengaduan", "Rata-rata jumlah pengaduan yang diterima dalam 1 bulan",
                         "Jumlah pengaduan yang diselesaikan", "Jumlah pengaduan yang tidak dapat diselesaikan"]}
    for r in rows:
        f = figures.as_scoring(r)
        label = str(r.year) if r.months == 12 else f"{r.year} ({r.months} bulan)"
        layout[f"{label} Jumlah"] = [r.received, f.monthly_printed, r.resolved, r.unresolved]
        layout[f"{label} %"] = ["100" if r.received else "-", "-",
                                ui.fmt_num(f.resolved_pct, 0) if f.resolved_pct is not None else "-",
                                ui.fmt_num(f.unresolved_pct, 0) if f.unresolved_pct is not None else "-"]
    st.dataframe(pd.DataFrame(layout), hide_index=True, width="stretch")
    st.markdown("**Rincian** (dengan nilai tepat)")
    st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch")

if ui.can_do(Perm.FIGURES_EDIT, unit_id):
    st.subheader("Isi atau ubah angka satu tahun")
    by_year = {r.year: r for r in rows}
    years = [y for y in ui.year_options() if y <= date.today().year]
    year = st.selectbox("Tahun", years, key="fig_year", index=years.index(date.today().year),
                        placeholder="Pilih tahun")
    cur = by_year.get(year)
    with st.form(f"fig_{unit_id}_{year}"):
        c1, c2, c3, c4 = st.columns(4)
        received = c1.number_input("Jumlah pengaduan", min_value=0, step=1, value=cur.received if cur else 0)
        resolved = c2.number_input("Diselesaikan", min_value=0, step=1, value=cur.resolved if cur else 0)
        unresolved = c3.number_input("Tidak dapat diselesaikan", min_value=0, step=1, value=cur.unresolved if cur else 0)
        months = c4.number_input("Bulan yang dicakup", min_value=1, max_value=12, step=1, value=cur.months if cur else 12)
        note = st.text_input("Keterangan", value=(cur.note or "") if cur else "")
        if st.form_submit_button("Simpan", type="primary"):
            try:
                figures.save_figures(actor, unit_id, year, int(received), int(resolved), int(unresolved), int(months),
                                     note, base_version=cur.version if cur else None)
                st.success(f"Tabel 2 tahun {year} tersimpan.")
                st.rerun()
            except DomainError as exc:
                ui.show_error(exc)
