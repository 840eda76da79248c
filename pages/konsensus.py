"""Konsensus Tim Asesor: independent scoring, the comparison of the submitted scores, the consensus."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from assessment import assessments, consensus, units as units_svc
from assessment.consensus import OwnScore
from assessment.errors import DomainError
from pages import ui
from scoring.agreement import kappa_label

actor = ui.require_actor()
ui.header(
    "Konsensus Tim Asesor",
    "Setiap anggota Tim Asesor menilai 22 pertanyaan secara mandiri lalu mengajukan nilainya; nilai anggota lain "
    "baru terlihat setelah Anda mengajukan nilai sendiri. Setelah minimal dua anggota mengajukan, ketua tim (ditetapkan "
    "admin untuk setiap unit dan tahun) membuka "
    "konsensus: semua nilai, rentang (selisih tertinggi-terendah), tanda untuk selisih 2 atau lebih, serta angka "
    "kesepakatan (persentase sama persis dan kappa berbobot kuadratik) tampil. Ketua tim menetapkan nilai konsensus "
    "dengan catatan; nilai konsensus itulah yang dipakai asesmen (hasil, prioritas, ekspor).",
)
if st.session_state.get("ks_flash"):
    st.success(st.session_state.pop("ks_flash"))

unit_id, year = ui.unit_year_picker(units_svc.list_units(), key="sel")
aid = assessments.find(actor, unit_id, year)
if aid is None:
    st.info("Belum ada asesmen untuk unit dan tahun ini. Buat asesmen di halaman Asesmen Mandiri.")
    st.stop()
status = consensus.status(actor, aid)
view = assessments.get(actor, aid)
inst = view.instrument

c1, c2, c3, c4 = st.columns(4)
c1.metric("Status asesmen", status.state_label)
c2.metric("Anggota mengajukan", f"{status.submitted_count} dari {len(status.assessors)}")
c3.metric("Konsensus", "Dibuka" if status.opened else "Belum dibuka")
c4.metric("Pertanyaan berkonsensus", f"{status.decided} dari {status.total}")
if status.assessors:
    st.dataframe(pd.DataFrame([{
        "Anggota": a.label, "Terisi": f"{a.answered}/{a.total}",
        "Diajukan (WIB)": ui.wib(a.submitted_at) if a.submitted else "belum",
    } for a in status.assessors]), hide_index=True, width="stretch")
if status.opened:
    st.caption(f"Konsensus dibuka oleh {status.opened_by} pada {ui.wib(status.opened_at)} WIB; penilaian mandiri ditutup.")


def _run(fn, flash: str) -> None:
    try:
        fn()
    except DomainError as exc:
        ui.show_error(exc)
    else:
        st.session_state["ks_flash"] = flash
        st.rerun()


# --- the ketua tim -------------------------------------------------------------------------------
lead = status.lead
if lead is not None:
    st.markdown(f"**Ketua tim:** {ui.escape_md(lead.label)}")
    st.caption(f"Ditetapkan oleh {ui.escape_md(lead.designated_by)} pada {ui.wib(lead.designated_at)} WIB. "
               "Hanya ketua tim (atau admin) yang membuka konsensus dan menetapkan nilai konsensus."
               + ("" if status.can_set_lead else " Untuk mengganti ketua tim, hubungi admin (Dinas Kominfo)."))
    if status.is_lead and view.editable:
        st.info("Anda ketua tim asesmen ini: tetapkan nilai konsensus di bagian 3." if status.opened else
                "Anda ketua tim asesmen ini: setelah minimal dua anggota mengajukan nilainya, Anda membuka konsensus "
                "dan menetapkan nilai konsensus di bagian 3.")
elif view.editable:
    st.warning("Ketua tim asesmen ini belum ditetapkan. Admin menetapkan satu anggota Tim Asesor sebagai ketua tim; "
               "sampai itu hanya admin yang dapat membuka konsensus dan menetapkan nilai konsensus.")
if status.can_set_lead:
    with st.expander("Ganti ketua tim" if lead else "Tetapkan ketua tim", expanded=lead is None):
        candidates = consensus.lead_candidates(actor)
        if not candidates:
            st.info("Belum ada pengguna aktif berperan Tim Asesor. Buat akunnya di halaman Pengguna.")
        else:
            names = [c.username for c in candidates]
            labels = {c.username: c.label for c in candidates}
            current = names.index(lead.username) if lead and lead.username in names else None
            with st.form(f"lead_{aid}"):
                choice = st.selectbox("Ketua tim (anggota Tim Asesor yang aktif)", names, index=current,
                                      format_func=labels.get, key=f"lead_pick_{aid}",
                                      placeholder="Pilih anggota Tim Asesor")
                st.caption("Ketua tim boleh ikut menilai secara mandiri. Pergantian ketua tim tercatat di log audit.")
                chosen = st.form_submit_button("Simpan ketua tim", type="primary")
            if chosen:
                _run(lambda: consensus.set_lead(actor, aid, choice or ""),
                     f"Ketua tim asesmen ini: {labels.get(choice, choice)}.")


# --- 1. my own scores ------------------------------------------------------------------------------
if actor.role in consensus.ASSESSOR_ROLES:
    st.subheader("1. Penilaian mandiri saya")
    sheet = consensus.my_sheet(actor, aid)
    if status.can_score:
        st.caption("Nilai Anda tidak terlihat oleh anggota lain sampai konsensus dibuka. Simpan kapan saja; "
                   "setelah 22 pertanyaan terisi, ajukan. Nilai yang sudah diajukan tidak dapat diubah.")
        st.warning("Pilihan nilai dan catatan di lembar ini baru tersimpan setelah Anda menekan **Simpan nilai saya** "
                   "(di bawah lembar). Bila Anda pindah halaman, memuat ulang, atau keluar sebelum menyimpan, pilihan "
                   "yang belum disimpan hilang. Lembar yang baru terisi sebagian boleh disimpan.")
        with st.form(f"own_{aid}"):
            for q in sorted(inst.questions):
                a, b = st.columns([4, 1])
                a.markdown(f"**{q}.** {ui.escape_md(inst.questions[q])}")
                b.selectbox("Nilai", [None, 1, 2, 3, 4], key=f"own_{aid}_{q}",
                            index=[None, 1, 2, 3, 4].index(sheet.scores[q]),
                            format_func=lambda v: "-" if v is None else str(v), placeholder="Pilih nilai")
                a.text_input("Catatan", value=sheet.notes[q] or "", key=f"ownnote_{aid}_{q}",
                             label_visibility="collapsed", placeholder="Catatan (alasan nilai, bukti)")
            saved = st.form_submit_button("Simpan nilai saya", type="primary")
            st.caption("Satu kali simpan menyimpan semua pertanyaan yang berubah sekaligus.")
        if saved:
            changes = {q: OwnScore(st.session_state[f"own_{aid}_{q}"], st.session_state[f"ownnote_{aid}_{q}"])
                       for q in sorted(inst.questions)}
            _run(lambda: consensus.save_own(actor, aid, changes), "Nilai Anda tersimpan.")
        st.caption(f"Terisi {sheet.answered} dari {len(sheet.scores)} pertanyaan (yang tersimpan).")
        if st.button("Ajukan nilai saya", key=f"own_submit_{aid}", disabled=sheet.answered < len(sheet.scores)):
            _run(lambda: consensus.submit_own(actor, aid), "Nilai Anda sudah diajukan.")
    else:
        st.info(status.score_reason)
        if status.has_sheet:
            st.dataframe(pd.DataFrame([{"No": q, "Nilai saya": sheet.scores[q], "Catatan": sheet.notes[q] or ""}
                                       for q in sorted(sheet.scores)]), hide_index=True, width="stretch")

# --- 2. comparison ---------------------------------------------------------------------------------
st.subheader("2. Perbandingan nilai anggota")
if not status.can_view:
    st.info(status.view_reason)
else:
    cmp = consensus.comparison(actor, aid)
    ag = cmp.agreement
    m1, m2, m3 = st.columns(3)
    m1.metric("Kesepakatan persis (tim)", ui.fmt_pct(None if ag.exact is None else 100 * ag.exact))
    m2.metric("Kappa berbobot kuadratik", "-" if ag.kappa is None else ui.fmt_num(ag.kappa, 2),
              help="Rata-rata kappa Cohen berbobot kuadratik dari setiap pasangan anggota, atas 22 pertanyaan.")
    m3.metric("Pertanyaan ditandai (selisih >= 2)", str(len(ag.flagged)))
    st.caption(f"Tafsiran kappa: {kappa_label(ag.kappa)}. Kappa tidak terdefinisi bila semua anggota memberi "
               "satu nilai yang sama untuk semua pertanyaan.")
    labels = {a.assessor: a.label for a in cmp.assessors}

    def _v(x) -> str:  # whole numbers as text, "-" where there is none yet (never "None")
        return "-" if x is None else str(x)

    table = []
    for r in cmp.rows:
        row = {"No": r.question_no, "Tanda": "⚠ selisih besar" if r.flagged else ""}
        row.update({labels[n]: _v(v) for n, v in r.scores.items()})
        row.update({
            "Rentang": _v(r.spread), "Sama persis": ui.fmt_pct(None if r.exact is None else 100 * r.exact),
            "Konsensus": _v(r.decision.score if r.decision else None),
            "Nilai asesmen": _v(r.answer_score),
            "Catatan konsensus": (r.decision.note or "") if r.decision else "",
            "Pertanyaan": inst.questions[r.question_no],
        })
        if r.changed_after_decision:
            row["Tanda"] = (row["Tanda"] + " ; diubah setelah konsensus").strip(" ;")
        table.append(row)
    st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch",
                 column_config={"Pertanyaan": st.column_config.TextColumn(width="large")})
    if ag.pairs:
        st.dataframe(pd.DataFrame([{
            "Pasangan": f"{labels[p.a]} - {labels[p.b]}", "Pertanyaan": p.questions,
            "Sama persis": ui.fmt_pct(None if p.exact is None else 100 * p.exact),
            "Kappa berbobot": ui.fmt_num(p.kappa, 3), "Tafsiran": kappa_label(p.kappa),
        } for p in ag.pairs]), hide_index=True, width="stretch")
    notes = [(labels[n], r.question_no, t) for r in cmp.rows for n, t in r.notes.items() if t]
    if notes:
        with st.expander(f"Catatan anggota ({len(notes)})"):
            st.dataframe(pd.DataFrame(notes, columns=["Anggota", "No", "Catatan"]), hide_index=True, width="stretch")

# --- 3. open, and set the consensus ---------------------------------------------------------------
def _existing_text(ex) -> str:
    who = "; ".join(f"{ui.escape_md(x.username)}: {x.count} jawaban, terakhir {ui.wib(x.last_at)} WIB"
                    for x in ex.authors)
    return (f"{ex.count} dari {status.total} pertanyaan sudah berjawaban di asesmen ini ({who}), dari Asesmen "
            "Mandiri, unggahan templat offline atau impor. Nilai konsensus yang berbeda akan **mengganti** "
            "jawaban itu (jawaban lama tetap tercatat di log audit).")


existing = consensus.existing_answers(actor, aid) if (status.can_open or status.can_decide) else None
if not status.opened and not status.may_lead and status.submitted_count >= consensus.MIN_SUBMITTED:
    st.caption(status.lead_reason)
if status.can_open:
    st.subheader("3. Buka konsensus")
    pending = ", ".join(a.label for a in status.pending)
    st.caption("Membuka konsensus menutup penilaian mandiri: nilai semua anggota yang sudah mengajukan menjadi "
               "terlihat oleh tim." + (f" Belum mengajukan (tidak ikut dihitung): {pending}." if pending else ""))
    if existing and existing.count:
        st.warning(_existing_text(existing) + " Membuka konsensus belum mengubah jawaban apa pun; penggantian "
                   "terjadi saat nilai konsensus disimpan, dengan konfirmasi.")
    if st.button("Buka konsensus", key=f"open_{aid}", type="primary"):
        _run(lambda: consensus.open_consensus(actor, aid), "Konsensus dibuka.")

if status.can_decide and status.can_view:
    st.subheader("3. Tetapkan nilai konsensus")
    st.caption("Pilih nilai konsensus tiap pertanyaan. Catatan wajib untuk pertanyaan yang nilainya berbeda antar "
               "anggota (atau bila konsensus berbeda dari nilai semua anggota). Nilai konsensus ditulis ke asesmen.")
    with st.form(f"decide_{aid}"):
        for r in cmp.rows:
            default = r.decision.score if r.decision else r.unanimous_score
            a, b, c = st.columns([3, 1, 3])
            flag = "⚠ Selisih besar. " if r.flagged else ""
            scores = ", ".join(str(v) for v in r.scores.values() if v is not None)
            rng = "-" if r.spread is None else r.spread
            a.markdown(f"**{r.question_no}.** {ui.escape_md(r.text)}")
            a.caption(f"{flag}Nilai anggota: {scores}; rentang {rng}")
            b.selectbox("Konsensus", [None, 1, 2, 3, 4], index=[None, 1, 2, 3, 4].index(default),
                        key=f"cons_{aid}_{r.question_no}", format_func=lambda v: "-" if v is None else str(v),
                        placeholder="Pilih nilai")
            c.text_input("Catatan konsensus", value=(r.decision.note or "") if r.decision else "",
                         key=f"consnote_{aid}_{r.question_no}")
        replace = False
        if existing and existing.count:
            st.warning(_existing_text(existing) + " Pertanyaan: " + ", ".join(map(str, existing.questions)) + ".")
            replace = st.checkbox(f"Saya mengerti: nilai konsensus mengganti jawaban yang sudah ada "
                                  f"({existing.count} pertanyaan) bila nilainya berbeda.", key=f"cons_replace_{aid}")
        decide = st.form_submit_button("Simpan konsensus", type="primary")
    if decide:
        decisions = {r.question_no: OwnScore(st.session_state[f"cons_{aid}_{r.question_no}"],
                                             st.session_state[f"consnote_{aid}_{r.question_no}"])
                     for r in cmp.rows if st.session_state.get(f"cons_{aid}_{r.question_no}") is not None}
        versions = {r.question_no: r.answer_version for r in cmp.rows}
        _run(lambda: consensus.set_consensus(actor, aid, decisions, versions, replace_existing=replace),
             f"Konsensus tersimpan untuk {len(decisions)} pertanyaan.")
