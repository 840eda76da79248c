"""assessment/renaksi.py: status changes, bad input refused with nothing written, audit, optimistic
locking, unit scope, catalogue edits keeping the baseline, indicators, Tabel 6, coverage, export."""
from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from assessment import renaksi, settings_store, units
from assessment.db import read_only, transaction
from assessment.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from assessment.models import (
    AuditLog, Evidence, GeneralFigures, RenaksiIndicatorStatus, RenaksiPlanYear, RenaksiProgress,
)
from assessment.permissions import SYSTEM
from assessment.renaksi import ProgressEdit
from scoring import renaksi as sr
from tests.conftest import actor_for

LINK = "https://blitarkab.go.id/bukti/perbup.pdf"
PDF = ("laporan.pdf", b"%PDF-1.4 bukti")


def _counts() -> tuple[int, int, int]:
    with read_only() as s:
        return (len(s.exec(select(RenaksiProgress)).all()), len(s.exec(select(AuditLog)).all()),
                len(s.exec(select(Evidence)).all()))


def _item(admin, code: str, today: date | None = None):
    return renaksi.get_item(admin, code, today)


def _unit(name: str) -> int:
    return units.resolve_unit(name).id


def test_set_status_writes_row_version_and_audit(seeded, admin):
    yv = renaksi.set_status(admin, "I.1.1", 2021, "Berjalan", progress=40, note="Draf di Bagian Hukum")
    assert (yv.status, yv.progress, yv.version, yv.note, yv.updated_by) == ("berjalan", 40.0, 1, "Draf di Bagian Hukum",
                                                                          "admin.test")
    with read_only() as s:
        log = s.exec(select(AuditLog).where(AuditLog.action == "renaksi.progress_set")).all()
    assert len(log) == 1 and log[0].entity_id == "I.1.1/2021" and log[0].old is None
    assert log[0].new["status"] == "berjalan" and log[0].new["progress"] == 40 and log[0].actor == "admin.test"
    yv2 = renaksi.set_status(admin, "i.1.1.", 2021, "berjalan", progress=60, expected_version=1)
    assert (yv2.progress, yv2.version) == (60.0, 2)


def test_selesai_needs_evidence_then_is_not_late(seeded, admin):
    before = _counts()
    with pytest.raises(ValidationError, match="Selesai memerlukan bukti dukung"):
        renaksi.set_status(admin, "I.1.1", 2021, "Selesai")
    assert _counts() == before
    yv = renaksi.set_status(admin, "I.1.1", 2021, "Selesai", evidence_link=LINK)
    assert (yv.status, yv.progress, len(yv.evidence), yv.evidence[0].url) == ("selesai", 100.0, 1, LINK)
    with read_only() as s:
        ev = s.exec(select(Evidence)).one()
    assert (ev.owner_type, ev.owner_id) == ("renaksi_progress", yv.progress_id)
    assert _item(admin, "I.1.1", date(2026, 1, 1)).late is False
    # The last evidence of a Selesai year cannot be removed.
    with pytest.raises(ValidationError, match="bukti terakhirnya"):
        renaksi.remove_evidence(admin, _item(admin, "I.1.1").id, 2021, ev.id)


def test_selesai_without_evidence_when_the_setting_allows_it(seeded, admin):
    settings_store.set_value(admin, "renaksi.evidence_required_for_selesai", False)
    assert renaksi.set_status(admin, "I.2.2", 2021, "Selesai").status == "selesai"


def test_file_evidence_is_stored(seeded, admin):
    yv = renaksi.set_status(admin, "I.2.3", 2021, "Selesai", evidence_file=PDF)
    assert [e.filename for e in yv.evidence] == ["laporan.pdf"]


