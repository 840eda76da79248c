"""Asesmen Mandiri: the 22-question form (Tabel 3). Every change is saved at once."""
from __future__ import annotations

import streamlit as st

from assessment import assessments, evidence, units as units_svc
from assessment.assessments import AnswerChange
from assessment.config import get_settings
from assessment.errors import ConflictError, DomainError
from assessment.permissions import Perm
from pages import ui

actor = ui.require_actor()
ui.header(
    "Asesmen Mandiri",
    "Isi matriks asesmen (Tabel 3) untuk satu unit dan satu tahun: nilai 1 (terendah) sampai 4 (tertinggi), "
    "catatan, dan bukti dukung (berkas atau tautan). Setiap isian tersimpan otomatis saat Anda berpindah "
    "kolom; Anda boleh menutup halaman dan melanjutkan kapan saja.",
)

unit_id, year = ui.unit_year_picker(units_svc.list_units(), key="sel")
aid = assessments.find(actor, unit_id, year)
if aid is None:
    st.info("Belum ada asesmen untuk unit dan tahun ini.")
    if ui.can_do(Perm.ASSESSMENT_CREATE, unit_id):
        unit_name = units_svc.get_unit(unit_id).name
        # The label names what will be created, so nobody (and no test) clicks a stale button.
        if st.button(f"Mulai asesmen {unit_name} {year}", type="primary", key=f"create_{unit_id}_{year}"):
            try:
                assessments.create(actor, unit_id, year)
                st.rerun()
            except DomainError as exc:
                ui.show_error(exc)
    else:
        st.caption("Peran Anda tidak dapat memulai asesmen untuk unit ini.")
    st.stop()

view = assessments.get(actor, aid)
inst = view.instrument
ui.show_flash()
can_edit = view.editable and ui.can_do(Perm.ASSESSMENT_EDIT, view.unit_id)
scale_labels = {s["score"]: s["label"] for s in inst.scale}

# Which answer version each widget shows. When the stored version moves on (someone else saved),
# the widgets are reloaded from the database and the user is told, so no save overwrites unseen work.
seen: dict[int, int] = st.session_state.setdefault(f"seen_{aid}", {})
changed_by_others = []
widget_keys = ("score_{}_{}", "note_{}_{}", "link_{}_{}")
for q in sorted(inst.questions):
    a = view.answers[q]
    # Streamlit forgets a widget's value when the widget was not drawn in a run (another page was
    # open, or the question was filtered out): reload it then too, or it would show a blank form.
    missing_widget = any(k.format(aid, q) not in st.session_state for k in widget_keys)
    if seen.get(q) != a.version or missing_widget:
        st.session_state[f"score_{aid}_{q}"] = a.score
        st.session_state[f"note_{aid}_{q}"] = a.note or ""
        st.session_state[f"link_{aid}_{q}"] = a.evidence_link or ""
        st.session_state.get(f"errors_{aid}", {}).pop(q, None)
        if q in seen and seen[q] != a.version and a.updated_by != actor.username:
            changed_by_others.append((q, a.updated_by))
        seen[q] = a.version


FIELD_LABEL = {"score": "Nilai", "note": "Catatan", "evidence_link": "Tautan bukti"}


def _save(q: int, field: str) -> None:
    """Widget callback: save the one field that changed, with the version this form was showing.

    Saving one field at a time means a refused note never takes a valid link down with it."""
    change = AnswerChange(
        score=st.session_state.get(f"score_{aid}_{q}"),
        note=st.session_state.get(f"note_{aid}_{q}"),
        evidence_link=st.session_state.get(f"link_{aid}_{q}") or None,
        base_version=seen.get(q),
        fields=(field,),
    )
    errors = st.session_state.setdefault(f"errors_{aid}", {})
    try:
        seen[q] = assessments.save_answers(actor, aid, {q: change})[q]
        errors.pop(q, None)
        st.toast(f"Pertanyaan {q} tersimpan.", icon=":material/check_circle:")
    except ConflictError as exc:
        errors[q] = exc.message + f" (Isian Anda: nilai {change.score or '-'}.)"
        seen.pop(q, None)  # reload this question from the database on the rerun
    except DomainError as exc:
        errors[q] = f"{FIELD_LABEL[field]} TIDAK disimpan: {exc.message}"


c1, c2, c3 = st.columns([2, 1, 1])
c1.progress(view.answered / inst.question_count, text=f"Terisi {view.answered} dari {inst.question_count} pertanyaan")
c2.metric("Status", view.state_label)
c3.metric("Versi instrumen", inst.number)
if view.state == "dikembalikan" and view.return_comment:
    st.warning("Dikembalikan oleh verifikator dengan komentar: " + ui.escape_md(view.return_comment))
if not can_edit:
    st.info(f"Asesmen berstatus {view.state_label}: hanya dapat dibaca." if not view.editable
            else "Peran Anda hanya dapat membaca asesmen ini.")
