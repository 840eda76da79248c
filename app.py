"""Entry point: `streamlit run app.py`. Checks the database, logs the user in, and builds the
navigation from the pages the user's role may use (the services enforce the same rules)."""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from assessment import accounts, startup  # noqa: E402
from assessment.errors import DomainError  # noqa: E402
from assessment.permissions import ROLES  # noqa: E402
from pages import session, ui  # noqa: E402

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
LEADERSHIP = frozenset({"admin", "pimpinan", "tim_asesor", "verifikator"})  # everyone who sees every unit
AUDITORS = frozenset({"admin", "pimpinan"})  # Perm.AUDIT_VIEW

PAGES: list[PageSpec] = [
    PageSpec("pages/beranda.py", "Beranda", ":material/home:", "Umum", ALL),
    PageSpec("pages/asesmen_mandiri.py", "Asesmen Mandiri", ":material/edit_note:", "Asesmen", ALL),
    PageSpec("pages/hasil_prioritas.py", "Hasil & Prioritas", ":material/leaderboard:", "Asesmen", ALL),
    PageSpec("pages/informasi_umum.py", "Informasi Umum (Tabel 2)", ":material/table_chart:", "Asesmen", ALL),
    PageSpec("pages/konsensus.py", "Konsensus Tim Asesor", ":material/groups:", "Asesmen",
             frozenset({"admin", "tim_asesor", "verifikator", "pimpinan"})),
    PageSpec("pages/asesmen_offline.py", "Asesmen Offline (Excel)", ":material/upload_file:", "Asesmen",
             frozenset({"admin", "tim_asesor", "operator_opd"})),
    PageSpec("pages/perbandingan.py", "Perbandingan", ":material/compare_arrows:", "Asesmen", ALL),
    PageSpec("pages/unit_kerja.py", "Unit Kerja", ":material/apartment:", "Pengaturan", ALL),
    PageSpec("pages/admin_instrumen.py", "Admin Instrumen", ":material/tune:", "Pengaturan", ADMIN),
    PageSpec("pages/rencana_aksi.py", "Rencana Aksi", ":material/checklist:", "Rencana Aksi", ALL),
    PageSpec("pages/renaksi_asesmen.py", "Asesmen ke Rencana Aksi", ":material/link:", "Rencana Aksi", ALL),
    PageSpec("pages/target_indikator.py", "Target & Indikator", ":material/flag:", "Rencana Aksi", ALL),
    PageSpec("pages/renaksi_katalog.py", "Katalog Rencana Aksi", ":material/edit_calendar:", "Pengaturan", ADMIN),
    PageSpec("pages/impor_lapor.py", "Impor Data LAPOR!", ":material/upload_file:", "Pengaduan LAPOR!", ADMIN),
    PageSpec("pages/peringkat_opd.py", "Peringkat OPD", ":material/military_tech:", "Pengaduan LAPOR!", ALL),
    PageSpec("pages/detail_unit.py", "Detail Unit", ":material/domain:", "Pengaduan LAPOR!", ALL),
    PageSpec("pages/scorecard_pimpinan.py", "Scorecard Pimpinan", ":material/dashboard:", "Umum", LEADERSHIP),
    PageSpec("pages/statistik_publik.py", "Statistik Publik", ":material/public:", "Umum", PUBLIC),
    PageSpec("pages/audit.py", "Jejak Audit", ":material/history:", "Pengaturan", AUDITORS),
    PageSpec("pages/pengguna.py", "Pengguna & Kata Sandi", ":material/group:", "Pengaturan", ALL),
]


def _visible(spec: PageSpec, actor) -> bool:
    if not (ROOT / spec.path).exists():
        return False  # a page still being written elsewhere
    if spec.roles == PUBLIC:
        return True
    if actor is None:
        return False
    return spec.roles is None or actor.role in spec.roles


def _closed_page(spec: PageSpec, actor):
    def show() -> None:
        st.title(spec.title)
        st.warning(f"Halaman ini tidak tersedia untuk peran {ROLES.get(actor.role, actor.role)}. "
                   "Pilih halaman lain di menu; hubungi admin Dinas Kominfo bila Anda memerlukan akses.")

    return show


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
            st.caption(f"Masuk sebagai **{ui.escape_md(actor.full_name or actor.username)}** "
                       f"({ROLES.get(actor.role, actor.role)})")
            if st.button("Keluar", key="logout", icon=":material/logout:"):
                session.end("logout")
                st.rerun()


def main() -> None:
    try:
        startup.ensure_ready()
    except DomainError as exc:
        message = exc.message

        def _broken() -> None:
            st.error("Portal tidak dapat dimulai: " + message)

        # Still go through st.navigation, so that pages/ is never listed as a page directory.
        st.navigation([st.Page(_broken, title="Galat", url_path="galat")]).run()
        return
    # Ends the session when it expired, sat idle, or the account changed elsewhere (password, role, deactivation).
    actor = session.check()
    ui.apply_font_scale(st.session_state.get("font_scale", 100))
    sections: dict[str, list] = {}
    if actor is None:
        sections["Akun"] = [st.Page("pages/masuk.py", title="Masuk", icon=":material/login:", url_path="masuk",
                                    default=True)]
    for spec in PAGES:
        if not (ROOT / spec.path).exists():
            continue
        url_path = Path(spec.path).stem
        if _visible(spec, actor):
            sections.setdefault(spec.section, []).append(
                st.Page(spec.path, title=spec.title, icon=spec.icon, url_path=url_path))
        else:
            # Still addressable but not in the menu: a bookmarked URL shows the login form (and then the
            # page itself once logged in) or says why it is closed, instead of Streamlit's English
            # "Page not found" dialog.
            closed = (st.Page("pages/masuk.py", title="Masuk", url_path=url_path, visibility="hidden")
                      if actor is None else
                      st.Page(_closed_page(spec, actor), title=spec.title, url_path=url_path, visibility="hidden"))
            sections.setdefault(spec.section, []).append(closed)
    nav = st.navigation(sections, expanded=True)
    _sidebar(actor)
    nav.run()


if __name__ == "__main__":  # streamlit runs the script as __main__; tests import PAGES without running it
    main()
