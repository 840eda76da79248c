"""Informasi Umum: Tabel 2, the general complaint figures per year."""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from assessment import complaints, figures, units as units_svc
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
    k = f"{unit_id}_{year}"
    keys = {"received": f"fig_rec_{k}", "resolved": f"fig_res_{k}", "unresolved": f"fig_unres_{k}",
            "months": f"fig_months_{k}"}
    for name, key in keys.items():  # the form's starting values: the saved row, else empty
        if key not in st.session_state:
            st.session_state[key] = getattr(cur, name) if cur else (12 if name == "months" else 0)
    from_lapor = complaints.figures_from_reports(year, unit_id)
    if from_lapor is not None:
        kab = complaints.figures_from_reports(year, None)
        snap = complaints.snapshot_at()
        unit_name = next(u.name for u in all_units if u.id == unit_id)
        with st.container(border=True):
            st.markdown(f"**Dari data SP4N-LAPOR! yang diimpor** ({snap.caption if snap else ''}), tahun {year}:")
            st.dataframe(pd.DataFrame([
                {"Cakupan": unit_name, "Jumlah pengaduan": from_lapor.received, "Diselesaikan": from_lapor.resolved,
                 "Tidak dapat diselesaikan (arsip)": from_lapor.unresolved, "Masih diproses": from_lapor.in_process,
                 "Bulan": from_lapor.months},
                *([{"Cakupan": "Seluruh kabupaten", "Jumlah pengaduan": kab.received, "Diselesaikan": kab.resolved,
                    "Tidak dapat diselesaikan (arsip)": kab.unresolved, "Masih diproses": kab.in_process,
                    "Bulan": kab.months}] if kab is not None else []),
            ]), hide_index=True, width="stretch")

            def _take(t=from_lapor) -> None:
                st.session_state[keys["received"]] = int(t.received)
                st.session_state[keys["resolved"]] = int(t.resolved)
                st.session_state[keys["unresolved"]] = int(t.unresolved)
                st.session_state[keys["months"]] = int(t.months)

            st.button(f"Ambil angka {unit_name} ke formulir", on_click=_take, key=f"fig_take_{k}",
                      help="Mengisi formulir di bawah dengan angka dari impor; belum disimpan sampai Anda menekan Simpan.")
            st.caption("Angka ini dihitung dari laporan yang diimpor (status pada snapshot terakhir); formulir Tabel 2 "
                       "tetap diisi dan disimpan oleh Anda.")
    with st.form(f"fig_{unit_id}_{year}"):
        c1, c2, c3, c4 = st.columns(4)
        received = c1.number_input("Jumlah pengaduan", min_value=0, step=1, key=keys["received"])
        resolved = c2.number_input("Diselesaikan", min_value=0, step=1, key=keys["resolved"])
        unresolved = c3.number_input("Tidak dapat diselesaikan", min_value=0, step=1, key=keys["unresolved"])
        months = c4.number_input("Bulan yang dicakup", min_value=1, max_value=12, step=1, key=keys["months"])
        note = st.text_input("Keterangan", value=(cur.note or "") if cur else "")
        if st.form_submit_button("Simpan", type="primary"):
            try:
                figures.save_figures(actor, unit_id, year, int(received), int(resolved), int(unresolved), int(months),
                                     note, base_version=cur.version if cur else None)
                st.success(f"Tabel 2 tahun {year} tersimpan.")
                for key in keys.values():
                    st.session_state.pop(key, None)
                st.rerun()
            except DomainError as exc:
                ui.show_error(exc)
