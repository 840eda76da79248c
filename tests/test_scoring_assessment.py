"""Scoring of the self-assessment: exact values on the seed's Blitar 2022 case, and properties."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from assessment import instrument
from scoring.assessment import PriorityChoice, categorize, check_final_priorities, round2, score_assessment

BLITAR_2022 = [4, 3, 4, 4, 4, 4, 3, 4, 3, 4, 4, 2, 3, 4, 3, 4, 4, 4, 3, 4, 2, 4]
INST = instrument.from_content(1, instrument.read_files())
QUESTIONS = sorted(INST.questions)


def _score(scores, choices=None):
    return score_assessment(scores, QUESTIONS, INST.mapping, INST.aspects, INST.categories, choices)


def test_blitar_2022_means_and_priorities_match_the_seed():
    res = _score(dict(zip(QUESTIONS, BLITAR_2022)))
    by_name = {r.name: r for r in res.aspects}
    assert [round2(r.mean) for r in res.aspects] == [3.50, 3.56, 3.40, 4.00, 3.67]
    assert [r.suggested_priority for r in res.aspects] == [2, 3, 1, 5, 4]
    assert by_name["Kelembagaan & Kebijakan"].questions == (4, 5, 11, 12, 13, 16)
    assert by_name["Kelembagaan & Kebijakan"].weak == 1  # question 12 scored 2
    assert by_name["Pemanfaatan Data & Optimalisasi Aplikasi"].weak == 1  # question 21 scored 2
    assert by_name["Sumber Daya Manusia"].mean == 32 / 9
    assert res.complete and res.answered == 22
    assert res.categories[12] == "perlu_perbaikan" and res.categories[2] == "cukup" and res.categories[1] == "baik"


def test_ties_go_to_more_weak_questions_then_list_order():
    scores = {q: 3 for q in QUESTIONS}
    res = _score(scores)
    # every mean 3.00, no weak question: the list order decides
    assert [r.suggested_priority for r in res.aspects] == [1, 2, 3, 4, 5]
    # Partisipasi (questions 6, 14) gets one weak and one strong answer: mean stays 3.00, one weak
    scores.update({6: 2, 14: 4})
    res = _score(scores)
    assert round2(res.aspects[3].mean) == 3.00
    assert [r.suggested_priority for r in res.aspects] == [2, 3, 4, 1, 5]


def test_unanswered_aspects_come_last_and_partial_results_are_marked_incomplete():
    scores = {q: None for q in QUESTIONS}
    scores.update({6: 4, 14: 4})  # only Partisipasi answered
    res = _score(scores)
    assert res.answered == 2 and not res.complete
    assert res.aspects[3].suggested_priority == 1
    assert [r.mean for r in res.aspects if r.key != "partisipasi"] == [None] * 4


def test_final_priority_needs_a_reason_and_a_permutation():
    suggested = {"a": 1, "b": 2}
    names = {"a": "A", "b": "B"}
    assert check_final_priorities(suggested, {"a": PriorityChoice(2, None)}, names) == [
        "Prioritas akhir A (2) berbeda dari usulan (1): alasan wajib diisi.",
        "Prioritas 2 dipakai oleh lebih dari satu aspek: A, B.",
    ]
    ok = {"a": PriorityChoice(2, "karena"), "b": PriorityChoice(1, "sebaliknya")}
    assert check_final_priorities(suggested, ok, names) == []


def test_categorize_uses_the_thresholds():
    assert [categorize(v, INST.categories) for v in (1, 2, 3, 4, None)] == [
        "perlu_perbaikan", "perlu_perbaikan", "cukup", "baik", None]


scores_strategy = st.lists(st.integers(min_value=1, max_value=4), min_size=22, max_size=22)


@settings(max_examples=200, deadline=None)
@given(scores_strategy)
def test_priorities_are_always_a_permutation(values):
    res = _score(dict(zip(QUESTIONS, values)))
    assert sorted(r.suggested_priority for r in res.aspects) == [1, 2, 3, 4, 5]


@settings(max_examples=200, deadline=None)
@given(scores_strategy, st.integers(min_value=0, max_value=21))
def test_raising_a_score_never_lowers_an_aspect_mean(values, idx):
    if values[idx] == 4:
        return
    before = _score(dict(zip(QUESTIONS, values)))
    raised = list(values)
    raised[idx] += 1
    after = _score(dict(zip(QUESTIONS, raised)))
    for b, a in zip(before.aspects, after.aspects):
        assert a.mean >= b.mean


SINGLE_ASPECT = [q for q in QUESTIONS if len(INST.mapping[q]) == 1]


@settings(max_examples=300, deadline=None)
@given(scores_strategy, st.sampled_from(SINGLE_ASPECT))
def test_raising_a_single_aspect_question_never_makes_that_aspect_more_urgent(values, q):
    i = QUESTIONS.index(q)
    if values[i] == 4:
        return
    key = INST.mapping[q][0]
    before = {r.key: r.suggested_priority for r in _score(dict(zip(QUESTIONS, values))).aspects}
    raised = list(values)
    raised[i] += 1
    after = {r.key: r.suggested_priority for r in _score(dict(zip(QUESTIONS, raised))).aspects}
    assert after[key] >= before[key]
