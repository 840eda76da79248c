"""scoring/renaksi.py: lateness, program progress, roll-ups, Tabel 6, plan diff, coverage. Exact values."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, strategies as st

from assessment import renaksi as svc
from scoring import renaksi as sr
from scoring.renaksi import BELUM, BERJALAN, SELESAI, TIDAK, YearEntry


# --- lateness ------------------------------------------------------------------------------------

@pytest.mark.parametrize("today,status,include_tidak,late", [
    (date(2022, 12, 31), BELUM, True, False),  # the year has not ended yet on its last day
    (date(2023, 1, 1), BELUM, True, True),
    (date(2023, 1, 1), BERJALAN, True, True),
    (date(2030, 6, 1), SELESAI, True, False),  # Selesai is never late
    (date(2023, 1, 1), TIDAK, True, True),
    (date(2023, 1, 1), TIDAK, False, False),
    (date(2021, 3, 1), BELUM, True, False),  # before the year
])
def test_is_late_for_year_2022(today, status, include_tidak, late):
    assert sr.is_late(2022, status, today, include_tidak) is late


# --- program progress ----------------------------------------------------------------------------

def test_program_year_mean_of_scheduled_kegiatan():
    got = sr.program_year([("I.2.1", YearEntry(SELESAI, 100)), ("I.2.4", YearEntry(BERJALAN, 50)),
                           ("I.2.5", YearEntry(BELUM, 0))])
    assert got == (BERJALAN, 50.0, ("I.2.1", "I.2.4", "I.2.5"), ())


def test_program_year_leaves_out_tidak_dilaksanakan_and_counts_selesai_as_100():
    # Selesai counts 100 even if a stale progress value were stored with it.
    got = sr.program_year([("a", YearEntry(SELESAI, 80)), ("b", YearEntry(TIDAK, 30)), ("c", YearEntry(BERJALAN, 20))])
    assert got == (BERJALAN, 60.0, ("a", "c"), ("b",))
    assert sr.program_year([("a", YearEntry(SELESAI, 100)), ("b", YearEntry(TIDAK, 0))]) == (SELESAI, 100.0, ("a",), ("b",))


def test_program_year_edge_cases():
    assert sr.program_year([]) is None
    assert sr.program_year([("a", YearEntry(TIDAK, 10)), ("b", YearEntry(TIDAK, 0))]) == (TIDAK, None, (), ("a", "b"))
    assert sr.program_year([("a", YearEntry()), ("b", YearEntry())]) == (BELUM, 0.0, ("a", "b"), ())
    assert sr.program_year([("a", YearEntry(BERJALAN, 0)), ("b", YearEntry())]) == (BERJALAN, 0.0, ("a", "b"), ())


ENTRY = st.builds(YearEntry, st.sampled_from(list(sr.STATUSES)), st.integers(0, 100)).map(
    lambda e: YearEntry(e.status, 100 if e.status == SELESAI else (0 if e.status == BELUM else min(e.progress, 99))))


@given(st.lists(ENTRY, min_size=1, max_size=8))
def test_program_year_properties(entries):
    got = sr.program_year([(f"k{i}", e) for i, e in enumerate(entries)])
    status, progress, counted, excluded = got
    assert len(counted) + len(excluded) == len(entries)
    kept = [e for e in entries if e.status != TIDAK]
    if not kept:
        assert (status, progress) == (TIDAK, None)
        return
    values = [100 if e.status == SELESAI else e.progress for e in kept]
    assert min(values) <= progress <= max(values)
    assert (status == SELESAI) == all(e.status == SELESAI for e in kept)
    assert (status == BELUM) == all(e.status == BELUM for e in kept)


# --- evaluate and roll-ups on a small plan ----------------------------------------------------------

def _plan():
    return [
        sr.ItemPlan("KP I", "I", "kp"),
        sr.ItemPlan("I.1", "I", "program", "KP I", (2021, 2022, 2023)),
        sr.ItemPlan("I.1.1", "I", "kegiatan", "I.1", (2021,), (2021,), True, {2021: YearEntry(SELESAI, 100)}),
        sr.ItemPlan("I.1.2", "I", "kegiatan", "I.1", (2022, 2023), (2022, 2023), True, {2022: YearEntry(BERJALAN, 40)}),
        sr.ItemPlan("I.1.3", "I", "kegiatan", "I.1", (2022,), (2022,), True, {2022: YearEntry(TIDAK, 0)}),
        sr.ItemPlan("I.2", "I", "program", "KP I", (2021, 2022), (2021,), True, {2021: YearEntry(BERJALAN, 10)}),
        sr.ItemPlan("I.2.1", "I", "kegiatan", "I.2", (2022,), (2022,), True, {2022: YearEntry(SELESAI, 100)}),
        sr.ItemPlan("I.2.2", "I", "kegiatan", "I.2", (2022,), (), False),  # retired: neither counted nor late
    ]


def test_evaluate_derives_programs_and_marks_late_on_the_reference_date():
    states = sr.evaluate(_plan(), date(2023, 1, 1))
    i1 = states["I.1"]
    assert i1.years[2021] == sr.YearState(2021, SELESAI, 100.0, True, ("I.1.1",), (), False)
    assert i1.years[2022] == sr.YearState(2022, BERJALAN, 40.0, True, ("I.1.2",), ("I.1.3",), True)
    assert i1.years[2023].status == BELUM and i1.years[2023].late is False  # 2023 not over yet
    assert i1.late_years == (2022,)
    # I.2 in 2021 has no scheduled kegiatan: tracked on its own.
    assert states["I.2"].years[2021] == sr.YearState(2021, BERJALAN, 10.0, False, (), (), True)
    assert states["I.2"].years[2022].derived and states["I.2"].years[2022].status == SELESAI
    assert states["I.1.3"].late_years == (2022,)  # Tidak dilaksanakan counts as late by default
    assert sr.evaluate(_plan(), date(2023, 1, 1), include_tidak=False)["I.1.3"].late_years == ()
    assert states["I.2.2"].late is False and states["KP I"].years == {}
    later = sr.evaluate(_plan(), date(2024, 1, 1))
    assert later["I.1"].late_years == (2022, 2023) and later["I.1.2"].late_years == (2022, 2023)


def test_rollups_count_work_units_once():
    states = sr.evaluate(_plan(), date(2023, 1, 1))
    units = sr.work_units(states)
    assert sorted((u.code, u.year) for u in units) == [
        ("I.1.1", 2021), ("I.1.2", 2022), ("I.1.2", 2023), ("I.1.3", 2022), ("I.2", 2021), ("I.2.1", 2022)]
    r = sr.rollup(units)
    # 6 units, 1 Tidak dilaksanakan: 2 Selesai of 5 = 40 %; mean progress (100+40+0+10+100)/5 = 50
    assert r == sr.Rollup(6, 2, 2, 1, 1, 3, 40.0, 50.0)
    by_year = sr.rollup_by_year(units)
    assert list(by_year) == [2021, 2022, 2023]
    assert by_year[2021].pct_done == 50.0 and by_year[2022].pct_done == 50.0 and by_year[2023].pct_done == 0.0
    assert sr.rollup([]) == sr.Rollup(0, 0, 0, 0, 0, 0, None, None)


def test_rollup_of_the_seed_plan_with_nothing_recorded():
    """The seed's Tabel 9: 80 work units (kegiatan-years plus program-years without a scheduled kegiatan)."""
    cat = svc.read_catalogue()
    plans = [sr.ItemPlan(r["code"], svc.kp_of(r["code"]), r["level"], svc.parent_code(r["code"]),
                         tuple(r["planned_years"]), tuple(r["planned_years"])) for r in cat.items]
    states = sr.evaluate(plans, date(2025, 1, 1))
    units = sr.work_units(states)
    by_kp = sr.rollup_by_kp(units)
    assert {k: v.units for k, v in by_kp.items()} == {"I": 30, "II": 14, "III": 15, "IV": 16, "V": 5}
    assert sum(v.units for v in by_kp.values()) == 80
    assert all(v.late == v.units and v.pct_done == 0.0 for v in by_kp.values())  # all years are over
    # IV.3 (2021-2024) has kegiatan only in 2022 (IV.3.2) and 2023 (IV.3.1): 2021 and 2024 are its own.
    iv3 = states["IV.3"].years
    assert [y for y, ys in iv3.items() if ys.derived] == [2022, 2023]
    assert {k: v.units for k, v in sr.rollup_by_year(units).items()} == {2021: 16, 2022: 24, 2023: 20, 2024: 20}
    # Before 2022 ends nothing planned for 2022 or later is late; only the 16 units of 2021 are.
    assert sr.rollup(sr.work_units(sr.evaluate(plans, date(2022, 6, 30)))).late == 16


