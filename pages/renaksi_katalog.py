"""Katalog Rencana Aksi (admin): add, change and retire items, change the plan, set responsible units.
The plan as first loaded stays as the baseline, so plan and actual can always be compared."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from assessment import renaksi, units as units_svc
from assessment.errors import DomainError
from assessment.permissions import Perm
from pages import ui

actor = ui.require_actor()
ui.header(
    "Katalog Rencana Aksi",
    "Daftar butir Tabel 7/9 dan jadwalnya. Admin dapat menambah butir, mengubah uraian dan pihak terlibat, "
    "mengubah jadwal (rencana awal tetap disimpan sebagai pembanding), memensiunkan butir, dan menetapkan unit "
    "penanggung jawab (operator OPD hanya dapat memperbarui butir unitnya).",
)
if st.session_state.get("rk_flash"):
    st.success(ui.escape_md(st.session_state.pop("rk_flash")))

items = renaksi.list_items(actor, include_retired=True)
YEARS = list(renaksi.plan_years())
changed = [it for it in items if it.level != "kp" and (it.plan_diff.changed or not it.active)]
st.subheader("Rencana kini dibandingkan rencana awal")
if changed:
    st.dataframe(pd.DataFrame([{
        "Kode": it.code, "Uraian": it.title, "Rencana awal": ", ".join(map(str, it.baseline_years)) or "-",
        "Rencana kini": ", ".join(map(str, it.planned_years)) or "-", "Perubahan": it.plan_diff.label,
        "Aktif": it.active, "Alasan pensiun": it.retired_reason or ""} for it in changed]),
        hide_index=True, width="stretch")
else:
    st.caption("Belum ada perubahan: rencana kini sama dengan rencana awal Tabel 9.")

if not ui.can_do(Perm.RENAKSI_CATALOGUE):
    st.info("Hanya admin yang dapat mengubah katalog rencana aksi.")
    st.stop()


def _run(fn, *args, message: str, **kwargs) -> None:
    try:
        fn(*args, **kwargs)
        st.session_state["rk_flash"] = message
        st.session_state.pop(f"rk_seen_{item.id}", None)
        st.rerun()
    except DomainError as exc:
        st.session_state.pop(f"rk_seen_{item.id}", None)
        ui.show_error(exc)


by_id = {it.id: it for it in items}
item = by_id[st.selectbox("Butir", list(by_id), key="rk_item",
                          format_func=lambda i: f"{by_id[i].code} {by_id[i].title[:90]}"
                          + ("" if by_id[i].active else " (dipensiunkan)"))]
# The version the forms below were drawn from; a submit based on an older version is refused.
submitting = any(st.session_state.get(f"rk_{k}_{item.id}") for k in ("text", "plan", "units", "retire"))
if not submitting or f"rk_seen_{item.id}" not in st.session_state:
    st.session_state[f"rk_seen_{item.id}"] = item.version
seen = st.session_state[f"rk_seen_{item.id}"]
st.caption(f"{item.level_label} | sumber: {renaksi.SOURCES.get(item.source, item.source)} | versi {item.version}")

t1, t2, t3, t4 = st.tabs(["Uraian", "Jadwal", "Unit penanggung jawab", "Pensiun"])
with t1, st.form(f"rk_text_form_{item.id}"):
    title = st.text_area("Uraian (Tabel 9)", value=item.title)
    title7 = st.text_area("Uraian Tabel 7 (jika berbeda)", value=item.title_tabel7 or "")
    parties = st.text_input("Pihak terlibat", value=item.parties)
    notes = st.text_area("Catatan", value=item.notes or "")
    if st.form_submit_button("Simpan uraian", key=f"rk_text_{item.id}"):
        _run(renaksi.change_item, actor, item.id, seen, title=title, parties=parties, notes=notes,
             title_tabel7=title7, message=f"Uraian {item.code} tersimpan.")
with t2:
    if item.level == "kp":
        st.caption("Kelompok program tidak dijadwalkan sendiri.")
    else:
        with st.form(f"rk_plan_form_{item.id}"):
            st.caption("Rencana awal: " + (", ".join(map(str, item.baseline_years)) or "-"))
            years = st.multiselect("Tahun rencana kini", YEARS, default=list(item.planned_years),
                                   placeholder="Pilih tahun rencana")
            note = st.text_input("Alasan perubahan jadwal")
            if st.form_submit_button("Simpan jadwal", key=f"rk_plan_{item.id}"):
                _run(renaksi.set_plan, actor, item.id, years, seen, note, message=f"Jadwal {item.code} tersimpan.")
with t3, st.form(f"rk_units_form_{item.id}"):
    all_units = units_svc.list_units()
    names = {u.id: u.name for u in all_units}
    chosen = st.multiselect("Unit", list(names), default=[u for u, _n in item.responsible if u in names],
                            format_func=names.get, placeholder="Pilih unit penanggung jawab")
    if st.form_submit_button("Simpan unit penanggung jawab", key=f"rk_units_{item.id}"):
        _run(renaksi.set_responsible, actor, item.id, chosen, seen, message=f"Unit penanggung jawab {item.code} tersimpan.")
with t4, st.form(f"rk_retire_form_{item.id}"):
    reason = st.text_input("Alasan pensiun" if item.active else "Catatan pengaktifan kembali")
    if st.form_submit_button("Pensiunkan butir" if item.active else "Aktifkan kembali", key=f"rk_retire_{item.id}"):
        _run(renaksi.retire_item, actor, item.id, seen, reason, active=not item.active,
             message=f"Butir {item.code} {'dipensiunkan' if item.active else 'diaktifkan kembali'}.")

st.subheader("Tambah butir")
with st.form("rk_add"):
    c1, c2 = st.columns([1, 3])
    code = c1.text_input("Kode", help="Contoh: I.2.8 (kegiatan), I.5 (program), KP VI (kelompok program)")
    new_title = c2.text_input("Uraian")
    new_years = st.multiselect("Tahun rencana", YEARS, placeholder="Pilih tahun")
    new_parties = st.text_input("Pihak terlibat")
    new_notes = st.text_input("Catatan")
    if st.form_submit_button("Tambah", type="primary"):
        try:
            renaksi.add_item(actor, code, new_title, new_years, new_parties, new_notes or None)
            st.session_state["rk_flash"] = f"Butir {renaksi.normalize_code(code)} ditambahkan."
            st.rerun()
        except DomainError as exc:
            ui.show_error(exc)
