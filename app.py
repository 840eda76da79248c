"""Entry point: `streamlit run app.py`. Checks the database, logs the user in, and builds the
navigation from the pages the user's role may use (the services enforce the same rules)."""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from assessment import accounts, startup  # noqa: E402
from assessment.config import get_settings  # noqa: E402
from assessment.errors import DomainError  # noqa: E402
from pages import ui  # noqa: E402

st.set_page_config(page_title="Monev SP4N-LAPOR!", page_icon=":material/fact_check:", layout="wide")


@dataclass(frozen=True)
class PageSpec:
    path: str
    title: str
    icon: str
    section: str
    roles: Optional[frozenset[str]]  # None: everyone logged in; frozenset(): the public too


ALL = None
PUBLIC = frozenset()
STAFF = frozenset({"admin", "tim_asesor", "verifikator", "pimpinan", "operator_opd"})
ADMIN = frozenset({"admin"})

PAGES: list[PageSpec] = [
    PageSpec("pages/beranda.py", "Beranda", ":material/home:", "Umum", ALL),
    PageSpec("pages/asesmen_mandiri.py", "Asesmen Mandiri", ":material/edit_note:", "Asesmen", ALL),
    PageSpec("pages/hasil_prioritas.py", "Hasil & Prioritas", ":material/leaderboard:", "Asesmen", ALL),
    PageSpec("pages/informasi_umum.py", "Informasi Umum (Tabel 2)", ":material/table_chart:", "Asesmen", ALL),
    PageSpec("pages/unit_kerja.py", "Unit Kerja", ":material/apartment:", "Pengaturan", ALL),
    PageSpec("pages/admin_instrumen.py", "Admin Instrumen", ":material/tune:", "Pengaturan", ADMIN),
]


def _visible(spec: PageSpec, actor) -> bool:
    if spec.roles == PUBLIC:
        return True
    if actor is None:
        return False
    return spec.roles is None or actor.role in spec.roles


def _session_ok(actor) -> bool:
    """A session ends after the configured minutes, or when the account changed elsewhere."""
    started = st.session_state.get("login_at", 0)
    if time.time() - started > get_settings().session_minutes * 60:
        return False
    return accounts.session_valid(actor)


def _login_page() -> None:
    st.title("Masuk ke Portal Monev SP4N-LAPOR!")
    st.caption("Portal monitoring dan evaluasi pengelolaan pengaduan (Peraturan Bupati Blitar 54/2022). "
               "Masuk dengan akun yang diberikan admin Dinas Kominfo. Statistik publik dapat dilihat tanpa masuk.")
    if accounts.count_users() == 0:
        st.warning("Belum ada pengguna. Admin pertama dibuat dari baris perintah: "
                   "`.venv/bin/python manage.py create-user --role admin --username NAMA --full-name \"Nama Lengkap\"` "
                   "(kata sandi ditanyakan, tidak pernah disimpan sebagai teks).")
    if st.session_state.pop("logout_reason", None):
        st.info("Sesi Anda berakhir. Silakan masuk kembali.")
    with st.form("login"):
        username = st.text_input("Nama pengguna", key="login_username")
        password = st.text_input("Kata sandi", type="password", key="login_password")
        ok = st.form_submit_button("Masuk", type="primary")
    if ok:
        try:
            actor = accounts.authenticate(username, password)
        except DomainError as exc:
            ui.show_error(exc)
        else:
            st.session_state["actor"] = actor
            st.session_state["login_at"] = time.time()
            st.session_state["font_scale"] = accounts.font_scale(actor)
            st.rerun()


def _sidebar(actor) -> None:
    with st.sidebar:
        scale = st.session_state.get("font_scale", 100)
        choice = st.select_slider("Ukuran huruf", options=list(ui.FONT_SCALES), value=scale,
                                  format_func=lambda v: ui.FONT_SCALES[v], key="font_scale_slider",
                                  help="Berlaku untuk semua halaman; tersimpan untuk akun Anda.")
        if choice != scale:
            st.session_state["font_scale"] = choice
            if actor is not None:
                accounts.set_font_scale(actor, choice)
        if actor is not None:
            from assessment.permissions import ROLES

            st.caption(f"Masuk sebagai **{ui.escape_md(actor.full_name or actor.username)}** "
                       f"({ROLES.get(actor.role, actor.role)})")
            if st.button("Keluar", key="logout", icon=":material/logout:"):
                for k in list(st.session_state.keys()):
                    del st.session_state[k]
                st.rerun()


def main() -> None:
    try:
        startup.ensure_ready()
    except DomainError as exc:
        st.error("Portal tidak dapat dimulai: " + exc.message)
        st.stop()
    actor = ui.current_actor()
    if actor is not None and not _session_ok(actor):
        for k in list(st.session_state.keys()):
            del st.session_state[k]
        st.session_state["logout_reason"] = "expired"
        actor = None
    ui.apply_font_scale(st.session_state.get("font_scale", 100))
    sections: dict[str, list] = {}
    for spec in PAGES:
        if _visible(spec, actor):
            sections.setdefault(spec.section, []).append(
                st.Page(spec.path, title=spec.title, icon=spec.icon, url_path=Path(spec.path).stem))
    if actor is None:
        sections.setdefault("Akun", []).insert(0, st.Page(_login_page, title="Masuk", icon=":material/login:",
                                                           url_path="masuk", default=True))
    nav = st.navigation(sections)
    _sidebar(actor)
    nav.run()


main()
