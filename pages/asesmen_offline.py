"""Asesmen Offline: download the Excel template of the matrix, fill it without the portal, upload it."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from assessment import assessments, offline_template as ot, units as units_svc
from assessment.errors import DomainError
from assessment.permissions import Perm
from pages import ui

actor = ui.require_actor()
ui.header(
    "Asesmen Offline (Excel)",
    "Untuk mengisi matriks asesmen (Tabel 3) tanpa portal: unduh templat Excel unit dan tahun ini (22 pertanyaan, "
    "pilihan nilai 1-4, kolom catatan dan tautan bukti), isi, lalu unggah kembali. Portal memeriksa seluruh isi "
    "berkas, menampilkan pratinjau perubahan (nilai lama -> baru), dan baru menyimpan setelah Anda menekan "
    "Terapkan - semuanya sekaligus, atau tidak sama sekali. Templat untuk unit, tahun atau versi instrumen lain "
    "ditolak.",
)
flash = st.session_state.pop("off_flash", None)  # shown where the preview was (the user is there)

unit_id, year = ui.unit_year_picker(units_svc.list_units(), key="sel")
aid = assessments.find(actor, unit_id, year)
if aid is None:
    st.info("Belum ada asesmen untuk unit dan tahun ini. Buat asesmen di halaman Asesmen Mandiri, lalu kembali "
            "ke sini untuk mengunduh templatnya.")
    st.stop()
view = assessments.get(actor, aid)
st.caption(f"{view.unit_name}, tahun {view.year} - status {view.state_label} - instrumen versi "
           f"{view.instrument.number} - terisi {view.answered}/{view.instrument.question_count}")

st.subheader("1. Unduh templat")
st.download_button("Unduh templat Excel", data=lambda: ot.template_for_view(view), file_name=ot.template_filename(view),
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   icon=":material/download:", on_click="ignore", key=f"off_dl_{aid}")
st.caption("Templat berisi jawaban yang tersimpan saat ini. Kolom No dan Pertanyaan dikunci; jangan menambah, "
           "menghapus atau memindah baris. Sel Nilai yang dikosongkan berarti pertanyaan itu belum dinilai.")

st.subheader("2. Unggah templat yang sudah diisi")
parsed_key = f"off_parsed_{aid}"
if not view.editable:
    st.info(f"Asesmen berstatus {view.state_label}: hanya asesmen berstatus Draf atau Dikembalikan yang dapat "
            "diisi dari templat.")
    st.stop()
if not ui.can_do(Perm.ASSESSMENT_EDIT, view.unit_id):
    st.info("Peran Anda tidak dapat mengubah asesmen ini; Anda tetap dapat mengunduh templatnya.")
    st.stop()
# A new key after Terapkan/Batalkan empties the uploader, so an applied file does not linger there.
round_key = f"off_round_{aid}"
upload = st.file_uploader("Berkas templat (.xlsx)",  # type checked by the service, in Indonesian
                          key=f"off_up_{aid}_{st.session_state.get(round_key, 0)}",
                          max_upload_size=ot.MAX_BYTES // (1024 * 1024) or 1)
if flash:
    st.success(flash)


def _next_round() -> None:
    st.session_state.pop(parsed_key, None)
    st.session_state[round_key] = st.session_state.get(round_key, 0) + 1

if upload is not None and st.session_state.get(f"off_seen_{aid}") != upload.file_id:
    st.session_state[f"off_seen_{aid}"] = upload.file_id
    st.session_state.pop(parsed_key, None)
    try:
        st.session_state[parsed_key] = ot.parse_upload(actor, aid, upload.name, upload.getvalue())
    except DomainError as exc:
        ui.show_error(exc)
        st.caption("Tidak ada yang disimpan. Perbaiki berkas lalu unggah lagi.")

parsed: ot.ParsedUpload | None = st.session_state.get(parsed_key)
if parsed is not None:
    st.subheader("3. Pratinjau perubahan")
    st.caption(f"Berkas '{parsed.filename}': {len(parsed.changes)} pertanyaan berubah, {parsed.unchanged} tetap.")
    if not parsed.changes:
        st.info("Isi berkas sama dengan yang tersimpan: tidak ada yang perlu diterapkan.")
    else:
        def _s(v):
            return "-" if v is None else str(v)

        st.dataframe(pd.DataFrame([{
            "No": c.question_no, "Nilai (lama → baru)": f"{_s(c.old_score)} → {_s(c.new_score)}",
            "Berubah": ", ".join(c.fields),
            "Catatan baru": c.new_note or "", "Tautan bukti baru": c.new_link or "",
            "Catatan lama": c.old_note or "", "Pertanyaan": c.text,
        } for c in parsed.changes]), hide_index=True, width="stretch",
            column_config={"Pertanyaan": st.column_config.TextColumn(width="large")})
        b1, b2 = st.columns(2)
        if b1.button("Terapkan perubahan", type="primary", key=f"off_apply_{aid}"):
            try:
                n = ot.commit(actor, parsed)
            except DomainError as exc:
                ui.show_error(exc)
            else:
                _next_round()
                st.session_state["off_flash"] = (f"{n} jawaban dari berkas '{parsed.filename}' tersimpan. Lihat hasilnya "
                                                 "di halaman Hasil & Prioritas.")
                st.rerun()
        if b2.button("Batalkan", key=f"off_cancel_{aid}"):
            _next_round()
            st.rerun()
