"""AppTest of the rencana aksi pages: filter, edit in place (by item id), per-item form, Tabel 6/8,
assessment-to-plan, catalogue. Each edit is checked in the database."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from assessment import renaksi, units
from assessment.db import read_only, transaction
from assessment.models import GeneralFigures, RenaksiIndicatorStatus, RenaksiProgress
from assessment.renaksi import diff_edits
from tests.conftest import actor_for

PAGES = Path(__file__).resolve().parent.parent / "pages"


def _app(name: str, actor) -> AppTest:
    at = AppTest.from_file(str(PAGES / name), default_timeout=60)
    at.session_state["actor"] = actor
    return at


def _by_label(elements, label: str):
    for e in elements:
        if e.label == label:
            return e
    raise AssertionError(f"no widget labelled {label!r}: {[e.label for e in elements]}")


def _progress() -> dict[tuple[str, int], tuple[str, int, int]]:
    with read_only() as s:
        from assessment.models import RenaksiItem

        codes = {i.id: i.code for i in s.exec(select(RenaksiItem)).all()}
        return {(codes[p.item_id], p.year): (p.status, p.progress, p.version)
                for p in s.exec(select(RenaksiProgress)).all()}


def _edit(at: AppTest, edited_rows: dict) -> None:
    key = f"ra_editor_{at.session_state['ra_snap']['nonce']}"
    at.session_state[key] = {"edited_rows": edited_rows, "added_rows": [], "deleted_rows": []}


def test_table_filters(seeded, admin):
    at = _app("rencana_aksi.py", admin).run()
    assert not at.exception
    assert at.title[0].value == "Rencana Aksi 2022-2024"
    assert len(at.dataframe[0].value) == 52
    at.multiselect(key="ra_f_kp").set_value(["II"]).run()
    assert list(at.dataframe[0].value["Kode"]) == ["KP II", "II.1", "II.1.1", "II.1.2", "II.1.3", "II.1.4"]
    at.multiselect(key="ra_f_party").set_value(["Inspektorat"]).run()
    assert len(at.dataframe[0].value) == 0
    at.multiselect(key="ra_f_kp").set_value([]).run()
    assert list(at.dataframe[0].value["Kode"]) == ["I.2.2", "I.2.3", "I.2.5", "I.3", "I.4.2", "V.2"]
    assert any(c.value.replace("\\", "").startswith("6 butir ditampilkan (filter: pihak Inspektorat)") for c in at.caption)


def test_edit_in_place_writes_by_item_id(seeded, admin):
    at = _app("rencana_aksi.py", admin)
    at.run()
    at.multiselect(key="ra_f_kp").set_value(["II"]).run()
    at.segmented_control(key="ra_f_year").set_value("2022").run()
    editor = at.data_editor[0]
    assert list(editor.value["Kode"]) == ["II.1", "II.1.1", "II.1.2", "II.1.3", "II.1.4"]
    _edit(at, {4: {renaksi.COL_STATUS: "Berjalan", renaksi.COL_PROGRESS: 40}})
    at.run()
    at.button(key="ra_save").click().run()
    assert not at.exception and not at.error
    assert "1 butir tahun 2022 tersimpan." in [s.value for s in at.success]
    assert _progress() == {("II.1.4", 2022): ("berjalan", 40, 1)}


def test_edit_stays_right_when_the_list_changed_meanwhile(seeded, admin):
    at = _app("rencana_aksi.py", admin)
    at.run()
    at.multiselect(key="ra_f_kp").set_value(["II"]).run()
    at.segmented_control(key="ra_f_year").set_value("2022").run()
    # Another admin adds II.1.0 (it sorts before II.1.1) while this table is open.
    renaksi.add_item(actor_for("admin", username="rekan"), "II.1.0", "Kegiatan sisipan", [2022], "Dinas Kominfo")
    _edit(at, {1: {renaksi.COL_NOTE: "Bimtek angkatan I"}})  # row 1 of the table the user sees: II.1.1
    at.run()
    assert list(at.data_editor[0].value["Kode"]) == ["II.1", "II.1.1", "II.1.2", "II.1.3", "II.1.4"]
    at.button(key="ra_save").click().run()
    assert not at.error
    rows = renaksi.list_items(admin)
    got = {it.code: it.years[2022].note for it in rows if 2022 in it.years and it.years[2022].note}
    assert got == {"II.1.1": "Bimtek angkatan I"}


def test_edit_refused_when_another_user_saved_first(seeded, admin):
    at = _app("rencana_aksi.py", admin)
    at.run()
    at.multiselect(key="ra_f_kp").set_value(["II"]).run()
    at.segmented_control(key="ra_f_year").set_value("2022").run()
    renaksi.set_status(actor_for("admin", username="rekan"), "II.1.2", 2022, "Berjalan", progress=70)
    _edit(at, {2: {renaksi.COL_PROGRESS: 10, renaksi.COL_STATUS: "Berjalan"}})
    at.run()
    at.button(key="ra_save").click().run()
    assert any("sudah diubah oleh rekan" in e.value for e in at.error)
    assert _progress() == {("II.1.2", 2022): ("berjalan", 70, 1)}


def test_diff_edits_matches_rows_by_id_not_position():
    original = {11: {renaksi.COL_STATUS: "Belum dimulai", renaksi.COL_PROGRESS: 0, renaksi.COL_REASON: "",
                     renaksi.COL_NOTE: ""},
                12: {renaksi.COL_STATUS: "Berjalan", renaksi.COL_PROGRESS: 30, renaksi.COL_REASON: "",
                     renaksi.COL_NOTE: "lama"}}
    # The edited table comes back sorted differently (12 first): only item 12 changed.
    edited = {12: {**original[12], renaksi.COL_PROGRESS: 55.0}, 11: dict(original[11])}
    edits = diff_edits(original, edited, 2023, {11: 0, 12: 4})
    assert [(e.item_id, e.status, e.progress, e.note, e.reason, e.expected_version) for e in edits] == [
        (12, "Berjalan", 55.0, None, None, 4)]


def test_detail_form_and_pimpinan_read_only(seeded, admin):
    at = _app("rencana_aksi.py", admin)
    at.run()
    i122 = renaksi.get_item(admin, "I.2.2")
    at.selectbox(key="ra_d_item").set_value(i122.id).run()
    _by_label(at.selectbox, "Status").set_value("Selesai")
    _by_label(at.text_input, "Tautan bukti (http/https)").set_value("https://blitarkab.go.id/sop-lapor")
    at.form_submit_button(key=f"ra_d_submit_{i122.id}_2021").click().run()
    assert not at.exception and not at.error
    assert _progress() == {("I.2.2", 2021): ("selesai", 100, 1)}
    assert renaksi.get_item(admin, "I.2.2").years[2021].evidence[0].url == "https://blitarkab.go.id/sop-lapor"

    ro = _app("rencana_aksi.py", actor_for("pimpinan"))
    ro.run()
    ro.segmented_control(key="ra_f_year").set_value("2022").run()
    assert not ro.exception and len(ro.data_editor) == 0 and len(ro.form) == 0
    assert len(ro.dataframe[0].value) == 34  # 13 programs and 21 kegiatan are planned in 2022


def test_target_indikator_page(seeded, admin):
    uid = units.instansi_unit().id
    with transaction() as s:
        s.add(GeneralFigures(unit_id=uid, year=2021, received=74, resolved=74, unresolved=0, updated_by="uji"))
    at = _app("target_indikator.py", admin).run()
    assert not at.exception
    t6 = at.dataframe[0].value
    row = t6[(t6["Tahun"] == 2021) & (t6["Indikator"] == "Jumlah pengaduan dari masyarakat")].iloc[0]
    assert (row["Target"], row["Realisasi"], row["Status"]) == ("74 pengaduan", "74", "Tercapai")
    assert list(t6[t6["Tahun"] == 2022]["Status"]) == ["Belum ada data", "Belum ada data"]
    t8 = at.dataframe[1].value
    assert len(t8) == 12 and t8.iloc[0]["Kode"] == "1.1"
    at.selectbox(key="ti_ind").set_value("2.1").run()
    at.selectbox(key="ti_year").set_value(2023).run()
    _by_label(at.selectbox, "Status indikator").set_value("Tercapai sebagian")
    _by_label(at.text_area, "Catatan").set_value("30 dari 48 OPD sudah bimtek")
    at.form_submit_button(key="ti_submit_2.1_2023").click().run()
    assert not at.exception and not at.error
    with read_only() as s:
        rows = s.exec(select(RenaksiIndicatorStatus)).all()
    assert [(r.year, r.status, r.note) for r in rows] == [(2023, "sebagian", "30 dari 48 OPD sudah bimtek")]
    assert at.dataframe[1].value.iloc[2]["2023"] == "Tercapai sebagian"


def test_renaksi_asesmen_page(seeded, admin):
    from assessment import assessments
    from assessment.permissions import SYSTEM

    with transaction() as s:
        assessments.load_seed_assessment(s, SYSTEM)
    at = _app("renaksi_asesmen.py", admin).run()
    assert not at.exception
    df = at.dataframe[0].value
    assert list(df["Aspek"])[:2] == ["Pemanfaatan Data & Optimalisasi Aplikasi", "Kelembagaan & Kebijakan"]
    assert list(df["Kelompok program"])[:2] == ["KP III Optimalisasi Pemanfaatan Data dan Aplikasi",
                                                "KP I Penguatan Kelembagaan"]
    assert list(df["Pertanyaan lemah"])[:2] == ["21", "12"] and list(df["Perlu perhatian"]) == [True, True, False, False, False]
    assert [e.label.split(":")[0] for e in at.expander] == ["Prioritas 1", "Prioritas 2"]


def test_katalog_page_changes_plan_and_refuses_non_admin(seeded, admin):
    at = _app("renaksi_katalog.py", admin).run()
    assert not at.exception
    i2 = renaksi.get_item(admin, "I.2")
    at.selectbox(key="rk_item").set_value(i2.id).run()
    _by_label(at.multiselect, "Tahun rencana kini").set_value([2022, 2023])
    at.form_submit_button(key=f"rk_plan_{i2.id}").click().run()
    assert not at.exception and not at.error
    after = renaksi.get_item(admin, "I.2")
    assert (after.baseline_years, after.planned_years) == ((2022,), (2022, 2023))
    assert list(at.dataframe[0].value["Kode"]) == ["I.2"]
    op = _app("renaksi_katalog.py", actor_for("operator_opd", units.resolve_unit("Dinas Kominfo").id)).run()
    assert not op.exception and "Hanya admin" in op.info[0].value and len(op.form) == 0


@pytest.mark.parametrize("page", ["rencana_aksi.py", "target_indikator.py", "renaksi_asesmen.py", "renaksi_katalog.py"])
def test_pages_need_a_login(seeded, page):
    at = AppTest.from_file(str(PAGES / page), default_timeout=60).run()
    assert not at.exception and "login" in at.warning[0].value


def test_operator_without_items_is_told_how_items_get_assigned(seeded, admin):
    """'Hanya butir unit saya' with nothing assigned: say who assigns items to a unit, and where."""
    dinkes = units.resolve_unit("Dinas Kesehatan").id
    op = actor_for("operator_opd", dinkes)
    mine = [i for i in renaksi.list_items(admin) if any(u == dinkes for u, _n in i.responsible)]
    for item in mine:  # start from a unit with no item
        renaksi.set_responsible(admin, item.id, [u for u, _n in item.responsible if u != dinkes], None)
    at = _app("rencana_aksi.py", op).run()
    assert not at.exception
    assert at.checkbox(key="ra_f_mine").value is True
    assert any(c.value.startswith("0 butir ditampilkan") for c in at.caption)
    hint = [i.value for i in at.info if "ditugaskan ke unit oleh Admin" in i.value]
    assert hint == [
        "Belum ada butir rencana aksi yang ditugaskan ke unit Anda. Butir ditugaskan ke unit oleh Admin "
        "(Dinas Kominfo) di halaman **Katalog Rencana Aksi** (menu Pengaturan), tab **Unit penanggung jawab**: "
        "pilih butirnya, pilih unitnya, lalu simpan. Bila unit Anda seharusnya ikut menangani sebuah butir, "
        "hubungi Admin. Untuk melihat semua butir, hapus centang \"Hanya butir unit saya\"."]
    # Once the admin assigns an item, it shows and the hint goes.
    item = renaksi.get_item(admin, "I.3.3")
    renaksi.set_responsible(admin, item.id, [dinkes], None)
    at = _app("rencana_aksi.py", op).run()
    assert any(c.value.startswith("1 butir ditampilkan") for c in at.caption)
    assert not [i for i in at.info if "ditugaskan ke unit oleh Admin" in i.value]
    assert list(at.dataframe[0].value["Kode"]) == ["I.3.3"]
