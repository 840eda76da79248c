"""AppTest of the consensus, offline-template, comparison pages and the document buttons."""
from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from assessment import accounts, assessments, consensus, offline_template as ot, units
from assessment.assessments import AnswerChange
from assessment.consensus import OwnScore
from tests.blitar_seed import load_blitar_2022
from tests.conftest import ROOT, actor_for

BLITAR = [4, 3, 4, 4, 4, 4, 3, 4, 3, 4, 4, 2, 3, 4, 3, 4, 4, 4, 3, 4, 2, 4]
KOMINFO = "Dinas Komunikasi dan Informatika"


def _app(page: str, actor) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=60)
    at.session_state["actor"] = actor
    return at


def _pick(at: AppTest, unit_name: str, year: int) -> AppTest:
    at.selectbox(key="sel_unit").set_value(units.resolve_unit(unit_name).id)
    at.selectbox(key="sel_year").set_value(year)
    return at.run()


def _df(at: AppTest, column: str):
    """The first table on the page that has `column`."""
    for d in at.dataframe:
        if column in d.value.columns:
            return d.value
    raise AssertionError(f"no table with column {column!r}")


def _texts(at: AppTest) -> str:
    return " | ".join([i.value for i in at.info] + [e.value for e in at.error] + [s.value for s in at.success]
                      + [w.value for w in at.warning])


def test_konsensus_page_flow(seeded, admin):
    unit = units.resolve_unit(KOMINFO)
    aid = assessments.create(admin, unit.id, 2024)
    ani, budi = actor_for("tim_asesor", username="ani"), actor_for("tim_asesor", username="budi")
    # ani scores on the page, saves, submits
    at = _pick(_app("konsensus", ani).run(), KOMINFO, 2024)
    assert not at.exception
    assert "setelah Anda mengajukan" in _texts(at) or "belum dibuka" in _texts(at)
    for q, v in enumerate(BLITAR, start=1):
        at.selectbox(key=f"own_{aid}_{q}").set_value(v)
    at.text_input(key=f"ownnote_{aid}_12").set_value("Belum ada Perbup")
    at.button[0].click()  # the form's submit button comes first
    at = at.run()
    assert not at.exception, at.exception
    assert consensus.my_sheet(ani, aid).scores[12] == 2
    assert consensus.my_sheet(ani, aid).notes[12] == "Belum ada Perbup"
    at.button(key=f"own_submit_{aid}").click().run()
    assert consensus.status(ani, aid).submitted
    # budi scores through the service; the pimpinan still sees no scores
    other = list(BLITAR)
    other[11] = 4
    consensus.save_own(budi, aid, {q: OwnScore(v) for q, v in enumerate(other, start=1)})
    consensus.submit_own(budi, aid)
    pim = _pick(_app("konsensus", actor_for("pimpinan")).run(), KOMINFO, 2024)
    assert "belum dibuka" in _texts(pim)
    assert not any("Kappa" in m.label for m in pim.metric)
    # ani (submitted) sees the comparison; the flagged question is marked
    at = _pick(_app("konsensus", ani).run(), KOMINFO, 2024)
    table = _df(at, "Rentang")
    assert list(table.loc[table["No"] == 12, "Rentang"]) == ["2"]  # whole numbers as text: "-" where none
    assert "⚠" in table.loc[table["No"] == 12, "Tanda"].item()
    assert any(m.label == "Kesepakatan persis (tim)" and m.value == "95,5 %" for m in at.metric)
    # no ketua tim yet: a member may not open; the admin designates the ketua on the page
    assert f"open_{aid}" not in [b.key for b in at.button]
    assert "belum ditetapkan" in _texts(at)
    for name in ("ani", "ketua"):
        accounts.create_user(admin, name, f"Nama {name.title()}", "tim_asesor", "Sandi-Awal-2024!")
    adm = _pick(_app("konsensus", admin).run(), KOMINFO, 2024)
    assert not adm.exception, adm.exception
    adm.selectbox(key=f"lead_pick_{aid}").set_value("ketua")
    adm.button[0].click().run()  # the first form on the admin's page is the ketua tim's
    assert not adm.exception, adm.exception
    assert "Ketua tim asesmen ini: Nama Ketua (ketua)." in _texts(adm)
    assert consensus.status(admin, aid).lead.username == "ketua"
    at = _pick(_app("konsensus", ani).run(), KOMINFO, 2024)
    assert f"open_{aid}" not in [b.key for b in at.button]
    assert any(m.value.startswith("**Ketua tim:** Nama Ketua") for m in at.markdown)
    assert any("Hanya ketua tim (Nama Ketua (ketua))" in c.value for c in at.caption)
    # the lead opens and sets the consensus on the page
    lead = actor_for("tim_asesor", username="ketua")
    at = _pick(_app("konsensus", lead).run(), KOMINFO, 2024)
    assert "Anda ketua tim asesmen ini" in _texts(at)
    at.button(key=f"open_{aid}").click().run()
    assert consensus.status(lead, aid).opened
    at = _pick(_app("konsensus", lead).run(), KOMINFO, 2024)
    assert at.selectbox(key=f"cons_{aid}_1").value == 4  # unanimous questions come pre-filled
    assert at.selectbox(key=f"cons_{aid}_12").value is None
    at.selectbox(key=f"cons_{aid}_12").set_value(2)
    at.button[0].click().run()  # no note for the flagged question: refused
    assert "Catatan konsensus wajib" in _texts(at)
    assert assessments.get(lead, aid).answered == 0
    at.text_input(key=f"consnote_{aid}_12").set_value("Perbup belum ditetapkan")
    at.button[0].click().run()
    assert not at.exception
    view = assessments.get(lead, aid)
    assert [view.scores[q] for q in range(1, 23)] == BLITAR
    pim = _pick(_app("konsensus", actor_for("pimpinan")).run(), KOMINFO, 2024)
    table = _df(pim, "Rentang")
    assert table.loc[table["No"] == 12, "Konsensus"].item() == "2"
    assert table.loc[table["No"] == 12, "Catatan konsensus"].item() == "Perbup belum ditetapkan"


