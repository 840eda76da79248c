"""Masuk: the login form (the only page, with the public statistics, that needs no account)."""
from __future__ import annotations

import streamlit as st

from assessment import accounts
from assessment.errors import DomainError
from pages import session, ui

ui.header(
    "Masuk ke Portal Monev SP4N-LAPOR!",
    "Portal monitoring dan evaluasi pengelolaan pengaduan SP4N-LAPOR! Pemerintah Kabupaten Blitar "
    "(Peraturan Bupati Blitar 54/2022). Masuk dengan akun yang diberikan admin Dinas Kominfo. "
    "Statistik publik dapat dilihat tanpa masuk. " + accounts.lockout_notice(),
)

if accounts.count_users() == 0:
    st.warning(
        "Belum ada pengguna. Admin pertama dibuat dari baris perintah di server:\n\n"
        "`.venv/bin/python manage.py create-user --role admin --username NAMA --full-name \"Nama Lengkap\"`\n\n"
        "Kata sandi ditanyakan di terminal dan hanya disimpan sebagai hash argon2; tidak ada kata sandi bawaan."
    )

reason = st.session_state.pop("logout_reason", None)
if reason:
    st.info(accounts.LOGOUT_REASONS.get(reason, accounts.LOGOUT_REASONS["logout"]))

# clear_on_submit: the typed password does not stay in the session after the attempt.
with st.form("login", clear_on_submit=True):
    username = st.text_input("Nama pengguna", max_chars=80, autocomplete="username")
    password = st.text_input("Kata sandi", type="password", max_chars=accounts.MAX_PASSWORD,
                             autocomplete="current-password")
    submitted = st.form_submit_button("Masuk", type="primary")

if submitted:
    try:
        actor = accounts.authenticate(username, password)
    except DomainError as exc:
        ui.show_error(exc)
    else:
        session.start(actor)
        st.rerun()