@pytest.mark.parametrize("code,year,status,kwargs,error,message", [
    ("I.9.9", 2021, "Selesai", {}, NotFound, "kode 'I.9.9' tidak ada"),
    ("I.1.1", 2025, "Berjalan", {}, ValidationError, "di luar periode rencana aksi 2021-2024"),
    ("I.1.1", 2020, "Berjalan", {}, ValidationError, "di luar periode rencana aksi 2021-2024"),
    ("I.1.1", 2022, "Berjalan", {}, ValidationError, "tidak ada dalam rencana butir tersebut (rencana: 2021)"),
    ("I.2.6", 2022, "Berjalan", {}, ValidationError, "(rencana: tidak dijadwalkan)"),
    ("I.1.1", 2021, "Berjalan", {"progress": 101}, ValidationError, "progres harus 0 sampai 100 (diberikan 101)"),
    ("I.1.1", 2021, "Berjalan", {"progress": -1}, ValidationError, "progres harus 0 sampai 100"),
    ("I.1.1", 2021, "Berjalan", {"progress": "banyak"}, ValidationError, "bukan angka"),
    ("I.1.1", 2021, "Berjalan", {"progress": 100}, ValidationError, "progres 100% berarti Selesai"),
    ("I.1.1", 2021, "Selesai", {"progress": 80, "evidence_link": LINK}, ValidationError, "Selesai berarti progres 100%"),
    ("I.1.1", 2021, "Tidak dilaksanakan", {}, ValidationError, "wajib disertai alasan"),
    ("I.1.1", 2021, "Ditunda", {}, ValidationError, "Status 'Ditunda' tidak dikenal"),
    ("I.1.1", 2021, "Selesai", {"evidence_link": "ftp://x"}, ValidationError, "harus diawali http"),
    ("KP I", 2021, "Berjalan", {}, ValidationError, "kelompok program"),
    ("I.2", 2022, "Berjalan", {}, ValidationError, "dihitung dari kegiatannya (I.2.1, I.2.4, I.2.5)"),
    ("I.1.1", 2021, "Berjalan", {"expected_version": 3}, ConflictError, "sejak Anda membukanya (versi 3)"),
])
def test_bad_input_is_refused_and_nothing_is_written(seeded, admin, code, year, status, kwargs, error, message):
    before = _counts()
    with pytest.raises(error) as exc:
        renaksi.set_status(admin, code, year, status, **kwargs)
    assert message in exc.value.message
    assert _counts() == before


def test_outdated_version_is_refused(seeded, admin):
    renaksi.set_status(admin, "I.2.4", 2022, "Berjalan", progress=10)  # version 1, seen by two users
    other = actor_for("admin", username="rekan")
    renaksi.set_status(other, "I.2.4", 2022, "Berjalan", progress=30, expected_version=1)
    before = _counts()
    with pytest.raises(ConflictError, match="sudah diubah oleh rekan"):
        renaksi.set_status(admin, "I.2.4", 2022, "Selesai", evidence_link=LINK, expected_version=1)
    assert _counts() == before
    assert _item(admin, "I.2.4").years[2022].progress == 30.0


def test_apply_edits_is_all_or_nothing(seeded, admin):
    a, b = _item(admin, "II.1.1"), _item(admin, "II.1.4")
    edits = [ProgressEdit(a.id, 2022, "Berjalan", 50, expected_version=0),
             ProgressEdit(b.id, 2021, "Berjalan", 20, expected_version=0)]  # II.1.4 is planned 2022-2023 only
    before = _counts()
    with pytest.raises(ValidationError, match="Butir II.1.4 tahun 2021"):
        renaksi.apply_edits(admin, edits)
    assert _counts() == before
    assert renaksi.apply_edits(admin, edits[:1]) == 1


def test_program_progress_follows_its_kegiatan(seeded, admin):
    renaksi.set_status(admin, "I.2.1", 2022, "Selesai", evidence_link=LINK)
    renaksi.set_status(admin, "I.2.4", 2022, "Berjalan", progress=50)
    y = _item(admin, "I.2").years[2022]
    assert (y.status, y.progress, y.derived, y.counted) == ("berjalan", 50.0, True, ("I.2.1", "I.2.4", "I.2.5"))
    renaksi.set_status(admin, "I.2.5", 2022, "Tidak dilaksanakan", reason="Digabung dengan I.2.4")
    y = _item(admin, "I.2").years[2022]
    assert (y.progress, y.excluded) == (75.0, ("I.2.5",))


