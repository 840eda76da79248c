"""The offline Excel path: download the template, fill it with openpyxl, upload, preview, commit."""
from __future__ import annotations

import zipfile
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook
from sqlmodel import func, select

from assessment import assessments, offline_template as ot, units
from assessment.db import read_only
from assessment.errors import ConflictError, ImportRejected, PermissionDenied, ValidationError
from assessment.models import AuditLog
from scoring.assessment import round2
from tests.blitar_seed import load_blitar_2022
from tests.conftest import actor_for

BLITAR = [4, 3, 4, 4, 4, 4, 3, 4, 3, 4, 4, 2, 3, 4, 3, 4, 4, 4, 3, 4, 2, 4]
FIRST = ot.HEADER_ROW + 1  # row of question 1


@pytest.fixture
def aid(seeded, admin):
    unit = units.resolve_unit("Dinas Komunikasi dan Informatika")
    return assessments.create(admin, unit.id, 2023)


def _fill(data: bytes, scores=None, edit=None) -> bytes:
    wb = load_workbook(BytesIO(data))
    ws = wb[ot.SHEET]
    for i, v in enumerate(scores or []):
        ws.cell(row=FIRST + i, column=3, value=v)
    if edit:
        edit(wb)
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _writes() -> int:
    with read_only() as s:
        return s.exec(select(func.count()).select_from(AuditLog)).one()


def test_template_structure(aid, admin):
    data = ot.build_template(admin, aid)
    wb = load_workbook(BytesIO(data))
    assert wb.sheetnames == [ot.SHEET, ot.HELP_SHEET, ot.META_SHEET]
    ws = wb[ot.SHEET]
    assert [c.value for c in ws[ot.HEADER_ROW]] == ot.HEADERS
    assert ws.cell(row=FIRST, column=1).value == 1
    assert ws.cell(row=FIRST, column=2).value.startswith("Sistem pengelolaan pengaduan dapat diakses")
    assert ws.cell(row=FIRST + 21, column=1).value == 22
    # drop-down 1-4 on the score column, question texts locked, the rest open, sheet protected
    dvs = ws.data_validations.dataValidation
    assert len(dvs) == 1 and dvs[0].type == "list" and dvs[0].formula1 == '"1,2,3,4"'
    assert str(dvs[0].sqref) == f"C{FIRST}:C{FIRST + 21}"
    assert ws.protection.sheet is True
    assert ws.cell(row=FIRST, column=2).protection.locked is True
    assert all(ws.cell(row=FIRST, column=c).protection.locked is False for c in (3, 4, 5))
    meta_ws = wb[ot.META_SHEET]
    assert meta_ws.sheet_state == "veryHidden"
    meta = {r[0]: r[1] for r in meta_ws.iter_rows(values_only=True)}
    assert meta["assessment_id"] == aid and meta["year"] == 2023 and meta["instrument_version"] == 1
    assert meta["unit"] == "Dinas Komunikasi dan Informatika" and len(meta["checksum"]) == 64
    assert wb.security.lockStructure


def test_round_trip(aid, admin):
    data = ot.build_template(admin, aid)

    def extra(wb):
        ws = wb[ot.SHEET]
        ws.cell(row=FIRST + 1, column=4, value="- SK Bupati 188/409.06/KPTS/2022")
        ws.cell(row=FIRST + 2, column=5, value="https://contoh.blitarkab.go.id/bukti/3")

    filled = _fill(data, BLITAR, extra)
    parsed = ot.parse_upload(admin, aid, "isi.xlsx", filled)
    assert len(parsed.changes) == 22 and parsed.unchanged == 0
    c2 = next(c for c in parsed.changes if c.question_no == 2)
    assert (c2.old_score, c2.new_score) == (None, 3)
    assert c2.new_note == "- SK Bupati 188/409.06/KPTS/2022"
    assert c2.fields == ["nilai", "catatan"]
    assert assessments.get(admin, aid).answered == 0  # the preview writes nothing
    before = _writes()
    assert ot.commit(admin, parsed) == 22
    assert _writes() - before == 23  # one audit row per changed answer, one for the file
    view, res = assessments.result(admin, aid)
    assert [view.scores[q] for q in range(1, 23)] == BLITAR
    assert view.answers[3].evidence_link == "https://contoh.blitarkab.go.id/bukti/3"
    assert view.answers[2].note == "- SK Bupati 188/409.06/KPTS/2022"
    assert [round2(r.mean) for r in sorted(res.aspects, key=lambda r: r.order)] == [3.50, 3.56, 3.40, 4.00, 3.67]

    # second round: the template comes pre-filled; one change only
    data2 = ot.build_template(admin, aid)
    wb = load_workbook(BytesIO(data2))
    assert wb[ot.SHEET].cell(row=FIRST + 1, column=4).value == "- SK Bupati 188/409.06/KPTS/2022"
    assert ot.parse_upload(admin, aid, "sama.xlsx", data2).changes == []
    scores = list(BLITAR)
    scores[11] = 3
    parsed2 = ot.parse_upload(admin, aid, "ubah.xlsx", _fill(data2, scores))
    assert [(c.question_no, c.old_score, c.new_score) for c in parsed2.changes] == [(12, 2, 3)]
    assert parsed2.unchanged == 21
    # someone saves question 12 in the portal after the preview: the commit is refused, nothing written
    assessments.save_answer(admin, aid, 12, 1, base_version=view.answers[12].version)
    before = _writes()
    with pytest.raises(ConflictError):
        ot.commit(admin, parsed2)
    assert _writes() == before and assessments.get(admin, aid).scores[12] == 1