# --- Tabel 6 -------------------------------------------------------------------------------------

def test_tabel6_met_and_not_met_with_the_seed_targets():
    targets = svc.read_targets()
    actuals = {2020: sr.Actual(2020, 91, 91), 2021: sr.Actual(2021, 74, 74), 2022: sr.Actual(2022, 96, 90),
               2023: sr.Actual(2023, 60, 60, months=6)}
    rows = {(r.key, r.year): r for r in sr.tabel6_rows(targets, actuals)}
    assert rows[("jumlah_pengaduan", 2021)].met is True and rows[("jumlah_pengaduan", 2021)].target == 74
    assert rows[("persentase_penyelesaian", 2021)].actual == 100.0 and rows[("persentase_penyelesaian", 2021)].met
    assert rows[("jumlah_pengaduan", 2022)].met is True  # 96 >= 95
    p22 = rows[("persentase_penyelesaian", 2022)]
    assert p22.actual == 93.75 and p22.met is False and p22.status == "Tidak tercapai"
    j23 = rows[("jumlah_pengaduan", 2023)]
    assert j23.met is None and j23.provisional and j23.status == "Sementara (6 bulan)"
    assert rows[("jumlah_pengaduan", 2024)].status == "Belum ada data" and rows[("jumlah_pengaduan", 2024)].target == 110
    part = sr.tabel6_rows(targets, {2024: sr.Actual(2024, 111, 50, months=9)})
    assert [r.met for r in part if r.year == 2024] == [True, None]  # a count already at target is met


