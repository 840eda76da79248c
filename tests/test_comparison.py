"""Comparisons: Blitar 2022 (the seed) against a made-up 2023, and units side by side, exact numbers."""
from __future__ import annotations

import math

import pytest

from assessment import assessments, comparison, units
from assessment.assessments import AnswerChange
from assessment.errors import NotFound, ValidationError
from scoring import comparison as cmp
from scoring.assessment import round2
from tests.blitar_seed import load_blitar_2022

BLITAR_2022 = [4, 3, 4, 4, 4, 4, 3, 4, 3, 4, 4, 2, 3, 4, 3, 4, 4, 4, 3, 4, 2, 4]
# made up: q1 4->3, q2 3->4, q9 3->4, q12 2->3, q19 3->4, q21 2->3, q22 4->2
BLITAR_2023 = [3, 4, 4, 4, 4, 4, 3, 4, 4, 4, 4, 3, 3, 4, 3, 4, 4, 4, 4, 4, 3, 2]


def _fill(admin, unit_name, year, scores):
    unit = units.resolve_unit(unit_name)
    aid = assessments.create(admin, unit.id, year)
    assessments.save_answers(admin, aid, {q: AnswerChange(v, fields=("score",))
                                          for q, v in enumerate(scores, start=1) if v is not None})
    return unit.id, aid


@pytest.fixture
def blitar(seeded, admin):
    load_blitar_2022()
    unit_id, _ = _fill(admin, "Pemerintah Kabupaten Blitar", 2023, BLITAR_2023)
    return unit_id


def test_year_over_year_blitar(blitar, admin):
    yc = comparison.compare_years(admin, blitar, 2022, 2023)
    assert (yc.year_old, yc.year_new, yc.unit_name) == (2022, 2023, "Pemerintah Kabupaten Blitar")
    changes = {q.question_no: q.change for q in yc.questions}
    assert changes == {1: -1, 2: 1, 3: 0, 4: 0, 5: 0, 6: 0, 7: 0, 8: 0, 9: 1, 10: 0, 11: 0, 12: 1, 13: 0,
                       14: 0, 15: 0, 16: 0, 17: 0, 18: 0, 19: 1, 20: 0, 21: 1, 22: -2}
    assert (yc.count(cmp.IMPROVED), yc.count(cmp.DECLINED), yc.count(cmp.SAME)) == (5, 2, 15)
    q12 = yc.questions[11]
    assert (q12.old, q12.new, q12.status) == (2, 3, "membaik")
    assert (q12.old_category, q12.new_category) == ("perlu_perbaikan", "cukup")
    assert yc.questions[21].status == "menurun"
    # aspects: 2022 -> 2023, in Tabel 5 order
    got = [(a.name, round2(a.old_mean), round2(a.new_mean), a.change, a.status) for a in yc.aspects]
    assert got == [
        ("Kelembagaan & Kebijakan", 3.50, 3.67, 0.17, "membaik"),  # 21/6 -> 22/6
        ("Sumber Daya Manusia", 3.56, 3.78, 0.22, "membaik"),  # 32/9 -> 34/9
        ("Pemanfaatan Data & Optimalisasi Aplikasi", 3.40, 3.20, -0.20, "menurun"),  # 17/5 -> 16/5
        ("Partisipasi Pemangku Kepentingan", 4.00, 4.00, 0.00, "tetap"),
        ("Koordinasi, Monev", 3.67, 4.00, 0.33, "membaik"),  # 11/3 -> 12/3
    ]
    # overall: 78/22 = 3.545 -> 80/22 = 3.636
    assert (round2(yc.mean_old), round2(yc.mean_new), yc.mean_change) == (3.55, 3.64, 0.09)
    # sorted by improvement
    assert [a.name for a in cmp.by_improvement(yc.aspects)] == [
        "Koordinasi, Monev", "Sumber Daya Manusia", "Kelembagaan & Kebijakan",
        "Partisipasi Pemangku Kepentingan", "Pemanfaatan Data & Optimalisasi Aplikasi"]
    order = [q.question_no for q in cmp.by_improvement(yc.questions)]
    assert order[:5] == [2, 9, 12, 19, 21] and order[-2:] == [1, 22]
    assert yc.notes == ()


def test_year_over_year_refusals_and_incomplete(blitar, admin):
    with pytest.raises(ValidationError):
        comparison.compare_years(admin, blitar, 2023, 2023)
    with pytest.raises(NotFound, match="2021"):
        comparison.compare_years(admin, blitar, 2021, 2023)
    unit_id, _ = _fill(admin, "Kecamatan Wlingi", 2022, BLITAR_2022[:20] + [None, None])
    _fill(admin, "Kecamatan Wlingi", 2023, BLITAR_2023)
    yc = comparison.compare_years(admin, unit_id, 2022, 2023)
    assert yc.questions[20].change is None and yc.questions[20].status is None
    assert "Asesmen 2022 belum lengkap (20/22 terisi)." in yc.notes
    assert [q.question_no for q in cmp.by_improvement(yc.questions)][-2:] == [21, 22]
    years = comparison.unit_years(admin, unit_id)
    assert [a.year for a in years] == [2023, 2022]