for q, who in changed_by_others:
    st.info(f"Pertanyaan {q} baru saja diubah oleh {ui.escape_md(who)}; isian terbaru ditampilkan.")

with st.expander("Arti nilai 1-4"):
    for s in inst.scale:
        st.markdown(f"**{ui.escape_md(s['label'])}** - {ui.escape_md(s['description'])}")

only_missing = st.toggle("Tampilkan hanya pertanyaan yang belum dinilai", key=f"missing_{aid}")
errors = st.session_state.get(f"errors_{aid}", {})
for q in sorted(inst.questions):
    a = view.answers[q]
    if only_missing and a.score is not None and q not in errors:
        continue
    with st.container(border=True):
        st.markdown(f"**{q}.** {ui.escape_md(inst.questions[q])}")
        left, right = st.columns([3, 2])
        left.radio("Nilai", options=[1, 2, 3, 4], format_func=lambda v: scale_labels.get(v, str(v)),
                   key=f"score_{aid}_{q}", index=None, horizontal=True, disabled=not can_edit, on_change=_save, args=(q, "score"))
        right.text_input("Tautan bukti (opsional)", key=f"link_{aid}_{q}", disabled=not can_edit, max_chars=1000,
                         on_change=_save, args=(q, "evidence_link"), placeholder="https://...")
        st.text_area("Catatan", key=f"note_{aid}_{q}", disabled=not can_edit, on_change=_save,
                     args=(q, "note"), height=68, max_chars=4000,
                     placeholder="Dasar penilaian, kondisi nyata, rencana perbaikan...")
        if q in errors:
            st.error(errors[q])
        for f in a.files:
            fc1, fc2 = st.columns([4, 1])
            fc1.download_button(f"Unduh {f.label}", data=lambda i=f.id: evidence.download(i)[2],
                                file_name=f.filename or "bukti", key=f"dl_{f.id}", type="tertiary",
                                icon=":material/download:", on_click="ignore")
            if can_edit and fc2.button("Hapus", key=f"rm_{f.id}"):
                try:
                    assessments.remove_evidence(actor, aid, q, f.id)
                    st.rerun()
                except DomainError as exc:
                    ui.show_error(exc)
        if can_edit:
            counter = st.session_state.get(f"upn_{aid}_{q}", 0)
            up = st.file_uploader("Unggah berkas bukti (PDF, gambar, dokumen Word/Excel; maks. "
                                  f"{get_settings().max_evidence_mb} MB)", key=f"up_{aid}_{q}_{counter}",
                                  max_upload_size=get_settings().max_evidence_mb)  # type checked by the service, in Indonesian
            if up is not None:
                try:
                    assessments.add_evidence_file(actor, aid, q, up.name, up.getvalue())
                    st.session_state[f"upn_{aid}_{q}"] = counter + 1
                    st.rerun()
                except DomainError as exc:
                    ui.show_error(exc)

st.divider()
st.subheader("Pengajuan dan verifikasi")
if view.editable and ui.can_do(Perm.ASSESSMENT_SUBMIT, view.unit_id):
    if view.missing:
        st.caption(f"Belum dapat diajukan: pertanyaan {', '.join(map(str, view.missing))} belum dinilai.")
    if st.button("Ajukan untuk verifikasi", type="primary", disabled=bool(view.missing), key=f"submit_{aid}"):
        ui.run_action(lambda: assessments.submit(actor, aid, base_version=view.version),
                      "Asesmen diajukan untuk verifikasi.")
if view.state in ("diajukan", "diverifikasi") and ui.can_do(Perm.ASSESSMENT_VERIFY, view.unit_id):
    b1, b2 = st.columns(2)
    if view.state == "diajukan" and b1.button("Verifikasi", type="primary", key=f"verify_{aid}"):
        ui.run_action(lambda: assessments.verify(actor, aid, base_version=view.version), "Asesmen diverifikasi.")
    if view.state == "diverifikasi" and ui.can_do(Perm.ASSESSMENT_FINALIZE, view.unit_id) \
            and b1.button("Finalkan", type="primary", key=f"final_{aid}"):
        ui.run_action(lambda: assessments.finalize(actor, aid, base_version=view.version), "Asesmen difinalkan.")
    with b2.form(f"return_{aid}"):
        comment = st.text_area("Komentar pengembalian (wajib)", key=f"retc_{aid}")
        if st.form_submit_button("Kembalikan untuk perbaikan"):
            ui.run_action(lambda: assessments.return_for_revision(actor, aid, comment, base_version=view.version),
                          "Asesmen dikembalikan kepada tim dengan komentar Anda.")
if view.events:
    st.caption("Riwayat status")
    st.dataframe([{"Waktu (WIB)": ui.wib(e.at), "Dari": assessments.STATES.get(e.from_state, e.from_state),
                   "Menjadi": assessments.STATES.get(e.to_state, e.to_state), "Oleh": e.actor,
                   "Komentar": e.comment or ""} for e in view.events], hide_index=True, width="stretch")
