"""Agreement figures of the Tim Asesor, against hand-computed values (see scoring/agreement.py)."""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import agreement as ag

A = {1: 1, 2: 2, 3: 3, 4: 4}
B = {1: 1, 2: 3, 3: 3, 4: 4}


def test_worked_example_quadratic():
    # Step by step (also in the module docstring):
    #   pairs (1,1) (2,3) (3,3) (4,4): quadratic weights 0, 1/9, 0, 0 -> D_o = 1/36
    #   p_A = 1/4 each; p_B = (1/4, 0, 1/2, 1/4)
    #   D_e = 1/4 * (17/36 + 7/36 + 5/36 + 11/36) = 40/144 = 5/18
    #   kappa = 1 - (1/36) / (5/18) = 1 - 18/180 = 9/10
    d_o = Fraction(1, 9) / 4
    d_e = Fraction(40, 144)
    assert d_e == Fraction(5, 18)
    assert 1 - d_o / d_e == Fraction(9, 10)
    assert ag.weighted_kappa(A, B) == pytest.approx(0.9, abs=1e-12)


def test_worked_example_linear():
    # linear weights |i-j|/3: D_o = (1/3)/4 = 1/12;
    # D_e = 1/4 * (7/12 + 5/12 + 3/12 + 5/12) = 20/48 = 5/12; kappa = 1 - (1/12)/(5/12) = 4/5
    assert ag.weighted_kappa(A, B, ag.LINEAR) == pytest.approx(0.8, abs=1e-12)


def test_weights():
    assert ag.weight(1, 1) == 0
    assert ag.weight(2, 3) == pytest.approx(1 / 9)
    assert ag.weight(1, 3) == pytest.approx(4 / 9)
    assert ag.weight(1, 4) == 1
    assert ag.weight(1, 3, ag.LINEAR) == pytest.approx(2 / 3)
    with pytest.raises(ValueError):
        ag.weight(1, 2, "cubic")


def test_per_question_figures():
    assert ag.spread([3, 3, 4]) == 1
    assert ag.flagged([3, 3, 4]) is False
    assert ag.spread([2, 4, 3]) == 2
    assert ag.flagged([2, 4, 3]) is True
    assert ag.flagged([1, 4]) is True
    assert ag.spread([None, None]) is None
    # (3,3,4): 3 pairs, 1 agrees
    assert ag.exact_agreement([3, 3, 4]) == pytest.approx(1 / 3)
    assert ag.exact_agreement([4, 4]) == 1.0
    assert ag.exact_agreement([2, 4]) == 0.0
    assert ag.exact_agreement([4]) is None
    assert ag.exact_agreement([4, None]) is None
    # (3,3,4) quadratic: weights 0, 1/9, 1/9 -> mean 2/27 -> 25/27
    assert ag.weighted_agreement([3, 3, 4]) == pytest.approx(25 / 27)
    # (1,4): the whole scale apart -> 0
    assert ag.weighted_agreement([1, 4]) == 0.0
    assert ag.weighted_agreement([1, 4], ag.LINEAR) == 0.0
    assert ag.weighted_agreement([2, 3], ag.LINEAR) == pytest.approx(2 / 3)


def test_three_assessors_mean_of_pairwise_kappas():
    C = dict(A)
    team = ag.team_agreement({"budi": A, "ani": B, "citra": C}, [1, 2, 3, 4])
    assert team.assessors == ("ani", "budi", "citra")
    kappas = {(p.a, p.b): p.kappa for p in team.pairs}
    assert kappas[("ani", "budi")] == pytest.approx(0.9)
    assert kappas[("ani", "citra")] == pytest.approx(0.9)
    assert kappas[("budi", "citra")] == pytest.approx(1.0)
    assert team.kappa == pytest.approx((0.9 + 0.9 + 1.0) / 3)  # 0.9333...
    # questions: (1,1,1) 3/3, (3,2,2) 1/3, (3,3,3) 3/3, (4,4,4) 3/3 -> 10 of 12 pairs agree
    assert team.exact == pytest.approx(10 / 12)
    assert team.question(2).exact == pytest.approx(1 / 3)
    assert team.question(2).spread == 1
    assert team.question(2).scores == {"ani": 3, "budi": 2, "citra": 2}
    assert team.flagged == ()
    pair = next(p for p in team.pairs if (p.a, p.b) == ("ani", "budi"))
    assert pair.exact == pytest.approx(3 / 4)
    assert pair.questions == 4


