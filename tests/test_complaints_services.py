"""Complaint import and ranking services: round trip per format, upsert and status history across two
snapshots, unknown statuses/units, bad input refused with nothing written, permissions, privacy."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text

from assessment import complaints as svc
from assessment.errors import ImportRejected, NotFound, PermissionDenied, ValidationError
from tests.conftest import actor_for

FIX = Path(__file__).parent / "fixtures" / "lapor"
S1_FILES = ["lapor_s1.xlsx", "lapor_s1_comma_utf8.csv", "lapor_s1_semicolon_bom.csv", "lapor_s1_semicolon_cp1252.csv"]
TABLES = ["complaintsnapshot", "complaintreport", "complaintstatus", "complaintstatusmap", "nonworkingday", "unit",
          "unitalias", "auditlog", "setting"]


def counts() -> dict[str, int]:
    from assessment.db import read_only

    with read_only() as s:
        return {t: s.connection().execute(text(f"SELECT COUNT(*) FROM {t}")).scalar() for t in TABLES}


def load(name: str) -> bytes:
    return (FIX / name).read_bytes()


def imp(actor, name: str, **kw):
    return svc.commit_import(actor, name, load(name), **kw)


def unit_id(name: str) -> int:
    from assessment import units

    return units.resolve_unit(name).id


def reports() -> pd.DataFrame:
    from assessment.db import read_only

    with read_only() as s:
        rows = s.connection().execute(text(
            "SELECT r.tracking_id, r.report_date, r.year, r.reporter_name, r.classification, r.title, r.report_type, "
            "u.name AS unit, r.instansi_name, r.status_raw, r.state, r.rating, r.category_id, r.report_time, "
            "r.followed_up_seen_date, r.waiting_seen_date, r.first_seen_date, r.last_seen_date "
            "FROM complaintreport r LEFT JOIN unit u ON u.id = r.unit_id ORDER BY r.tracking_id")).mappings().all()
    return pd.DataFrame([{k: str(v) for k, v in dict(r).items()} for r in rows])


def test_load_base_is_idempotent(seeded, admin):
    from assessment import seed

    c1 = counts()
    assert c1["complaintstatusmap"] == len(svc.default_status_map()) == 18
    assert c1["nonworkingday"] == 19  # 2025 and 2026 from data/complaints/cuti_bersama.yaml
    seed.load_base()
    assert counts() == c1
    # an admin's removal of a seeded cuti bersama day is not undone by the next start
    svc.remove_cuti_bersama(admin, date(2026, 12, 24))
    seed.load_base()
    assert counts()["nonworkingday"] == 18


@pytest.mark.parametrize("name", S1_FILES)
def test_round_trip_per_format(seeded, admin, name):
    pv = svc.preview_import(admin, name, load(name))
    assert pv.ok and pv.problem_count == 0, pv.problems
    assert (pv.rows, pv.new, pv.updated, pv.unchanged) == (12, 12, 0, 0)
    assert pv.unknown_statuses == [] and pv.unknown_units == []
    assert pv.snapshot_date == date(2026, 3, 27)
    before = counts()
    res = svc.commit_import(admin, name, load(name), parsed=pv.parsed)
    # history is change-only and lazy: a report seen once is its own first sighting, no history row yet
    assert (res.new, res.updated, res.unchanged, res.history_rows) == (12, 0, 0, 0)
    after = counts()
    assert after["complaintreport"] == 12 and after["complaintstatus"] == 0 and after["complaintsnapshot"] == 1
    assert after["auditlog"] == before["auditlog"] + 1  # one summary row, not one per report
    r = reports().set_index("tracking_id")
    assert r.loc["5049672", "report_date"] == "2026-03-02" and r.loc["5049672", "unit"] == "Dinas Sosial"
    assert r.loc["5049672", "state"] == "selesai" and r.loc["5049672", "rating"] == "5.0"
    assert r.loc["5049676", "report_date"] == "2026-01-05" and r.loc["5049676", "report_type"] == "Rahasia"
    assert r.loc["5049680", "unit"] == "Dinas Pekerjaan Umum dan Penataan Ruang"  # alias "Dinas PUPR"
    assert r.loc["5049679", "unit"] == "None" and r.loc["5049679", "state"] == "menunggu verifikasi"
    assert r.loc["5049683", "year"] == "2025"
    assert r.loc["5049673", "title"] == "Laporan contoh 5049673 – café"
    assert r.loc["5049675", "reporter_name"] == "Anonim" and r.loc["5049681", "state"] == "diproses"
    assert r.loc["5049672", "category_id"] == "246" and r.loc["5049672", "report_time"] == "08:15"


def test_every_format_stores_the_same_reports(seeded, admin):
    imp(admin, S1_FILES[0])
    ref = reports()
    for name in S1_FILES[1:]:
        pv = svc.preview_import(admin, name, load(name))
        # same content in another format: the preview sees every report unchanged
        assert (pv.new, pv.updated, pv.unchanged) == (0, 0, 12), name
    assert reports().equals(ref)


def test_upsert_and_status_history_across_two_snapshots(seeded, admin):
    imp(admin, "lapor_s1.xlsx")
    pv = svc.preview_import(admin, "lapor_s2.xlsx", load("lapor_s2.xlsx"))
    assert (pv.new, pv.updated, pv.unchanged) == (2, 5, 7)
    res = svc.commit_import(admin, "lapor_s2.xlsx", load("lapor_s2.xlsx"), parsed=pv.parsed)
    # 5 reports changed status or unit: their first sighting and the change (2 rows each)
    assert (res.new, res.updated, res.unchanged, res.history_rows) == (2, 5, 7, 10)
    c = counts()
    assert c["complaintreport"] == 14 and c["complaintstatus"] == 10 and c["complaintsnapshot"] == 2
    r = reports().set_index("tracking_id")
    # followed up between the snapshots: first seen followed up on 10 Apr, last seen waiting on 27 Mar
    assert (r.loc["5049674", "state"], r.loc["5049674", "followed_up_seen_date"], r.loc["5049674", "waiting_seen_date"]) \
        == ("diproses", "2026-04-10", "2026-03-27")
    # disposed between the snapshots
    assert r.loc["5049679", "unit"] == "Dinas Sosial" and r.loc["5049679", "state"] == "menunggu tindak lanjut"
    # unchanged and still waiting: seen waiting again
    assert r.loc["5049680", "waiting_seen_date"] == "2026-04-10" and r.loc["5049680", "first_seen_date"] == "2026-03-27"
    assert r.loc["5049672", "followed_up_seen_date"] == "2026-03-27"  # already selesai in snapshot 1
    from assessment.db import read_only

    with read_only() as s:
        hist = s.connection().execute(text(
            "SELECT h.snapshot_date, h.state, h.prev_seen_date FROM complaintstatus h JOIN complaintreport r "
            "ON r.id = h.report_id WHERE r.tracking_id = '5049679' ORDER BY h.snapshot_date")).all()
    assert [tuple(map(str, h)) for h in hist] == [("2026-03-27", "menunggu verifikasi", "None"),
                                                  ("2026-04-10", "menunggu tindak lanjut", "2026-03-27")]


def test_ranking_at_each_snapshot_and_history_path_agrees(seeded, admin):
    imp(admin, "lapor_s1.xlsx")
    imp(admin, "lapor_s2.xlsx")
    at1 = svc.ranking(2026, date(2026, 4, 1))  # the latest on or before: snapshot 1 (history path)
    at2 = svc.ranking(2026)
    assert at1.snapshot.snapshot_date == date(2026, 3, 27) and at2.snapshot.snapshot_date == date(2026, 4, 10)
    od1 = dict(zip(at1.ranking.overdue["tracking_id"], at1.ranking.overdue["days_waiting"]))
    od2 = dict(zip(at2.ranking.overdue["tracking_id"], at2.ranking.overdue["days_waiting"]))
    # with the 2026 cuti bersama (18, 20, 23, 24 Mar): 5049674 waited 9 working days by 27 Mar (> 3 + 5)
    assert od1 == {"5049680": 23.0, "5049674": 9.0}
    assert od2 == {"5049680": 32.0, "5049679": 11.0}
    u2 = at2.units.set_index("unit")
    assert u2.loc["Dinas Sosial", "overdue_ids"] == ["5049679"]
    # 5049674 was seen waiting beyond the limit on 27 Mar, then followed up: late; 5049679 overdue: late.
    # 5049672/73 were already followed up when first seen, 14 and 13 working days after they came in:
    # not known to be on time (only that they were followed up by 27 Mar) - left out.
    sos = u2.loc["Dinas Sosial"]
    assert (sos["received"], sos["followed_up"], sos["on_time"], sos["late"], sos["timing_unknown"]) == (4, 3, 0, 2, 2)
    assert sos["on_time_pct"] == 0.0 and not sos["assessed"]
    # the history path gives the same ranking as the stored current view at the latest snapshot
    from assessment.db import read_only
    from scoring import ranking as rk

    with read_only() as s:
        snap = svc._latest_snapshot(s)
        fast = svc._frame(s, 2026, snap)
        slow = svc._history_frame(s, 2026, snap)
        rules, cal = svc.current_rules(s), svc.calendar(s)
        names, _ = svc._unit_names(s)
    a = rk.ranking_document(rk.compute_ranking(fast, 2026, snap.snapshot_date, rules, cal, names))
    b = rk.ranking_document(rk.compute_ranking(slow.assign(year=2026), 2026, snap.snapshot_date, rules, cal, names))
    assert a == b == at2.document()  # and the SQL aggregation (the page's path) agrees with both


def test_unknown_status_and_unit_must_be_mapped(seeded, admin):
    name = "lapor_unknown.xlsx"
    pv = svc.preview_import(admin, name, load(name))
    assert pv.ok and not pv.ready()
    assert [(u.value, u.count, u.rows) for u in pv.unknown_statuses] == [("Bukan Wewenang", 1, (18,))]
    assert [(u.value, u.count, u.rows) for u in pv.unknown_units] == [("UPT Pasar Wlingi", 2, (18, 19))]
    before = counts()
    with pytest.raises(ImportRejected) as e:
        svc.commit_import(admin, name, load(name))
    assert "Bukan Wewenang" in str(e.value)
    assert counts() == before
    with pytest.raises(ImportRejected) as e:  # the status is mapped, the unit is not: still nothing written
        svc.commit_import(admin, name, load(name), status_mappings={"Bukan Wewenang": "arsip"})
    assert "UPT Pasar Wlingi" in str(e.value) and "baris 18, 19" in str(e.value)
    assert counts() == before
    with pytest.raises(ValidationError):
        svc.commit_import(admin, name, load(name), status_mappings={"Bukan Wewenang": "ditolak"})
    assert pv.ready({"bukan  wewenang": "arsip"}, {"upt pasar wlingi": "new:opd"})
    res = svc.commit_import(admin, name, load(name), status_mappings={"Bukan Wewenang": "arsip"},
                            unit_mappings={"UPT Pasar Wlingi": "new:opd"})
    assert res.new == 14 and res.added_statuses == ("Bukan Wewenang",) and res.created_units == ("UPT Pasar Wlingi",)
    from assessment import units

    u = units.resolve_unit("upt pasar wlingi")
    assert u.kind == "opd" and not u.confirmed
    sm = svc.status_map().set_index("key")
    assert sm.loc["bukan wewenang", "state"] == "arsip" and sm.loc["bukan wewenang", "source"] == "impor"
    r = reports().set_index("tracking_id")
    assert r.loc["5049695", "state"] == "arsip" and r.loc["5049696", "unit"] == "UPT Pasar Wlingi"


def test_unit_mapped_to_an_existing_unit_becomes_an_alias(seeded, admin):
    target = unit_id("Dinas Perindustrian dan Perdagangan")
    res = imp(admin, "lapor_unknown.xlsx", status_mappings={"Bukan Wewenang": "arsip"},
              unit_mappings={"UPT Pasar Wlingi": target})
    assert res.added_aliases == ("UPT Pasar Wlingi",)
    from assessment import units

    assert units.resolve_unit("UPT Pasar Wlingi").id == target


BAD = {
    "bad_not_lapor.pdf": (None, None, "bukan berkas Excel"),
    "bad_empty.csv": (None, None, "berkas kosong"),
    "bad_header_only.xlsx": (5, None, "tidak berisi baris laporan"),
    "bad_no_header.csv": (None, None, "baris judul kolom tidak ditemukan"),
    "bad_missing_columns.csv": (5, "Tanggal Laporan Masuk", "kolom wajib tidak ada"),
    "bad_duplicate_id.csv": (10, "Tracking ID", "sudah ada di baris 6 dengan isi berbeda"),
    "bad_dates.csv": (7, "Tanggal Laporan Masuk", "'32 Jan 2026' tidak dapat dibaca"),
    "bad_future_date.csv": (8, "Tanggal Laporan Masuk", "sesudah tanggal snapshot 27 Mar 2026"),
    "bad_tracking_id.csv": (6, "Tracking ID", "'LPR-5049672' bukan angka"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_is_refused_and_nothing_is_written(seeded, admin, name):
    row, column, text_ = BAD[name]
    pv = svc.preview_import(admin, name, load(name))
    assert not pv.ok and pv.problem_count >= 1
    first = pv.problems[0]
    assert text_ in first.message and first.row == row and first.column == column and first.file == name
    before = counts()
    with pytest.raises(ImportRejected) as e:
        svc.commit_import(admin, name, load(name))
    assert text_ in str(e.value)
    assert counts() == before


def test_file_over_the_size_limit(seeded, admin, monkeypatch):
    from assessment import config

    monkeypatch.setenv("MONEV_MAX_IMPORT_MB", "1")
    config.reset_settings()
    data = load("lapor_s1_comma_utf8.csv")
    big = data + b"\r\n" * (1024 * 1024)
    pv = svc.preview_import(admin, "besar.csv", big)
    assert "melebihi batas 1.0 MB" in pv.problems[0].message
    before = counts()
    with pytest.raises(ImportRejected):
        svc.commit_import(admin, "besar.csv", big)
    assert counts() == before


def test_same_file_twice_and_an_older_snapshot_are_refused(seeded, admin):
    imp(admin, "lapor_s2.xlsx")
    before = counts()
    with pytest.raises(ImportRejected) as e:
        imp(admin, "lapor_s2.xlsx")
    assert "sudah diimpor" in str(e.value)
    with pytest.raises(ImportRejected) as e:
        imp(admin, "lapor_s1.xlsx")
    assert "lebih awal daripada snapshot terakhir" in str(e.value)
    assert counts() == before


def test_a_failure_half_way_leaves_the_database_as_it_was(seeded, admin, monkeypatch):
    imp(admin, "lapor_s1.xlsx")
    before = counts()
    real = svc._executemany

    def boom(conn, sql, rows):
        if sql.startswith("UPDATE complaintreport SET last_snapshot_id"):  # after the new reports, unit, status
            raise RuntimeError("disk penuh (uji)")
        return real(conn, sql, rows)

    monkeypatch.setattr(svc, "_executemany", boom)
    with pytest.raises(RuntimeError):
        imp(admin, "lapor_unknown.xlsx", status_mappings={"Bukan Wewenang": "arsip"},
            unit_mappings={"UPT Pasar Wlingi": "new:opd"}, snapshot_date=date(2026, 3, 30), allow_partial=True)
    assert counts() == before
    assert reports().set_index("tracking_id").loc["5049680", "last_seen_date"] == "2026-03-27"


def test_permissions(seeded, admin):
    sosial = unit_id("Dinas Sosial")
    for role in ("operator_opd", "tim_asesor", "verifikator", "pimpinan"):
        a = actor_for(role, sosial)
        with pytest.raises(PermissionDenied):
            svc.preview_import(a, "x.xlsx", load("lapor_s1.xlsx"))
        with pytest.raises(PermissionDenied):
            svc.commit_import(a, "x.xlsx", load("lapor_s1.xlsx"))
        with pytest.raises(PermissionDenied):
            svc.set_status_mapping(a, "Bukan Wewenang", "arsip")
        with pytest.raises(PermissionDenied):
            svc.add_cuti_bersama(a, date(2027, 3, 10))
    assert counts()["complaintreport"] == 0
    imp(admin, "lapor_s1.xlsx")
    other = actor_for("operator_opd", unit_id("Dinas Kesehatan"))
    with pytest.raises(PermissionDenied):
        svc.unit_detail(other, sosial, 2026)
    own = svc.unit_detail(actor_for("operator_opd", sosial), sosial, 2026)
    assert own.personal_visible and list(own.reports["tracking_id"]) == ["5049674", "5049673", "5049672"]


def test_unit_detail_respects_anonim_and_rahasia(seeded, admin):
    imp(admin, "lapor_s1.xlsx")
    kes = unit_id("Dinas Kesehatan")
    d = svc.unit_detail(actor_for("pimpinan"), kes, 2026).reports.set_index("tracking_id")
    assert d.loc["5049675", "reporter_name"] == "(anonim)"  # Anonim: never the name
    assert d.loc["5049675", "title"] == "Laporan contoh 5049675"
    for c in svc.PERSONAL_COLS:  # Rahasia: nothing personal
        assert d.loc["5049676", c] == "(rahasia)"
    assert d.loc["5049676", "state"] == "selesai"
    pupr = svc.unit_detail(admin, unit_id("Dinas PUPR"), 2026)
    assert list(pupr.overdue["tracking_id"]) == ["5049680"]
    assert any("Belum dapat dinilai" in line for line in pupr.explanation)


def test_audit_holds_no_personal_data(seeded, admin):
    imp(admin, "lapor_s1.xlsx")
    from assessment.db import read_only

    with read_only() as s:
        rows = s.connection().execute(text("SELECT action, new FROM auditlog WHERE action LIKE 'complaints.%'")).all()
    dump = json.dumps([list(map(str, r)) for r in rows], ensure_ascii=False)
    assert "Pelapor Contoh" not in dump and "Isi laporan" not in dump and "café" not in dump
    imp_row = [json.loads(r[1]) if isinstance(r[1], str) else r[1] for r in rows if r[0] == "complaints.import"][0]
    assert imp_row["file"] == "lapor_s1.xlsx" and imp_row["rows"] == 12 and len(imp_row["sha256"]) == 64
    assert imp_row["snapshot_date"] == "2026-03-27" and imp_row["new"] == 12


def test_figures_from_reports(seeded, admin):
    assert svc.figures_from_reports(2026) is None
    imp(admin, "lapor_s1.xlsx")
    k = svc.figures_from_reports(2026)
    assert (k.received, k.resolved, k.unresolved, k.in_process, k.months) == (11, 3, 1, 7, 3)
    assert k.general.monthly_printed == 3 and round(k.resolved_pct, 2) == 27.27
    assert svc.figures_from_reports(2026, unit_id("Pemerintah Kabupaten Blitar")) == k
    sos = svc.figures_from_reports(2026, unit_id("Dinas Sosial"))
    assert (sos.received, sos.resolved, sos.overdue) == (3, 1, 1)
    old = svc.figures_from_reports(2025)
    assert (old.received, old.resolved, old.months) == (1, 1, 12)
    assert svc.figures_from_reports(2024) is None
    with pytest.raises(NotFound):
        svc.figures_from_reports(2026, 999999)


def test_public_statistics_hold_counts_only(seeded, admin):
    imp(admin, "lapor_s1.xlsx")
    pub = svc.public_statistics(2026)
    assert pub["totals"]["received"] == 11
    for key in ("by_month", "by_category", "by_unit"):
        cols = set(pub[key].columns)
        assert not cols & {"tracking_id", "reporter_name", "title", "body_initial"}
    bu = pub["by_unit"].set_index("unit")
    assert bu.loc["Dinas Sosial", "received"] == 3 and bu.loc["Belum didisposisikan", "received"] == 1
    assert list(pub["by_month"]["received"]) == [1, 4, 6]


def test_changing_a_status_mapping_restates_stored_reports(seeded, admin):
    imp(admin, "lapor_s1.xlsx")
    svc.set_status_mapping(admin, "Ditanggapi oleh Pelapor", "selesai")
    r = reports().set_index("tracking_id")
    assert r.loc["5049681", "state"] == "selesai" and r.loc["5049681", "followed_up_seen_date"] == "2026-03-27"
    with pytest.raises(ValidationError):
        svc.delete_status_mapping(admin, "Ditanggapi oleh Pelapor")
    svc.set_status_mapping(admin, "Ditolak Instansi", "arsip")
    svc.delete_status_mapping(admin, "ditolak  instansi")
    assert "ditolak instansi" not in set(svc.status_map()["key"])


def test_cuti_bersama_admin(seeded, admin):
    with pytest.raises(ValidationError):
        svc.add_cuti_bersama(admin, date(2027, 3, 13))  # a Saturday
    sugg = svc.suggest_cuti_bersama(2027)
    assert (date(2027, 3, 12), "Eid al-Fitr Joint Holiday") in sugg
    svc.add_cuti_bersama(admin, date(2027, 3, 12), "Cuti bersama Idul Fitri 1448 H")
    assert date(2027, 3, 12) not in [d for d, _ in svc.suggest_cuti_bersama(2027)]
    assert date(2027, 3, 12) in svc.calendar().cuti_bersama
    with pytest.raises(ValidationError):
        svc.add_cuti_bersama(admin, date(2027, 3, 12))
    svc.remove_cuti_bersama(admin, date(2027, 3, 12))
    with pytest.raises(NotFound):
        svc.remove_cuti_bersama(admin, date(2027, 3, 12))


def _pandas_document(year):
    from assessment.db import read_only
    from scoring import ranking as rk

    with read_only() as s:
        snap = svc._latest_snapshot(s)
        frame = svc._frame(s, year, snap)
        rules, cal = svc.current_rules(s), svc.calendar(s)
        names, _ = svc._unit_names(s)
    return rk.ranking_document(rk.compute_ranking(frame, year, snap.snapshot_date, rules, cal, names))


def test_demo_data_loads_once_and_is_labelled(seeded, admin):
    from assessment.db import transaction
    from assessment.permissions import SYSTEM

    with transaction() as s:
        svc.load_demo(s, SYSTEM)
    c = counts()
    snaps = svc.list_snapshots(admin)
    assert len(snaps) == 2 and all(x.synthetic and x.label == "DATA SINTETIS (demo)" for x in snaps)
    assert "DATA SINTETIS (demo)" in snaps[0].caption
    with transaction() as s:
        svc.load_demo(s, SYSTEM)
    assert counts() == c
    res = svc.ranking(2026)
    assert res.synthetic and len(res.units) >= 60
    assert res.units["assessed"].sum() >= 20 and res.rewards["unit"].size >= 1 and res.punishments["unit"].size >= 1
    assert c["complaintreport"] == 2600 and c["complaintstatus"] > 100  # status changes between the two snapshots
    # the SQL aggregation with its working-day table gives exactly what the per-report pandas rules give
    for year in (2025, 2026):
        assert svc.ranking(year).document() == _pandas_document(year)
    # and the calendar follows the cuti bersama days
    before = svc.ranking(2026).document()
    svc.add_cuti_bersama(admin, date(2026, 11, 26), "uji")
    assert svc.ranking(2026).document() == _pandas_document(2026) != before


def test_the_indexes_after_a_first_import(seeded, admin):
    from sqlalchemy import inspect

    from assessment.db import get_engine

    imp(admin, "lapor_s1.xlsx")
    idx = {i["name"]: (tuple(i["column_names"]), bool(i["unique"])) for i in inspect(get_engine()).get_indexes("complaintreport")}
    assert idx["ix_complaintreport_tracking_id"] == (("tracking_id",), True)
    assert idx["ix_complaintreport_unit_year"] == (("unit_id", "year"), False)
    with pytest.raises(ImportRejected):  # and the unique index works again
        imp(admin, "lapor_s1.xlsx")
    imp(admin, "lapor_s2.xlsx")
    assert counts()["complaintreport"] == 14


def test_empty_fields_are_stored_as_null_not_as_the_bulk_insert_sentinels(seeded, admin):
    """On SQLite the import binds '' / -1 for missing values and NULLIF turns them back into NULL."""
    from assessment.db import read_only

    imp(admin, "lapor_s1.xlsx")
    assert imp(admin, "lapor_s2.xlsx").history_rows == 10  # updates and history rows too
    nullable = list(svc._TEXT_COLS) + ["disposition_date", "follow_up_date", "completion_date",
                                       "followed_up_seen_date", "waiting_seen_date"]
    with read_only() as s:
        c = s.connection()
        for col in nullable:
            assert c.execute(text(f"SELECT COUNT(*) FROM complaintreport WHERE CAST({col} AS TEXT) = ''")).scalar() == 0, col
        assert c.execute(text("SELECT COUNT(*) FROM complaintreport WHERE unit_id = -1 OR rating = -1")).scalar() == 0
        assert c.execute(text("SELECT COUNT(*) FROM complaintreport WHERE rating IS NULL")).scalar() > 0
        assert c.execute(text("SELECT COUNT(*) FROM complaintreport WHERE hold_reason IS NULL")).scalar() > 0
        assert c.execute(text("SELECT COUNT(*) FROM complaintstatus WHERE unit_id = -1 "
                              "OR CAST(prev_seen_date AS TEXT) = ''")).scalar() == 0
        assert c.execute(text("SELECT COUNT(*) FROM complaintstatus")).scalar() > 0


# --- snapshot dates in the future, ordering, removal of the latest snapshot, partial exports --------

def partial_csv(generated: str, keep: int) -> bytes:
    """lapor_s1 (12 reports) cut to its first `keep` reports, dated `generated`."""
    lines = load("lapor_s1_comma_utf8.csv").decode("utf-8").splitlines()
    lines[2] = f"Tanggal Generate,{generated}" + "," * 24
    return ("\n".join(lines[:5 + keep]) + "\n").encode("utf-8")


def test_a_snapshot_dated_after_today_is_refused(seeded, admin, monkeypatch):
    from assessment import lapor_file

    monkeypatch.setattr(lapor_file, "today_wib", lambda: date(2026, 3, 26))  # the file says 27 Mar 2026
    before = counts()
    pv = svc.preview_import(admin, "lapor_s1.xlsx", load("lapor_s1.xlsx"))
    assert not pv.ok and pv.problem_count == 1
    p = pv.problems[0]
    assert p.column == "Tanggal Generate" and p.row is None
    assert p.message.startswith("tanggal snapshot 27 Mar 2026 (metadata 'Tanggal Generate' (di atas judul kolom)) "
                                "sesudah hari ini (26 Mar 2026 WIB)")
    with pytest.raises(ImportRejected):
        imp(admin, "lapor_s1.xlsx")
    # a date given by the importer is checked the same way, naming that field
    monkeypatch.setattr(lapor_file, "today_wib", lambda: date(2026, 12, 3))
    pv = svc.preview_import(admin, "lapor_s1.xlsx", load("lapor_s1.xlsx"), date(2027, 1, 10))
    assert [p.column for p in pv.problems] == ["Tanggal snapshot"]
    assert pv.problems[0].message.startswith(
        "tanggal snapshot 10 Jan 2027 (tanggal snapshot yang diisi saat impor) sesudah hari ini (")
    assert "3 Des 2026 WIB" in pv.problems[0].message
    assert counts() == before
    # today itself is fine
    monkeypatch.setattr(lapor_file, "today_wib", lambda: date(2026, 3, 27))
    assert svc.preview_import(admin, "lapor_s1.xlsx", load("lapor_s1.xlsx")).ok


def test_same_date_twice_is_refused_and_the_same_file_says_already_imported(seeded, admin):
    imp(admin, "lapor_s1.xlsx")
    imp(admin, "lapor_s2.xlsx")
    before = counts()
    # a different file with the date of an existing snapshot (27 Mar 2026, also older than 10 Apr)
    pv = svc.preview_import(admin, "lain.csv", partial_csv("2026-03-27", 12))
    assert [p.message[:52] for p in pv.problems] == ["sudah ada snapshot bertanggal 27 Mar 2026 (impor #1, "[:52]]
    # the very file of the older snapshot: "already imported", not "older"
    pv = svc.preview_import(admin, "lapor_s1.xlsx", load("lapor_s1.xlsx"))
    assert len(pv.problems) == 1 and pv.problems[0].message.startswith(
        "berkas ini sudah diimpor: isinya sama persis (sha256) dengan snapshot 27 Mar 2026 (impor #1")
    # an older date, not imported before: the order rule and why
    pv = svc.preview_import(admin, "lama.csv", partial_csv("2026-04-01", 12))
    assert len(pv.problems) == 1 and "lebih awal daripada snapshot terakhir (10 Apr 2026)" in pv.problems[0].message
    assert "menurut urutan tanggalnya" in pv.problems[0].message
    assert counts() == before
    assert len(svc.list_snapshots(admin)) == 2


def test_delete_latest_snapshot_restores_the_previous_state(seeded, admin):
    imp(admin, "lapor_s1.xlsx")
    before, rep1 = counts(), reports()
    doc1 = svc.ranking(2026).document()
    imp(admin, "lapor_s2.xlsx")
    assert counts()["complaintreport"] == 14 and counts()["complaintstatus"] == 10
    with pytest.raises(ValidationError) as e:
        svc.delete_latest_snapshot(admin, date(2026, 3, 27))
    assert "bukan snapshot terakhir: hanya snapshot terakhir (10 Apr 2026)" in str(e.value)
    with pytest.raises(PermissionDenied):
        svc.delete_latest_snapshot(actor_for("tim_asesor", None), date(2026, 4, 10))
    r = svc.delete_latest_snapshot(admin, date(2026, 4, 10))
    assert (r.removed_reports, r.restored_reports, r.reseen_reports, r.history_rows, r.previous) == \
        (2, 5, 7, 10, date(2026, 3, 27))
    after = counts()
    assert after["auditlog"] == before["auditlog"] + 2  # the import and the removal
    assert {k: v for k, v in after.items() if k != "auditlog"} == {k: v for k, v in before.items() if k != "auditlog"}
    pd.testing.assert_frame_equal(reports(), rep1)
    assert svc.ranking(2026).document() == doc1
    assert [x.snapshot_date for x in svc.list_snapshots(admin)] == [date(2026, 3, 27)]
    from assessment.db import read_only

    with read_only() as s:
        a = s.connection().execute(text("SELECT action, new FROM auditlog WHERE action = "
                                        "'complaints.snapshot_delete'")).all()
    new = a[0][1] if isinstance(a[0][1], dict) else json.loads(a[0][1])
    assert len(a) == 1 and new == {"removed_reports": 2, "restored_reports": 5, "reseen_reports": 7,
                                   "history_rows_deleted": 10, "latest_now": "2026-03-27"}
    # the same file can be imported again afterwards, with the same result
    res = imp(admin, "lapor_s2.xlsx")
    assert (res.new, res.updated, res.unchanged, res.history_rows) == (2, 5, 7, 10)
    # and the first snapshot too, down to an empty database
    svc.delete_latest_snapshot(admin)
    r = svc.delete_latest_snapshot(admin)
    assert (r.removed_reports, r.restored_reports, r.previous) == (12, 0, None)
    assert counts()["complaintreport"] == 0 and counts()["complaintsnapshot"] == 0
    assert svc.years_available() == [] and svc.ranking(2026) is None
    with pytest.raises(NotFound):
        svc.delete_latest_snapshot(admin)


def test_partial_export_is_shown_and_needs_confirmation(seeded, admin):
    imp(admin, "lapor_s1.xlsx")
    data = partial_csv("2026-04-10", 3)
    pv = svc.preview_import(admin, "sebagian.csv", data)
    assert pv.ok and (pv.rows, pv.new, pv.updated, pv.unchanged) == (3, 0, 0, 3)
    assert pv.partial and pv.absent == 9
    assert pv.absent_sample == ("5049675", "5049676", "5049677", "5049678", "5049679")
    assert sum(n for _, n in pv.absent_by_unit) == 9
    before = counts()
    with pytest.raises(ValidationError) as e:
        svc.commit_import(admin, "sebagian.csv", data, parsed=pv.parsed)
    assert "tidak memuat 9 laporan yang sudah tersimpan" in str(e.value)
    assert counts() == before
    res = svc.commit_import(admin, "sebagian.csv", data, parsed=pv.parsed, allow_partial=True)
    assert (res.rows, res.absent) == (3, 9)
    # a full export afterwards is not partial
    assert not svc.preview_import(admin, "lapor_s2.xlsx", load("lapor_s2.xlsx")).partial


def test_a_read_never_writes_and_years_without_data_are_not_offered(seeded, admin):
    imp(admin, "lapor_s1.xlsx")
    before = counts()
    from assessment.db import read_only

    def aggs():
        with read_only() as s:
            return s.connection().execute(text("SELECT snapshot_id, year FROM complaintaggregate ORDER BY year")).all()

    a0 = aggs()
    assert svc.years_available() == [2026, 2025]
    res = svc.ranking(2031)
    assert res is not None and res.ranking.units.empty
    assert svc.ranking(2026, date(2026, 3, 27)) is not None
    assert aggs() == a0 and counts() == before
    assert svc.years_available() == [2026, 2025]  # 2031 is not offered, the default stays the latest with data


def test_an_empty_aggregate_left_by_an_older_version_is_not_a_year(seeded, admin):
    from assessment.db import transaction

    imp(admin, "lapor_s1.xlsx")
    snap = svc.snapshot_at()
    r2031 = svc.ranking(2031).ranking
    with transaction() as s:  # what `rank --year 2031` used to store
        svc._store_parts(s, snap.id, 2031, svc.calendar(), svc.current_rules(), r2031.counts.iloc[0:0],
                         r2031.timing.iloc[0:0])
    assert svc.years_available() == [2026, 2025]