def test_lateness_uses_the_reference_date(seeded, admin):
    assert _item(admin, "I.1.1", date(2021, 12, 31)).late is False
    assert _item(admin, "I.1.1", date(2022, 1, 1)).late_years == (2021,)
    assert _item(admin, "I.3.3", date(2024, 1, 1)).late_years == (2023,)
    renaksi.set_status(admin, "I.3.3", 2023, "Tidak dilaksanakan", reason="Belum ada anggaran")
    assert _item(admin, "I.3.3", date(2024, 1, 1)).late_years == (2023,)
    settings_store.set_value(admin, "renaksi.late_includes_tidak_dilaksanakan", False)
    assert _item(admin, "I.3.3", date(2024, 1, 1)).late_years == ()


def test_operator_opd_only_updates_items_of_its_unit(seeded, admin):
    kominfo = actor_for("operator_opd", _unit("Dinas Komunikasi dan Informatika"))
    assert renaksi.set_status(kominfo, "I.2.2", 2021, "Berjalan", progress=20).progress == 20.0
    before = _counts()
    dindik = actor_for("operator_opd", _unit("Dinas Pendidikan"))
    with pytest.raises(PermissionDenied, match="tidak ditugaskan ke unit Anda"):
        renaksi.set_status(dindik, "I.2.2", 2021, "Berjalan", progress=30)
    with pytest.raises(PermissionDenied):
        renaksi.set_status(actor_for("pimpinan"), "I.2.2", 2021, "Berjalan", progress=30)
    with pytest.raises(PermissionDenied):
        renaksi.set_status(actor_for("tim_asesor"), "I.2.2", 2021, "Berjalan", progress=30)
    assert _counts() == before
    # After the admin assigns the item to Dinas Pendidikan, its operator may update it.
    it = _item(admin, "I.2.2")
    renaksi.set_responsible(admin, it.id, [u for u, _n in it.responsible] + [_unit("Dinas Pendidikan")], it.version)
    assert renaksi.set_status(dindik, "I.2.2", 2021, "Berjalan", progress=30, expected_version=1).progress == 30.0


def test_catalogue_edits_keep_the_baseline(seeded, admin):
    i2 = _item(admin, "I.2")
    renaksi.set_plan(admin, i2.id, [2022, 2023], i2.version, note="Diperpanjang")
    i2b = _item(admin, "I.2")
    assert (i2b.baseline_years, i2b.planned_years) == ((2022,), (2022, 2023))
    assert i2b.plan_diff.label == "Jadwal diubah: ditambah 2023" and i2b.version == i2.version + 1
    with pytest.raises(ConflictError):
        renaksi.set_plan(admin, i2.id, [2022], i2.version)  # based on the old version
    with pytest.raises(ValidationError, match="tahun 2026 di luar periode"):
        renaksi.set_plan(admin, i2.id, [2026], i2b.version)
    new_id = renaksi.add_item(admin, "I.2.8", "Penyusunan maklumat pelayanan pengaduan", [2024], "Dinas Kominfo")
    items = renaksi.list_items(admin)
    codes = [it.code for it in items]
    assert codes.index("I.2.8") == codes.index("I.2.7") + 1
    new = next(it for it in items if it.id == new_id)
    assert (new.source, new.baseline_years, new.planned_years, new.in_baseline) == ("portal", (), (2024,), False)
    assert new.plan_diff.label == "Butir baru (tidak ada di rencana awal)"
    with pytest.raises(ConflictError, match="sudah dipakai"):
        renaksi.add_item(admin, "I.2.8", "Lagi", [2024])
    with pytest.raises(ValidationError, match="induknya I.9 belum ada"):
        renaksi.add_item(admin, "I.9.1", "Tanpa induk", [2024])
    with pytest.raises(ValidationError, match="alasan pensiun wajib"):
        renaksi.retire_item(admin, new_id, new.version, "")
    with pytest.raises(ValidationError, match="masih punya butir aktif"):
        renaksi.retire_item(admin, i2.id, i2b.version, "Tidak relevan")
    renaksi.retire_item(admin, new_id, new.version, "Salah input")
    assert "I.2.8" not in [it.code for it in renaksi.list_items(admin)]
    gone = renaksi.get_item(admin, "I.2.8")
    assert (gone.active, gone.retired_reason) == (False, "Salah input")
    with pytest.raises(ValidationError, match="dipensiunkan"):
        renaksi.set_status(admin, "I.2.8", 2024, "Berjalan")
    renaksi.change_item(admin, i2.id, i2b.version, parties="Seluruh OPD, Bagian Organisasi")
    assert _item(admin, "I.2").parties == "Seluruh OPD, Bagian Organisasi"
    with read_only() as s:
        actions = [a.action for a in s.exec(select(AuditLog).where(AuditLog.entity == "renaksi_item").order_by(AuditLog.id)).all()]
        rows = s.exec(select(RenaksiPlanYear).where(RenaksiPlanYear.item_id == i2.id)).all()
    assert actions == ["renaksi.load_catalogue", "renaksi.plan_change", "renaksi.item_add", "renaksi.item_retire",
                       "renaksi.item_change"]
    assert {(p.year, p.baseline, p.current) for p in rows} == {(2022, True, True), (2023, False, True)}
    with pytest.raises(PermissionDenied):
        renaksi.add_item(actor_for("operator_opd", _unit("Dinas Komunikasi dan Informatika")), "I.2.9", "x", [2024])