def test_flags_in_team():
    team = ag.team_agreement({"x": {1: 2, 2: 4}, "y": {1: 4, 2: 4}}, [1, 2])
    assert team.flagged == (1,)
    assert team.question(1).flagged and not team.question(2).flagged
    assert team.question(2).unanimous and not team.question(1).unanimous
    assert team.question(1).mean == 3.0
    assert team.exact == pytest.approx(0.5)


def test_undefined_and_negative_kappa():
    all4 = {q: 4 for q in range(1, 23)}
    assert ag.weighted_kappa(all4, dict(all4)) is None  # D_e = 0
    team = ag.team_agreement({"x": all4, "y": dict(all4)}, list(range(1, 23)))
    assert team.kappa is None and team.exact == 1.0
    # complete disagreement: D_o = 1, D_e = 1/2 -> kappa = -1
    assert ag.weighted_kappa({1: 1, 2: 4}, {1: 4, 2: 1}) == pytest.approx(-1.0)
    assert ag.weighted_kappa({}, {}) is None


def test_only_questions_both_answered_count():
    a = {1: 1, 2: 2, 3: 3, 4: 4, 5: None}
    b = {1: 1, 2: 3, 3: 3, 4: 4, 5: 2}
    assert ag.weighted_kappa(a, b) == pytest.approx(0.9)


def test_blitar_like_pair():
    # Blitar 2022 against a second member who differs on questions 12 (2 -> 3) and 21 (2 -> 4).
    blitar = dict(zip(range(1, 23), [4, 3, 4, 4, 4, 4, 3, 4, 3, 4, 4, 2, 3, 4, 3, 4, 4, 4, 3, 4, 2, 4]))
    other = {**blitar, 12: 3, 21: 4}
    team = ag.team_agreement({"a": blitar, "b": other}, list(range(1, 23)))
    assert team.exact == pytest.approx(20 / 22)
    assert team.flagged == (21,)
    # By hand: D_o = (1/9 + 4/9) / 22 = 5/198.
    # p_a: 1:0, 2:2/22, 3:6/22, 4:14/22 ; p_b: 2:0, 3:7/22, 4:15/22
    # D_e = sum p_a(i) p_b(j) (i-j)^2/9
    #     = [2*7*1 + 2*15*4 + 6*15*1 + 14*7*1] / (22*22*9) = (14 + 120 + 90 + 98) / 4356 = 322/4356
    # kappa = 1 - (5/198) / (322/4356) = 1 - (5*22)/322 = 1 - 110/322 = 212/322
    assert team.kappa == pytest.approx(212 / 322)


def _reference_kappa(a, b, weights):
    """Textbook matrix form, independent of the module: 1 - sum(W*O) / sum(W*E)."""
    k = 4
    o = np.zeros((k, k))
    for x, y in zip(a, b):
        o[x - 1, y - 1] += 1
    e = np.outer(o.sum(axis=1), o.sum(axis=0)) / o.sum()
    idx = np.arange(k)
    diff = np.abs(idx[:, None] - idx[None, :])
    w = (diff ** 2) / (k - 1) ** 2 if weights == ag.QUADRATIC else diff / (k - 1)
    den = (w * e).sum()
    return None if den == 0 else 1 - (w * o).sum() / den


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 4), st.integers(1, 4)), min_size=1, max_size=22),
       st.sampled_from([ag.QUADRATIC, ag.LINEAR]))
def test_matches_matrix_form(pairs, weights):
    a = {i: x for i, (x, _) in enumerate(pairs)}
    b = {i: y for i, (_, y) in enumerate(pairs)}
    ref = _reference_kappa([x for x, _ in pairs], [y for _, y in pairs], weights)
    got = ag.weighted_kappa(a, b, weights)
    if ref is None:
        assert got is None
    else:
        assert got == pytest.approx(ref, abs=1e-9)
        assert ag.weighted_kappa(b, a, weights) == pytest.approx(got, abs=1e-9)  # symmetric


def test_kappa_label():
    assert ag.kappa_label(None) == "tidak terdefinisi"
    assert ag.kappa_label(-0.1) == "buruk (di bawah kebetulan)"
    assert ag.kappa_label(0.15) == "sangat lemah"
    assert ag.kappa_label(0.5) == "sedang"
    assert ag.kappa_label(0.9) == "hampir sempurna"
