"""Pengguna: every user changes their own password; the admin manages all accounts."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from assessment import accounts, units
from assessment.errors import DomainError
from assessment.permissions import ROLES, Perm
from pages import session, ui

actor = ui.require_actor()
ui.header(
    "Pengguna & Kata Sandi",
    "Ganti kata sandi Anda di sini; semua sesi Anda yang lain (perangkat lain) berakhir, sesi ini tetap. "
    "Admin Dinas Kominfo juga membuat akun, mengubah peran dan unit, menonaktifkan atau mengaktifkan kembali "
    "akun, membuka kunci, dan mengatur ulang kata sandi. Setiap perubahan tercatat di Jejak Audit. "
    f"Kata sandi minimal {accounts.MIN_PASSWORD} karakter, memuat huruf dan angka atau simbol.",
)
ui.show_flash()

st.subheader("Ganti kata sandi saya")
if actor.user_id is None:
    st.info("Akun baris perintah tidak memiliki kata sandi.")
else:
    with st.form("own_password", clear_on_submit=True):
        old = st.text_input("Kata sandi lama", type="password", max_chars=accounts.MAX_PASSWORD)
        new = st.text_input("Kata sandi baru", type="password", max_chars=accounts.MAX_PASSWORD)
        again = st.text_input("Ulangi kata sandi baru", type="password", max_chars=accounts.MAX_PASSWORD)
        if st.form_submit_button("Ganti kata sandi", type="primary"):
            if new != again:
                st.error("Kata sandi baru dan ulangannya tidak sama.")
            else:
                try:
                    fresh = accounts.change_password(actor, actor.user_id, new, old)
                except DomainError as exc:
                    ui.show_error(exc)
                else:
                    session.replace_actor(fresh)
                    st.success("Kata sandi diganti. Sesi Anda di perangkat lain telah diakhiri.")

if not ui.can_do(Perm.USERS_MANAGE):
    st.stop()

st.divider()
st.subheader("Daftar pengguna")
all_units = units.list_units()
unit_names = {u.id: u.name for u in all_units}
unit_ids = [None] + [u.id for u in all_units]
role_keys = list(ROLES)


UNIT_LABEL = "Unit (wajib untuk Operator OPD; kosongkan untuk peran lain)"


def _unit_label(uid):
    return "- (tanpa unit)" if uid is None else unit_names.get(uid, f"unit {uid}")


def _status(u) -> str:
    if not u.active:
        return "Nonaktif"
    return "Terkunci" if u.locked else "Aktif"


users = accounts.list_users(actor)
if not users:
    st.info("Belum ada pengguna.")
else:
    st.dataframe(pd.DataFrame([{
        "Nama pengguna": u.username, "Nama lengkap": u.full_name, "Peran": u.role_label,
        "Unit": u.unit_name or "-", "Status": _status(u), "Terakhir masuk": ui.wib(u.last_login_at),
    } for u in users]), hide_index=True, width="stretch")

NEW_USER_KEYS = ("new_username", "new_full_name", "new_role", "new_unit", "new_pw1", "new_pw2")
created = st.session_state.pop("_new_user_created", None)
if created:
    # The user was just made: start the next one from an empty form (the widgets are not drawn yet, so
    # their values may still be dropped). On a refusal the form keeps what was typed.
    # Set, not popped: a value set through session state is sent to the browser, which otherwise keeps
    # showing what was typed.
    for k in NEW_USER_KEYS:
        st.session_state[k] = "" if k not in ("new_role", "new_unit") else None
    st.session_state["new_role"] = role_keys[0]

with st.expander("Tambah pengguna", icon=":material/person_add:", expanded=bool(created)):
    if created:
        st.success(created)
    with st.form("create_user", clear_on_submit=False):
        c1, c2 = st.columns(2)
        username = c1.text_input("Nama pengguna (huruf kecil, angka, titik)", max_chars=80, key="new_username")
        full_name = c2.text_input("Nama lengkap", max_chars=200, key="new_full_name")
        role = c1.selectbox("Peran", role_keys, format_func=lambda r: ROLES[r], key="new_role")
        unit_id = c2.selectbox(UNIT_LABEL, unit_ids, format_func=_unit_label, key="new_unit")
        pw1 = c1.text_input("Kata sandi awal", type="password", max_chars=accounts.MAX_PASSWORD, key="new_pw1")
        pw2 = c2.text_input("Ulangi kata sandi awal", type="password", max_chars=accounts.MAX_PASSWORD, key="new_pw2")
        st.caption("Sampaikan kata sandi awal secara langsung kepada pengguna, dan minta ia segera menggantinya.")
        if st.form_submit_button("Buat pengguna", type="primary"):
            if pw1 != pw2:
                st.error("Kata sandi dan ulangannya tidak sama.")
            elif accounts.role_unit_problem(role, unit_id is not None):
                st.error(accounts.role_unit_problem(role, unit_id is not None))
            else:
                try:
                    accounts.create_user(actor, username, full_name, role, pw1, unit_id)
                except DomainError as exc:
                    ui.show_error(exc)
                else:
                    st.session_state["_new_user_created"] = (
                        f"Pengguna '{ui.escape_md(username.strip().lower())}' dibuat "
                        f"({ui.escape_md(full_name.strip())}, {ROLES[role]}). Sampaikan kata sandi awalnya secara "
                        "langsung. Formulir sudah dikosongkan untuk pengguna berikutnya.")
                    st.rerun()

if not users:
    st.stop()

st.subheader("Ubah pengguna")
by_id = {u.id: u for u in users}
sel = st.selectbox("Pilih pengguna", list(by_id), format_func=lambda i: f"{by_id[i].username} - {by_id[i].full_name}",
                   key="user_sel")
u = by_id[sel]
st.caption(f"Peran: {u.role_label}. Unit: {u.unit_name or '-'}. Status: {_status(u)}. "
           f"Dibuat: {ui.wib(u.created_at)}. Terakhir masuk: {ui.wib(u.last_login_at)}.")

tab_role, tab_status, tab_pw = st.tabs(["Peran & unit", "Status akun", "Atur ulang kata sandi"])
with tab_role:
    with st.form(f"role_{u.id}"):
        new_name = st.text_input("Nama lengkap", value=u.full_name, max_chars=200)
        new_role = st.selectbox("Peran", role_keys, index=role_keys.index(u.role) if u.role in role_keys else 0,
                                format_func=lambda r: ROLES[r], key=f"edit_role_{u.id}")
        new_unit = st.selectbox(UNIT_LABEL, unit_ids, index=unit_ids.index(u.unit_id) if u.unit_id in unit_ids else 0,
                                format_func=_unit_label, key=f"edit_unit_{u.id}")
        st.caption("Mengubah peran atau unit mengakhiri sesi pengguna itu: ia masuk lagi dengan hak yang baru.")
        if st.form_submit_button("Simpan"):
            problem = accounts.role_unit_problem(new_role, new_unit is not None)
            if problem:  # checked before the name is saved, so nothing is saved half
                st.error(problem)
            else:
                try:
                    accounts.set_full_name(actor, u.id, new_name)
                    accounts.set_role(actor, u.id, new_role, new_unit)
                except DomainError as exc:
                    ui.show_error(exc)
                else:
                    ui.flash("Peran, unit dan nama tersimpan.")
                    st.rerun()

with tab_status:
    if u.active:
        st.write("Menonaktifkan akun mengakhiri semua sesinya; riwayat dan jejak auditnya tetap ada.")
        if st.button("Nonaktifkan akun", key=f"deact_{u.id}", disabled=u.id == actor.user_id):
            try:
                accounts.set_active(actor, u.id, False)
            except DomainError as exc:
                ui.show_error(exc)
            else:
                ui.flash(f"Akun '{ui.escape_md(u.username)}' dinonaktifkan; semua sesinya berakhir.")
                st.rerun()
    else:
        if st.button("Aktifkan kembali", key=f"react_{u.id}"):
            try:
                accounts.set_active(actor, u.id, True)
            except DomainError as exc:
                ui.show_error(exc)
            else:
                ui.flash(f"Akun '{ui.escape_md(u.username)}' diaktifkan kembali.")
                st.rerun()
    if u.locked or u.failed_logins:
        st.write(f"Percobaan gagal berturut-turut: {u.failed_logins}. "
                 + (f"Terkunci sampai {ui.wib(u.locked_until)} WIB." if u.locked else ""))
        if st.button("Buka kunci", key=f"unlock_{u.id}"):
            try:
                accounts.unlock(actor, u.id)
            except DomainError as exc:
                ui.show_error(exc)
            else:
                ui.flash(f"Kunci akun '{ui.escape_md(u.username)}' dibuka.")
                st.rerun()

with tab_pw:
    if u.id == actor.user_id:
        st.info("Untuk akun Anda sendiri, gunakan formulir \"Ganti kata sandi saya\" di atas.")
    else:
        with st.form(f"reset_{u.id}", clear_on_submit=True):
            r1 = st.text_input("Kata sandi baru", type="password", max_chars=accounts.MAX_PASSWORD)
            r2 = st.text_input("Ulangi kata sandi baru", type="password", max_chars=accounts.MAX_PASSWORD)
            st.caption("Semua sesi pengguna ini berakhir dan kuncinya dibuka.")
            if st.form_submit_button("Atur ulang kata sandi"):
                if r1 != r2:
                    st.error("Kata sandi dan ulangannya tidak sama.")
                else:
                    try:
                        accounts.change_password(actor, u.id, r1)
                    except DomainError as exc:
                        ui.show_error(exc)
                    else:
                        st.success("Kata sandi diatur ulang.")