def test_indicator_status_per_year(seeded, admin):
    before = _counts()
    with pytest.raises(ValidationError, match="Tercapai memerlukan bukti"):
        renaksi.set_indicator_status(admin, "1.1", 2023, "Tercapai")
    with pytest.raises(NotFound):
        renaksi.set_indicator_status(admin, "9.9", 2023, "Tercapai", evidence_link=LINK)
    with pytest.raises(ValidationError, match="di luar periode"):
        renaksi.set_indicator_status(admin, "1.1", 2019, "Tercapai sebagian")
    with pytest.raises(PermissionDenied):
        renaksi.set_indicator_status(actor_for("operator_opd", _unit("Dinas Pendidikan")), "1.1", 2023, "Belum tercapai")
    assert _counts() == before
    renaksi.set_indicator_status(admin, "1.1", 2023, "Tercapai", note="SK dan DPA", evidence_link=LINK)
    ind = next(i for i in renaksi.list_indicators(admin) if i.code == "1.1")
    assert (ind.years[2023].status_label, ind.years[2023].version, len(ind.years[2023].evidence)) == ("Tercapai", 1, 1)
    assert ind.years[2024].status == "belum_dinilai"
    with pytest.raises(ConflictError):
        renaksi.set_indicator_status(admin, "1.1", 2023, "Tercapai sebagian", expected_version=0)
    with read_only() as s:
        assert len(s.exec(select(RenaksiIndicatorStatus)).all()) == 1


def test_tabel6_reads_tabel2_and_takes_plugged_in_figures(seeded, admin):
    uid = units.instansi_unit().id
    with transaction() as s:
        for y, n in ((2020, 91), (2021, 74)):
            s.add(GeneralFigures(unit_id=uid, year=y, received=n, resolved=n, unresolved=0, updated_by="uji"))
    rows = {(r.key, r.year): r for r in renaksi.tabel6(admin)}
    assert rows[("jumlah_pengaduan", 2021)].met is True and rows[("jumlah_pengaduan", 2021)].source == "Tabel 2"
    assert rows[("jumlah_pengaduan", 2022)].status == "Belum ada data"
    assert list(renaksi.actual_sources(admin)) == ["Tabel 2 (diisi manual)"]
    imported = {2022: sr.Actual(2022, 96, 90, source="LAPOR!")}
    rows = {(r.key, r.year): r for r in renaksi.tabel6(admin, imported)}
    assert rows[("jumlah_pengaduan", 2022)].met is True and rows[("persentase_penyelesaian", 2022)].actual == 93.75