def test_units_side_by_side(blitar, admin):
    opd_a = [4] * 22
    opd_b = [3] * 11 + [2] * 11  # mean 2.5
    opd_c = [4] * 11 + [3] * 11  # mean 3.5
    kec_a = [2] * 22
    kec_b = [3] * 20 + [None, None]  # incomplete: in the matrix and averages, not in the ranking
    _fill(admin, "Dinas Komunikasi dan Informatika", 2023, opd_a)
    _fill(admin, "Dinas Kesehatan", 2023, opd_b)
    _fill(admin, "Bappeda", 2023, opd_c)
    _fill(admin, "Kecamatan Wlingi", 2023, kec_a)
    _fill(admin, "Kecamatan Talun", 2023, kec_b)
    _fill(admin, "Kecamatan Doko", 2023, [None] * 22)  # nothing answered: left out
    uc = comparison.compare_units(admin, 2023)
    m = uc.matrix
    assert list(m.index) == ["Pemerintah Kabupaten Blitar", "Bappeda", "Dinas Kesehatan",
                             "Dinas Komunikasi dan Informatika", "Kecamatan Talun", "Kecamatan Wlingi"]
    assert list(m.columns) == list(range(1, 23))
    assert m.loc["Pemerintah Kabupaten Blitar"].tolist() == [float(v) for v in BLITAR_2023]
    assert m.loc["Dinas Kesehatan", 12] == 2.0 and m.loc["Bappeda", 11] == 4.0
    assert math.isnan(m.loc["Kecamatan Talun", 21])
    assert len(uc.long) == 6 * 22
    kinds = {k.kind: k for k in uc.kinds}
    assert [k.kind for k in uc.kinds] == ["instansi", "opd", "kecamatan"]
    opd = kinds["opd"]
    assert (opd.units, opd.complete) == (3, 3)
    assert opd.question_means[1] == pytest.approx((4 + 3 + 4) / 3)
    assert opd.question_means[22] == pytest.approx((4 + 2 + 3) / 3)
    assert opd.mean == pytest.approx((4.0 + 2.5 + 3.5) / 3)
    kec = kinds["kecamatan"]
    assert (kec.units, kec.complete) == (2, 1)
    assert kec.question_means[1] == pytest.approx(2.5)
    assert kec.question_means[21] == pytest.approx(2.0)  # only Wlingi answered it
    assert kec.mean == pytest.approx((2.0 + 3.0) / 2)
    # aspect means per kind: OPD "Partisipasi" (q6, q14): A 4, B 3 (q6) & 2 (q14) = 2.5, C 4 & 3 = 3.5
    assert opd.aspect_means["partisipasi"] == pytest.approx((4 + 2.5 + 3.5) / 3)
    assert kinds["instansi"].mean == pytest.approx(80 / 22)
    # ranking only within a kind, complete only
    rank = [(r.kind, r.rank, r.of, r.unit_name, round2(r.mean), r.diff_from_kind) for r in uc.ranking]
    assert rank == [
        ("instansi", 1, 1, "Pemerintah Kabupaten Blitar", 3.64, 0.0),
        ("opd", 1, 3, "Dinas Komunikasi dan Informatika", 4.00, 0.67),
        ("opd", 2, 3, "Bappeda", 3.50, 0.17),
        ("opd", 3, 3, "Dinas Kesehatan", 2.50, -0.83),
        ("kecamatan", 1, 1, "Kecamatan Wlingi", 2.00, 0.0),
    ]
    # state filter
    assert [e.unit_name for e in comparison.compare_units(admin, 2022, states={"final"}).entries] == [
        "Pemerintah Kabupaten Blitar"]
    assert comparison.compare_units(admin, 2022, states={"draf"}).entries == []


def test_shared_ranks_and_pure_helpers():
    def u(name, scores, kind="opd"):
        return cmp.UnitScores(0, name, kind, 2023, "draf", dict(enumerate(scores, start=1)))
    rows = cmp.rank_within_kind([u("A", [4, 3]), u("B", [3, 4]), u("C", [2, 2]), u("D", [4, 4]),
                                 u("K", [1, 1], "kecamatan")])
    assert [(r.unit_name, r.rank) for r in rows] == [("D", 1), ("A", 2), ("B", 2), ("C", 4), ("K", 1)]
    assert cmp.status_of(0.0) == "tetap" and cmp.status_of(-0.5) == "menurun" and cmp.status_of(None) is None
    assert cmp.shown_diff(10 / 3, 32 / 9) == 0.23  # 3.56 - 3.33 as shown, not round(0.2222) = 0.22