def test_konsensus_page_warns_and_confirms_before_replacing_answers(seeded, admin):
    unit = units.resolve_unit(KOMINFO)
    aid = assessments.create(admin, unit.id, 2024)
    op = actor_for("operator_opd", unit_id=unit.id, username="op.kominfo")
    view = assessments.get(op, aid)
    assessments.save_answers(op, aid, {q: AnswerChange(BLITAR[q - 1], base_version=view.answers[q].version)
                                       for q in range(1, 23)})
    accounts.create_user(admin, "ketua", "Nama Ketua", "tim_asesor", "Sandi-Awal-2024!")
    consensus.set_lead(admin, aid, "ketua")
    for name in ("ani", "budi"):
        consensus.save_own(actor_for("tim_asesor", username=name), aid, {q: OwnScore(1) for q in range(1, 23)})
        consensus.submit_own(actor_for("tim_asesor", username=name), aid)
    lead = actor_for("tim_asesor", username="ketua")
    at = _pick(_app("konsensus", lead).run(), KOMINFO, 2024)
    assert not at.exception, at.exception
    warn = [w.value for w in at.warning if "sudah berjawaban" in w.value]
    assert len(warn) == 1 and warn[0].startswith(
        r"22 dari 22 pertanyaan sudah berjawaban di asesmen ini (op\.kominfo: 22 jawaban, terakhir ")  # Markdown-escaped
    assert "Membuka konsensus belum mengubah jawaban apa pun" in warn[0]
    at.button(key=f"open_{aid}").click().run()
    at = _pick(_app("konsensus", lead).run(), KOMINFO, 2024)
    assert at.selectbox(key=f"cons_{aid}_1").value == 1  # unanimous among the members (1), not the operator's 4
    assert at.checkbox(key=f"cons_replace_{aid}").value is False
    assert any(w.value.endswith("Pertanyaan: " + ", ".join(map(str, range(1, 23))) + ".") for w in at.warning)
    for q in range(1, 23):
        at.text_input(key=f"consnote_{aid}_{q}").set_value("bukti tidak mendukung nilai operator")
    at.button[0].click().run()  # not confirmed: refused, nothing replaced
    assert "22 pertanyaan sudah berjawaban di asesmen ini (diisi oleh op.kominfo)" in _texts(at)
    assert [assessments.get(lead, aid).scores[q] for q in range(1, 23)] == BLITAR
    at.checkbox(key=f"cons_replace_{aid}").check()
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert "Konsensus tersimpan untuk 22 pertanyaan." in _texts(at)
    assert [assessments.get(lead, aid).scores[q] for q in range(1, 23)] == [1] * 22
    assert consensus.existing_answers(lead, aid).count == 0
    assert not any("sudah berjawaban" in w.value for w in at.warning)  # nothing left to replace


def test_own_sheet_says_unsaved_choices_are_lost(seeded, admin):
    unit = units.resolve_unit(KOMINFO)
    aid = assessments.create(admin, unit.id, 2024)
    ani = actor_for("tim_asesor", username="ani")
    at = _pick(_app("konsensus", ani).run(), KOMINFO, 2024)
    assert any("pilihan yang belum disimpan hilang" in w.value for w in at.warning)
    assert at.selectbox(key=f"own_{aid}_1").placeholder == "Pilih nilai"
    # a half-filled sheet is saved in one go
    for q in range(1, 12):
        at.selectbox(key=f"own_{aid}_{q}").set_value(BLITAR[q - 1])
    at.button[0].click().run()
    sheet = consensus.my_sheet(ani, aid)
    assert sheet.answered == 11 and [sheet.scores[q] for q in range(1, 12)] == BLITAR[:11]
    assert "Nilai Anda tersimpan." in _texts(at)


