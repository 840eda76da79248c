"""Unit Kerja: the registry of the instansi, its OPD and kecamatan, with aliases for LAPOR! names."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from assessment import units as units_svc
from assessment.errors import DomainError
from assessment.permissions import Perm
from pages import ui

actor = ui.require_actor()
ui.header(
    "Unit Kerja",
    "Daftar unit: Pemerintah Daerah (instansi), OPD dan kecamatan. 'Belum dikonfirmasi' berarti nama diambil dari "
    "daftar tidak resmi dan perlu dikonfirmasi Bagian Organisasi. Nama lain (alias) dipakai untuk mencocokkan "
    "nama instansi pada ekspor SP4N-LAPOR!.",
)
show_retired = st.toggle("Tampilkan unit nonaktif", key="units_retired")
kind = st.segmented_control("Jenis", ["semua"] + list(units_svc.KINDS), default="semua",
                            format_func=lambda k: "Semua" if k == "semua" else units_svc.KINDS[k], key="units_kind")
rows = units_svc.list_units(include_retired=show_retired, kind=None if kind in (None, "semua") else kind)
counts = {k: sum(1 for u in rows if u.kind == k) for k in units_svc.KINDS}
st.caption(" - ".join(f"{units_svc.KINDS[k]}: {n}" for k, n in counts.items()))
st.dataframe(pd.DataFrame([{
    "Nama": u.name, "Jenis": u.kind_label, "Aktif": u.active, "Dikonfirmasi": u.confirmed,
    "Nama lain": ", ".join(u.aliases), "Catatan": u.note or "",
} for u in rows]), hide_index=True, width="stretch")

if not ui.can_do(Perm.UNITS_EDIT):
    st.stop()

st.subheader("Kelola unit")
tab_add, tab_edit = st.tabs(["Tambah unit", "Ubah unit"])
with tab_add, st.form("unit_add", clear_on_submit=True):
    name = st.text_input("Nama unit")
    k = st.selectbox("Jenis", ["opd", "kecamatan", "instansi"], format_func=units_svc.KINDS.get)
    aliases = st.text_input("Nama lain (pisahkan dengan titik koma)",
                            help="Nama yang dipakai di ekspor SP4N-LAPOR! atau singkatan, mis. Diskominfo; Dinas Kominfo")
    confirmed = st.checkbox("Sudah dikonfirmasi Bagian Organisasi", value=False)
    if st.form_submit_button("Tambah", type="primary"):
        try:
            units_svc.create_unit(actor, name, k, confirmed, [a for a in aliases.split(";") if a.strip()])
            st.success(f"Unit '{ui.escape_md(name.strip())}' ditambahkan.")  # markdown-escaped: shown as typed
        except DomainError as exc:
            ui.show_error(exc)

with tab_edit:
    every = units_svc.list_units(include_retired=True)
    uid = st.selectbox("Unit", [u.id for u in every], format_func=lambda i: next(u.name for u in every if u.id == i),
                       key="unit_edit_id")
    u = next(x for x in every if x.id == uid)
    with st.form(f"rename_{uid}"):
        new = st.text_input("Nama baru", value=u.name)
        keep = st.checkbox("Simpan nama lama sebagai nama lain", value=True)
        if st.form_submit_button("Ganti nama"):
            try:
                units_svc.rename_unit(actor, uid, new, keep)
                st.rerun()
            except DomainError as exc:
                ui.show_error(exc)
    c1, c2 = st.columns(2)
    if c1.button("Nonaktifkan" if u.active else "Aktifkan kembali", key=f"act_{uid}"):
        try:
            units_svc.set_active(actor, uid, not u.active)
            st.rerun()
        except DomainError as exc:
            ui.show_error(exc)
    if c2.button("Tandai belum dikonfirmasi" if u.confirmed else "Tandai sudah dikonfirmasi", key=f"conf_{uid}"):
        try:
            units_svc.set_confirmed(actor, uid, not u.confirmed)
            st.rerun()
        except DomainError as exc:
            ui.show_error(exc)
    with st.form(f"alias_{uid}", clear_on_submit=True):
        alias = st.text_input("Tambah nama lain")
        if st.form_submit_button("Tambah nama lain"):
            try:
                units_svc.add_alias(actor, uid, alias)
                st.rerun()
            except DomainError as exc:
                ui.show_error(exc)
    if u.aliases:
        gone = st.selectbox("Hapus nama lain", list(u.aliases), key=f"aliasrm_{uid}")
        if st.button("Hapus", key=f"aliasrmb_{uid}"):
            try:
                units_svc.remove_alias(actor, uid, gone)
                st.rerun()
            except DomainError as exc:
                ui.show_error(exc)