def test_filters_and_export_hold_exactly_the_rows_shown(seeded, admin):
    items = renaksi.list_items(admin, today=date(2025, 1, 1))
    in_2021 = renaksi.filter_items(items, year=2021)
    assert [it.code for it in in_2021] == ["I.1", "I.1.1", "I.1.2", "I.2.2", "I.2.3", "I.3.1", "I.3.2", "I.4.1",
                                          "I.4.2", "II.1", "II.1.1", "II.1.2", "II.1.3", "III.1.2", "III.2.2",
                                          "IV.3", "V.1", "V.2"]
    insp = renaksi.filter_items(items, parties=["Inspektorat"])
    assert [it.code for it in insp] == ["I.2.2", "I.2.3", "I.2.5", "I.3", "I.4.2", "V.2"]
    kp2 = renaksi.filter_items(items, kp=["II"])
    assert [it.code for it in kp2] == ["KP II", "II.1", "II.1.1", "II.1.2", "II.1.3", "II.1.4"]
    assert len(renaksi.filter_items(items, late=True)) == 44
    ws = load_workbook(io.BytesIO(renaksi.export_excel(kp2, filters="KP II", today=date(2025, 1, 1))))["Tabel 9"]
    assert [ws.cell(3, c).value for c in (1, 2, 3, 7)] == ["No.", "Kelompok Program/ Program/Kegiatan", "Waktu",
                                                          "Pihak Terlibat"]
    assert [ws.cell(4, c).value for c in range(3, 7)] == [2021, 2022, 2023, 2024]
    data = [[c.value for c in row] for row in ws.iter_rows(min_row=renaksi.EXPORT_HEADER_ROWS + 1)]
    assert [r[0] for r in data] == [it.code for it in kp2]
    ii14 = data[-1]
    assert ii14[1] == "Pelaksanaan Studi Banding" and ii14[2:6] == [None, "√", "√", None] and ii14[6] == "Dinas Kominfo"
    assert ii14[7:11] == [None, "Belum dimulai", "Belum dimulai", None] and ii14[15] == "Ya"


def test_json_shape(seeded, admin):
    renaksi.set_status(admin, "V.4", 2022, "Berjalan", progress=10)
    doc = {d["code"]: d for d in renaksi.as_json(renaksi.list_items(admin, today=date(2023, 1, 1)))}
    assert doc["V.4"] == {"code": "V.4", "title": "Terdapat inovasi untuk meningkatkan tindak lanjut dan penyelesaian "
                          "laporan publik melalui SP4N-LAPOR!", "level": "program", "planned_years": [2022, 2024],
                          "parties": "Dinas Kominfo", "source": "tabel9",
                          "status": {"2022": "Berjalan", "2024": "Belum dimulai"}, "late": True}


def test_coverage_of_the_seed_assessment(seeded, admin):
    from assessment import assessments

    with transaction() as s:
        assessments.load_seed_assessment(s, SYSTEM)
    aid = renaksi.list_assessments(admin)[0]["id"]
    data = renaksi.assessment_coverage(admin, aid, today=date(2025, 1, 1))
    cov = data["coverage"]
    assert [(c.aspect_key, c.priority, c.kp, c.highlighted) for c in cov] == [
        ("data_aplikasi", 1, "III", True), ("kelembagaan", 2, "I", True), ("sdm", 3, "II", False),
        ("koordinasi_monev", 4, "V", False), ("partisipasi", 5, "IV", False)]
    assert cov[0].weak_questions == (21,) and cov[1].weak_questions == (12,)
    assert cov[0].items == 8 and cov[0].rollup.units == 15 and cov[0].verdict == "Ada 15 butir-tahun terlambat"
    assert data["weak_questions"]["data_aplikasi"][0]["score"] == 2