def test_offline_page_preview_and_apply(seeded, admin):
    unit = units.resolve_unit(KOMINFO)
    aid = assessments.create(admin, unit.id, 2024)
    asesor = actor_for("tim_asesor")
    at = _pick(_app("asesmen_offline", asesor).run(), KOMINFO, 2024)
    assert not at.exception
    assert at.get("download_button")
    # a file checked by the service (the uploader's bytes in the browser go the same way)
    wb = load_workbook(BytesIO(ot.build_template(asesor, aid)))
    for i, v in enumerate(BLITAR):
        wb[ot.SHEET].cell(row=ot.HEADER_ROW + 1 + i, column=3, value=v)
    buf = BytesIO()
    wb.save(buf)
    at.session_state[f"off_parsed_{aid}"] = ot.parse_upload(asesor, aid, "isi.xlsx", buf.getvalue())
    at = at.run()
    preview = _df(at, "Berubah")
    assert len(preview) == 22
    assert preview.loc[preview["No"] == 12, "Nilai (lama → baru)"].item() == "- → 2"
    assert assessments.get(asesor, aid).answered == 0
    at.button(key=f"off_apply_{aid}").click().run()
    assert not at.exception
    assert "22 jawaban dari berkas 'isi.xlsx' tersimpan." in _texts(at)
    assert [assessments.get(asesor, aid).scores[q] for q in range(1, 23)] == BLITAR
    # pimpinan may download but not upload
    pim = _pick(_app("asesmen_offline", actor_for("pimpinan")).run(), KOMINFO, 2024)
    assert "tidak dapat mengubah" in _texts(pim)


def test_perbandingan_page(seeded, admin):
    load_blitar_2022()
    blitar = units.resolve_unit("Pemerintah Kabupaten Blitar")
    aid = assessments.create(admin, blitar.id, 2023)
    made_up = [3, 4, 4, 4, 4, 4, 3, 4, 4, 4, 4, 3, 3, 4, 3, 4, 4, 4, 4, 4, 3, 2]
    assessments.save_answers(admin, aid, {q: AnswerChange(v, fields=("score",)) for q, v in enumerate(made_up, 1)})
    kom = assessments.create(admin, units.resolve_unit(KOMINFO).id, 2023)
    assessments.save_answers(admin, kom, {q: AnswerChange(4, fields=("score",)) for q in range(1, 23)})
    at = _app("perbandingan", actor_for("pimpinan")).run()
    at.selectbox(key="cmp_unit").set_value(blitar.id).run()
    assert not at.exception, at.exception
    assert at.selectbox(key="cmp_year_old").value == 2022 and at.selectbox(key="cmp_year_new").value == 2023
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Pertanyaan membaik"] == "5" and metrics["Pertanyaan menurun"] == "2"
    at.radio(key="cmp_sort").set_value("Peningkatan terbesar dulu").run()
    aspects = _df(at, "Aspek")
    assert list(aspects["Aspek"])[0] == "Koordinasi, Monev"
    assert list(aspects["Perubahan"]) == ["+0,33", "+0,22", "+0,17", "0,00", "-0,20"]  # Indonesian decimal comma
    questions = _df(at, "Pertanyaan")
    assert list(questions["No"])[:5] == [2, 9, 12, 19, 21]
    # units side by side in 2023
    at.selectbox(key="cmp_units_year").set_value(2023).run()
    kinds = _df(at, "Jumlah unit")
    assert list(kinds["Jenis"]) == ["Instansi (Pemda)", "OPD"]
    assert list(kinds["Jumlah unit"]) == [1, 1]
    ranking = _df(at, "Peringkat")
    assert list(ranking["Unit"]) == ["Pemerintah Kabupaten Blitar"]
    at.selectbox(key="cmp_rank_kind").set_value("opd").run()
    ranking = _df(at, "Peringkat")
    assert list(ranking["Unit"]) == [KOMINFO] and list(ranking["Peringkat"]) == ["1 dari 1"]


def test_document_buttons_on_results(seeded, admin):
    load_blitar_2022()
    script = (
        "from assessment import assessments\n"
        "from pages.document_ui import document_buttons\n"
        "from pages import ui\n"
        "view = assessments.find_by_name(ui.current_actor(), 'Pemerintah Kabupaten Blitar', 2022)\n"
        "document_buttons(view)\n"
    )
    at = AppTest.from_string(script, default_timeout=60)
    at.session_state["actor"] = actor_for("pimpinan")
    at.run()
    assert not at.exception, at.exception
    buttons = at.get("download_button")
    assert len(buttons) == 2
    labels = [b.proto.label for b in buttons]
    assert labels == ["Unduh dokumen (DOCX)", "Unduh dokumen (PDF)"]
