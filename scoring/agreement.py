"""Agreement between the members of the Tim Asesor who scored the same assessment independently.

Pure functions over plain data: `ratings` maps an assessor to {question number: score 1-4 or None}.

Per question
- `spread`: highest minus lowest score given; a question is *flagged* when the spread is 2 or more
  (e.g. one member gave 2 and another 4): the team must talk about it before setting the consensus.
- exact agreement: the share of assessor pairs that gave exactly the same score (pairwise). With
  scores (3, 3, 4) there are 3 pairs and 1 of them agrees: 33.3 %.
- weighted agreement: 1 minus the mean pairwise disagreement weight (see below); 1.0 when all agree.

Overall
- exact agreement: agreeing pairs / all pairs, pooled over the questions (a pair counts for a
  question when both of its members answered it; with complete sets every question weighs the same).
- weighted kappa (Cohen): for two assessors over the questions both answered,
  kappa_w = 1 - D_o / D_e, where D_o = mean disagreement weight of the observed pairs of scores and
  D_e = the disagreement expected by chance from the two assessors' own score distributions
  (sum over i, j of p_A(i) * p_B(j) * w(i, j)). The categories are always the four points 1-4 of the
  scale, so k = 4.
  Weights: QUADRATIC by default, w(i, j) = (i - j)^2 / (k - 1)^2, i.e. a 1-point difference costs
  1/9 and a 3-point difference costs 1; LINEAR is available, w(i, j) = |i - j| / (k - 1).
  Quadratic is the usual choice for an ordinal scale and equals the intraclass correlation in large
  samples.
  With more than two assessors the team's kappa is the MEAN OF THE PAIRWISE weighted kappas (every
  pair of assessors counted once; pairs whose kappa is undefined are left out).
  Kappa is undefined (None) when D_e = 0, i.e. both assessors used a single, identical score for
  every question (chance agreement is then total): the exact agreement (100 %) tells that case.
  Kappa is not computed per question: one question is one item, and chance agreement cannot be
  estimated from a single item; per question the exact and the weighted agreement are given.

Worked example (tests/test_agreement.py checks it), quadratic weights, four questions:
    A = [1, 2, 3, 4],  B = [1, 3, 3, 4]
    observed pairs (1,1) (2,3) (3,3) (4,4): weights 0, 1/9, 0, 0 -> D_o = (1/9) / 4 = 1/36
    p_A = (1/4, 1/4, 1/4, 1/4) over scores 1..4;  p_B = (1/4, 0, 1/2, 1/4)
    D_e = sum_i sum_j p_A(i) p_B(j) (i-j)^2/9
        row i=1: 1/4 * (0 + 0 + (4/9)(1/2) + (9/9)(1/4)) = 1/4 * 17/36 = 17/144
        row i=2: 1/4 * ((1/9)(1/4) + 0 + (1/9)(1/2) + (4/9)(1/4)) = 1/4 * 7/36 = 7/144
        row i=3: 1/4 * ((4/9)(1/4) + 0 + 0 + (1/9)(1/4)) = 1/4 * 5/36 = 5/144
        row i=4: 1/4 * ((9/9)(1/4) + 0 + (1/9)(1/2) + 0) = 1/4 * 11/36 = 11/144
        D_e = 40/144 = 5/18
    kappa_w = 1 - (1/36) / (5/18) = 1 - 1/10 = 0.90
    (linear weights give D_o = 1/12, D_e = 5/12, kappa_w = 0.80)
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Mapping, Optional, Sequence

SCALE = (1, 2, 3, 4)
FLAG_SPREAD = 2
QUADRATIC = "quadratic"
LINEAR = "linear"

Ratings = Mapping[str, Mapping[int, Optional[int]]]


def weight(i: int, j: int, weights: str = QUADRATIC, k: int = len(SCALE)) -> float:
    """Disagreement weight between two scores: 0 when equal, 1 for the largest difference."""
    d = abs(i - j)
    if weights == QUADRATIC:
        return d * d / ((k - 1) ** 2)
    if weights == LINEAR:
        return d / (k - 1)
    raise ValueError(f"unknown weights {weights!r} (quadratic or linear)")


def spread(scores: Sequence[Optional[int]]) -> Optional[int]:
    vals = [v for v in scores if v is not None]
    return (max(vals) - min(vals)) if vals else None


def flagged(scores: Sequence[Optional[int]]) -> bool:
    s = spread(scores)
    return s is not None and s >= FLAG_SPREAD


def _pairs(scores: Sequence[Optional[int]]) -> list[tuple[int, int]]:
    vals = [v for v in scores if v is not None]
    return list(combinations(vals, 2))


def exact_agreement(scores: Sequence[Optional[int]]) -> Optional[float]:
    """Share (0-1) of assessor pairs with the same score for one question; None with < 2 scores."""
    pairs = _pairs(scores)
    if not pairs:
        return None
    return sum(1 for a, b in pairs if a == b) / len(pairs)


def weighted_agreement(scores: Sequence[Optional[int]], weights: str = QUADRATIC) -> Optional[float]:
    """1 - mean pairwise disagreement weight for one question; None with < 2 scores."""
    pairs = _pairs(scores)
    if not pairs:
        return None
    return 1.0 - sum(weight(a, b, weights) for a, b in pairs) / len(pairs)


def weighted_kappa(a: Mapping[int, Optional[int]], b: Mapping[int, Optional[int]],
                   weights: str = QUADRATIC) -> Optional[float]:
    """Cohen's weighted kappa of two assessors over the questions both answered (None if undefined)."""
    qs = sorted(q for q in a if a.get(q) is not None and b.get(q) is not None)
    n = len(qs)
    if n == 0:
        return None
    for q in qs:
        for v in (a[q], b[q]):
            if v not in SCALE:
                raise ValueError(f"score {v!r} of question {q} is outside 1-4")
    d_obs = sum(weight(a[q], b[q], weights) for q in qs) / n
    pa = {i: sum(1 for q in qs if a[q] == i) / n for i in SCALE}
    pb = {j: sum(1 for q in qs if b[q] == j) / n for j in SCALE}
    d_exp = sum(pa[i] * pb[j] * weight(i, j, weights) for i in SCALE for j in SCALE)
    if d_exp <= 1e-12:
        return None
    return 1.0 - d_obs / d_exp


