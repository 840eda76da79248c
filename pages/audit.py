"""Jejak Audit: every write, who/when/what with the old and the new value; filters and Excel export."""
from __future__ import annotations

from datetime import datetime, timedelta

import streamlit as st

from assessment import audit_views
from assessment.errors import DomainError
from assessment.permissions import Perm
from pages import ui

actor = ui.require_actor()
ui.header(
    "Jejak Audit",
    "Catatan setiap perubahan data di portal: jawaban dan status asesmen, pemetaan dan pengaturan, rencana aksi, "
    "impor LAPOR!, unit kerja, dan pengguna. Setiap baris memuat siapa, kapan (WIB), apa, nilai lama dan nilai baru. "
    "Catatan ini hanya dapat ditambah, tidak dapat diubah atau dihapus (dijaga oleh basis data). "
    "Kata sandi tidak pernah dicatat. Hanya Admin dan Pimpinan yang dapat membuka halaman ini.",
)
if not ui.can_do(Perm.AUDIT_VIEW):
    st.error("Akses ditolak: halaman ini hanya untuk Admin dan Pimpinan.")
    st.stop()

opts = audit_views.choices(actor)
ANY = "(semua)"
c1, c2, c3 = st.columns(3)
who = c1.selectbox("Pengguna", [ANY] + opts["actor"], key="audit_actor")
prefixes = sorted({a.split(".")[0] + "." for a in opts["action"] if "." in a})
# Groups first ("Akun pengguna: semua tindakan"), then single actions, each sorted by what the reader sees.
groups = sorted((p + "*" for p in prefixes), key=audit_views.action_label)
what = c2.selectbox("Tindakan", [ANY] + groups + sorted(opts["action"], key=audit_views.action_label),
                    format_func=lambda a: a if a == ANY else audit_views.action_label(a), key="audit_action",
                    help="Pilihan \"...: semua tindakan\" memilih seluruh tindakan satu kelompok, "
                         "misalnya semua tindakan atas akun pengguna.")
entity = c3.selectbox("Entitas", [ANY] + sorted(opts["entity"], key=audit_views.entity_label),
                      format_func=lambda e: e if e == ANY else audit_views.entity_label(e), key="audit_entity")
c4, c5, c6 = st.columns(3)
today = datetime.now(ui.WIB).date()  # the filter's days are WIB calendar days
d_from = c4.date_input("Dari tanggal", value=today - timedelta(days=30), format="DD-MM-YYYY", key="audit_from")
d_to = c5.date_input("Sampai tanggal", value=today, format="DD-MM-YYYY", key="audit_to")
entity_id = c6.text_input("ID entitas (opsional)", max_chars=120, key="audit_eid")

flt = audit_views.AuditFilter(
    actor=None if who == ANY else who,
    action=None if what == ANY else what,
    entity=None if entity == ANY else entity,
    entity_id=entity_id.strip() or None,
    date_from=d_from or None,
    date_to=d_to or None,
)

PAGE = 200
try:
    total = audit_views.count(actor, flt)
except DomainError as exc:
    ui.show_error(exc)
    st.stop()

pages_n = max(1, (total + PAGE - 1) // PAGE)
c7, c8 = st.columns([1, 3])
page_no = c7.number_input("Halaman", min_value=1, max_value=pages_n, value=1, step=1, key="audit_page")
c8.caption(f"{total} baris cocok dengan filter; ditampilkan {PAGE} per halaman, terbaru di atas.")

df = audit_views.query(actor, flt, limit=PAGE, offset=(int(page_no) - 1) * PAGE)
if df.empty:
    st.info("Tidak ada catatan untuk filter ini.")
else:
    # st.dataframe shows every cell as text: nothing a user typed is rendered as HTML.
    shown = df[audit_views.PAGE_COLUMNS].copy()
    for col in ("Perubahan", "Nilai lama", "Nilai baru"):  # a table cell shows one line: "nilai: 3 -> 4; catatan: ..."
        shown[col] = shown[col].str.replace("\n", "; ", regex=False)
    st.dataframe(shown, hide_index=True, width="stretch",
                 column_config={"Perubahan": st.column_config.TextColumn(width="large"),
                                "Nilai lama": st.column_config.TextColumn(width="medium"),
                                "Nilai baru": st.column_config.TextColumn(width="medium")})
    st.caption("Perubahan: setiap isian yang berubah, ditulis \"isian: nilai lama -> nilai baru\" dan dipisah titik koma. "
               "Berkas Excel juga memuat kode tindakan dan nilai lama/baru dalam bentuk asli (JSON) untuk auditor.")

if total:
    if st.button("Siapkan unduhan Excel", icon=":material/download:", key="audit_prepare"):
        try:
            st.session_state["audit_xlsx"] = (flt, audit_views.export_xlsx(actor, flt))
        except DomainError as exc:
            ui.show_error(exc)
    prepared_for, data = st.session_state.get("audit_xlsx", (None, None))
    if data and prepared_for == flt:
        st.download_button("Unduh jejak audit (.xlsx)", data, file_name=f"jejak-audit-{today:%Y%m%d}.xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           key="audit_download")