def _problems(exc) -> list[tuple]:
    return [(p.row, p.column, p.message) for p in exc.value.problems]


def _meta_edit(key, value):
    def edit(wb):
        ws = wb[ot.META_SHEET]
        for row in ws.iter_rows():
            if row[0].value == key:
                row[1].value = value
    return edit


@pytest.mark.parametrize("case, expect", [
    ("not_xlsx", "bukan berkas Excel"),
    ("pdf", "bukan berkas Excel"),
    ("zip_not_xlsx", "bukan"),
    ("plain_workbook", "bukan templat matriks asesmen"),
    ("too_large", "melebihi batas 2 MB"),
    ("wrong_version", "instrumen versi 7"),
    ("tampered", "checksum tidak cocok"),
    ("bad_format", "format templat 9"),
])
def test_refused_files(aid, admin, case, expect):
    good = _fill(ot.build_template(admin, aid), BLITAR)
    if case == "not_xlsx":
        data = b"No;Pertanyaan;Nilai\n1;x;4\n"
    elif case == "pdf":
        data = b"%PDF-1.4\n..."
    elif case == "zip_not_xlsx":
        buf = BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("hello.txt", "hi")
        data = buf.getvalue()
    elif case == "plain_workbook":
        wb = Workbook()
        wb.active.append(["No", "Pertanyaan", "Nilai"])
        buf = BytesIO()
        wb.save(buf)
        data = buf.getvalue()
    elif case == "too_large":
        data = b"PK\x03\x04" + b"\0" * (3 * 1024 * 1024)
    elif case == "wrong_version":
        data = _fill(good, edit=_meta_edit("instrument_version", 7))
    elif case == "tampered":
        data = _fill(good, edit=_meta_edit("unit", "Dinas Lain"))
    else:
        data = _fill(good, edit=_meta_edit("format", 9))
    before = _writes()
    with pytest.raises(ImportRejected) as exc:
        ot.parse_upload(admin, aid, "unggah.xlsx", data)
    assert expect in str(exc.value)
    assert exc.value.problems
    assert _writes() == before


@pytest.mark.parametrize("key, value", [
    ("unit_id", 999), ("assessment_id", 12345), ("year", 2031), ("unit", "Dinas Lain"),
    ("checksum", "0" * 64),
])
def test_edited_meta_says_so_once(aid, admin, key, value):
    """A hand-edited _meta sheet gets one clear message, never 'untuk X tahun Y, bukan untuk X tahun Y'."""
    data = _fill(_fill(ot.build_template(admin, aid), BLITAR), edit=_meta_edit(key, value))
    before = _writes()
    with pytest.raises(ImportRejected) as exc:
        ot.parse_upload(admin, aid, "unggah.xlsx", data)
    assert _problems(exc) == [(None, None, ot.META_EDITED)]
    assert str(exc.value.problems[0]) == (
        "berkas unggah.xlsx: lembar _meta pada templat telah diubah (checksum tidak cocok): unduh templat yang "
        "baru dari halaman Asesmen Offline lalu isi ulang")
    assert "bukan untuk" not in str(exc.value)
    assert _writes() == before and assessments.get(admin, aid).answered == 0


def test_wrong_unit_and_wrong_year(aid, admin):
    other_unit = units.resolve_unit("Kecamatan Wlingi")
    other = assessments.create(admin, other_unit.id, 2023)
    same_unit_other_year = assessments.create(admin, units.resolve_unit("Dinas Komunikasi dan Informatika").id, 2024)
    for source in (other, same_unit_other_year):
        data = _fill(ot.build_template(admin, source), BLITAR)
        with pytest.raises(ImportRejected) as exc:
            ot.parse_upload(admin, aid, "lain.xlsx", data)
        assert "bukan untuk Dinas Komunikasi dan Informatika tahun 2023" in str(exc.value)
    assert assessments.get(admin, aid).answered == 0