# --- parties, plan diff, ordering, coverage ------------------------------------------------------

@pytest.mark.parametrize("text,tokens", [
    ("Dinas Kominfo, Bagian Organisasi, Bagian Hukum dan seluruh OPD",
     ("Dinas Kominfo", "Bagian Organisasi", "Bagian Hukum", "Seluruh OPD")),
    ("Dinas Kominfo, dan seluruh OPD", ("Dinas Kominfo", "Seluruh OPD")),
    ("Dinas Kominfo, seluruh OPD.", ("Dinas Kominfo", "Seluruh OPD")),
    ("Dinas Kominfo,", ("Dinas Kominfo",)),
    ("Seluruh OPD", ("Seluruh OPD",)),
    ("", ()),
])
def test_party_tokens(text, tokens):
    assert sr.party_tokens(text) == tokens


def test_plan_diff_labels():
    assert sr.plan_diff([2022], [2022, 2023]).label == "Jadwal diubah: ditambah 2023"
    assert sr.plan_diff([2021, 2022], [2022]).removed == (2021,)
    assert sr.plan_diff([2022], [2022]).label == "Sesuai rencana awal" and not sr.plan_diff([2022], [2022]).changed
    assert sr.plan_diff([], [2023], in_baseline=False).label == "Butir baru (tidak ada di rencana awal)"


def test_code_sort_key_follows_tabel_9():
    codes = ["II.1", "KP II", "I.10", "I.2.1", "I.2", "KP I", "I.1.1", "V.1.1", "V.2", "IV.1.3"]
    assert sorted(codes, key=sr.code_sort_key) == ["KP I", "I.1.1", "I.2", "I.2.1", "I.10", "KP II", "II.1",
                                                   "IV.1.3", "V.1.1", "V.2"]


def test_coverage_of_the_blitar_2022_priorities():
    # Blitar 2022 (instrument.md): priorities 2, 3, 1, 5, 4; weak questions 12 (Kelembagaan) and 21 (Data).
    needs = [sr.AspectNeed("kelembagaan", "Kelembagaan & Kebijakan", 2, 3.5, (12,)),
             sr.AspectNeed("sdm", "Sumber Daya Manusia", 3, 3.5556, ()),
             sr.AspectNeed("data_aplikasi", "Pemanfaatan Data & Optimalisasi Aplikasi", 1, 3.4, (21,)),
             sr.AspectNeed("partisipasi", "Partisipasi Pemangku Kepentingan", 5, 4.0, ()),
             sr.AspectNeed("koordinasi_monev", "Koordinasi, Monev", 4, 3.6667, ())]
    done = sr.Rollup(15, 15, 0, 0, 0, 0, 100.0, 100.0)
    late = sr.Rollup(30, 3, 2, 25, 0, 27, 10.0, 12.0)
    rows = sr.coverage(needs, svc.read_aspect_kp(), {"I": 28, "III": 8, "II": 5}, {"I": late, "III": done}, top_n=2)
    assert [(c.aspect_key, c.kp, c.highlighted) for c in rows] == [
        ("data_aplikasi", "III", True), ("kelembagaan", "I", True), ("sdm", "II", False),
        ("koordinasi_monev", "V", False), ("partisipasi", "IV", False)]
    assert rows[0].verdict == "Semua butir selesai"
    assert rows[1].verdict == "Ada 27 butir-tahun terlambat"
    assert rows[3].verdict.startswith("Tidak ada butir terjadwal")