@dataclass(frozen=True)
class QuestionAgreement:
    question_no: int
    scores: dict[str, Optional[int]]  # assessor -> score
    spread: Optional[int]
    flagged: bool
    exact: Optional[float]  # 0-1
    weighted: Optional[float]  # 0-1

    @property
    def unanimous(self) -> bool:
        vals = [v for v in self.scores.values() if v is not None]
        return len(vals) >= 2 and len(set(vals)) == 1

    @property
    def mean(self) -> Optional[float]:
        vals = [v for v in self.scores.values() if v is not None]
        return sum(vals) / len(vals) if vals else None


@dataclass(frozen=True)
class PairKappa:
    a: str
    b: str
    kappa: Optional[float]
    exact: Optional[float]
    questions: int


@dataclass(frozen=True)
class TeamAgreement:
    assessors: tuple[str, ...]
    weights: str
    questions: list[QuestionAgreement]
    pairs: list[PairKappa]
    exact: Optional[float]  # pooled over all pairs and questions, 0-1
    kappa: Optional[float]  # mean of the defined pairwise kappas
    flagged: tuple[int, ...]

    def question(self, q: int) -> QuestionAgreement:
        for row in self.questions:
            if row.question_no == q:
                return row
        raise KeyError(q)


def team_agreement(ratings: Ratings, questions: Sequence[int], weights: str = QUADRATIC) -> TeamAgreement:
    """Every figure of the comparison page for the assessors in `ratings` (normally: submitted ones)."""
    weight(1, 1, weights)  # refuses unknown weights early
    names = tuple(sorted(ratings))
    rows = []
    agree = total = 0
    for q in sorted(questions):
        scores = {n: ratings[n].get(q) for n in names}
        vals = list(scores.values())
        pairs = _pairs(vals)
        agree += sum(1 for x, y in pairs if x == y)
        total += len(pairs)
        rows.append(QuestionAgreement(q, scores, spread(vals), flagged(vals), exact_agreement(vals),
                                      weighted_agreement(vals, weights)))
    pk = []
    for x, y in combinations(names, 2):
        both = [q for q in questions if ratings[x].get(q) is not None and ratings[y].get(q) is not None]
        ex = (sum(1 for q in both if ratings[x][q] == ratings[y][q]) / len(both)) if both else None
        pk.append(PairKappa(x, y, weighted_kappa(ratings[x], ratings[y], weights), ex, len(both)))
    defined = [p.kappa for p in pk if p.kappa is not None]
    return TeamAgreement(
        assessors=names, weights=weights, questions=rows, pairs=pk,
        exact=(agree / total) if total else None,
        kappa=(sum(defined) / len(defined)) if defined else None,
        flagged=tuple(r.question_no for r in rows if r.flagged),
    )


def kappa_label(kappa: Optional[float]) -> str:
    """Landis & Koch (1977) reading of a kappa, in Bahasa Indonesia."""
    if kappa is None:
        return "tidak terdefinisi"
    if kappa < 0:
        return "buruk (di bawah kebetulan)"
    for limit, label in ((0.20, "sangat lemah"), (0.40, "lemah"), (0.60, "sedang"), (0.80, "kuat")):
        if kappa <= limit:
            return label
    return "hampir sempurna"