def test_every_cell_fault_located(aid, admin):
    def edit(wb):
        ws = wb[ot.SHEET]
        ws.cell(row=FIRST, column=3, value=5)  # q1 outside 1-4
        ws.cell(row=FIRST + 1, column=3, value=2.5)  # q2 not integer
        ws.cell(row=FIRST + 2, column=3, value="tiga")  # q3 not a number
        ws.cell(row=FIRST + 3, column=3, value="=1+2")  # q4 a formula
        ws.cell(row=FIRST + 4, column=1, value=23)  # q5 replaced by an unknown number
        ws.cell(row=FIRST + 6, column=1, value=6)  # q7 replaced by a duplicate of q6
        ws.cell(row=FIRST + 7, column=5, value="ftp://bukti")  # q8 bad link
        ws.cell(row=FIRST + 8, column=2, value="Pertanyaan lain")  # q9 text changed
        ws.cell(row=FIRST + 9, column=4, value="x" * 4001)  # q10 note too long

    data = _fill(ot.build_template(admin, aid), BLITAR, edit)
    with pytest.raises(ImportRejected) as exc:
        ot.parse_upload(admin, aid, "salah.xlsx", data)
    probs = _problems(exc)
    rows = {(r, c) for r, c, _m in probs}
    assert (FIRST, "Nilai (1-4)") in rows
    assert (FIRST + 1, "Nilai (1-4)") in rows
    assert (FIRST + 2, "Nilai (1-4)") in rows
    assert (FIRST + 3, "Nilai (1-4)") in rows
    assert (FIRST + 4, "No") in rows
    assert (FIRST + 6, "No") in rows
    assert (FIRST + 7, "Tautan bukti") in rows
    assert (FIRST + 8, "Pertanyaan") in rows
    assert (FIRST + 9, "Catatan") in rows
    msgs = " | ".join(m for _r, _c, m in probs)
    assert "nilai 5 di luar skala" in msgs
    assert "'2.5' bukan bilangan bulat" in msgs
    assert "'tiga' bukan angka" in msgs
    assert "berisi rumus" in msgs
    assert "nomor pertanyaan 23 tidak dikenal" in msgs
    assert "pertanyaan 6 muncul dua kali (juga di baris 11)" in msgs
    assert "pertanyaan 5, 7 tidak ada dalam berkas" in msgs
    assert "catatan terlalu panjang" in msgs
    assert len(probs) == 10
    # the message names the file, the row and the column
    assert f"berkas salah.xlsx, baris {FIRST}, kolom 'Nilai (1-4)': nilai 5" in str(exc.value)
    assert assessments.get(admin, aid).answered == 0


def test_deleted_row_and_permissions(aid, admin):
    data = _fill(ot.build_template(admin, aid), BLITAR, lambda wb: wb[ot.SHEET].delete_rows(FIRST + 21))
    with pytest.raises(ImportRejected, match="pertanyaan 22 tidak ada dalam berkas"):
        ot.parse_upload(admin, aid, "kurang.xlsx", data)
    full = _fill(ot.build_template(admin, aid), BLITAR)
    other_op = actor_for("operator_opd", unit_id=units.resolve_unit("Kecamatan Wlingi").id)
    with pytest.raises(PermissionDenied):
        ot.parse_upload(other_op, aid, "isi.xlsx", full)
    with pytest.raises(PermissionDenied):
        ot.parse_upload(actor_for("pimpinan"), aid, "isi.xlsx", full)
    own_op = actor_for("operator_opd", unit_id=units.resolve_unit("Dinas Komunikasi dan Informatika").id)
    parsed = ot.parse_upload(own_op, aid, "isi.xlsx", full)
    assert ot.commit(own_op, parsed) == 22


def test_not_editable_refused(seeded, admin):
    load_blitar_2022()
    view = assessments.find_by_name(admin, "Pemerintah Kabupaten Blitar", 2022)
    data = ot.build_template(admin, view.id)
    wb = load_workbook(BytesIO(data))
    assert [wb[ot.SHEET].cell(row=FIRST + i, column=3).value for i in range(22)] == BLITAR
    with pytest.raises(ValidationError, match="Final"):
        ot.parse_upload(admin, view.id, "isi.xlsx", data)
