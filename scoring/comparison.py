"""Comparisons of self-assessments: two years of one unit, and units side by side. Pure functions.

Two years (`compare_years`)
- per question: the change is new score - old score; status "membaik" (> 0), "menurun" (< 0),
  "tetap" (0), None when either year has no score;
- per aspect: each year's mean comes from that year's own result (its own instrument version and
  mapping). The change shown is the difference of the two means AS SHOWN (each rounded to two
  decimals, half up), so the table always reads old + change = new; the status follows the exact
  difference (with at most ten questions per aspect, two different means differ by more than 0.01,
  so rounding never turns a change into "tetap");
- sorting "by improvement": largest change first, rows without a change last, then question order.

Units side by side (`unit_matrix`, `kind_averages`, `rank_within_kind`)
- the matrix holds the 22 scores of every unit that has an assessment that year (blank where not
  answered);
- a unit's overall mean is the mean of its answered scores;
- per unit kind (instansi / OPD / kecamatan): the mean score per question over the units of that kind
  that answered it, the mean of the units' overall means, and the mean of each aspect;
- ranking only within a kind (OPD with OPD, kecamatan with kecamatan), only complete assessments,
  highest overall mean first; equal means (as shown, two decimals) share a rank ("1, 2, 2, 4").
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

import pandas as pd

from .assessment import round2

IMPROVED, DECLINED, SAME = "membaik", "menurun", "tetap"
STATUS_LABELS = {IMPROVED: "Membaik", DECLINED: "Menurun", SAME: "Tetap"}
KIND_ORDER = {"instansi": 0, "opd": 1, "kecamatan": 2}


def status_of(diff: Optional[float]) -> Optional[str]:
    if diff is None:
        return None
    if abs(diff) < 1e-9:
        return SAME
    return IMPROVED if diff > 0 else DECLINED


def _mean(vals: Sequence[Optional[float]]) -> Optional[float]:
    v = [x for x in vals if x is not None]
    return sum(v) / len(v) if v else None


def shown_diff(old: Optional[float], new: Optional[float]) -> Optional[float]:
    """Difference of two means as shown (rounded to 2 decimals first)."""
    if old is None or new is None:
        return None
    return round2(round2(new) - round2(old))


@dataclass(frozen=True)
class QuestionChange:
    question_no: int
    text: str
    old: Optional[int]
    new: Optional[int]
    old_category: Optional[str] = None
    new_category: Optional[str] = None

    @property
    def change(self) -> Optional[int]:
        return None if self.old is None or self.new is None else self.new - self.old

    @property
    def status(self) -> Optional[str]:
        return status_of(self.change)


@dataclass(frozen=True)
class AspectChange:
    key: str
    name: str
    order: int
    old_mean: Optional[float]
    new_mean: Optional[float]

    @property
    def change(self) -> Optional[float]:
        return shown_diff(self.old_mean, self.new_mean)

    @property
    def status(self) -> Optional[str]:
        if self.old_mean is None or self.new_mean is None:
            return None
        return status_of(self.new_mean - self.old_mean)


@dataclass(frozen=True)
class AspectMean:
    key: str
    name: str
    order: int
    mean: Optional[float]


@dataclass(frozen=True)
class YearComparison:
    unit_name: str
    year_old: int
    year_new: int
    questions: list[QuestionChange]
    aspects: list[AspectChange]
    mean_old: Optional[float]
    mean_new: Optional[float]
    notes: tuple[str, ...] = ()

    @property
    def mean_change(self) -> Optional[float]:
        return shown_diff(self.mean_old, self.mean_new)

    def count(self, status: str) -> int:
        return sum(1 for q in self.questions if q.status == status)


def compare_years(unit_name: str, year_old: int, year_new: int, texts: Mapping[int, str],
                  scores_old: Mapping[int, Optional[int]], scores_new: Mapping[int, Optional[int]],
                  aspects_old: Sequence[AspectMean], aspects_new: Sequence[AspectMean],
                  categories_old: Mapping[int, Optional[str]] | None = None,
                  categories_new: Mapping[int, Optional[str]] | None = None,
                  notes: Sequence[str] = ()) -> YearComparison:
    qs = sorted(set(scores_old) | set(scores_new) | set(texts))
    questions = [QuestionChange(q, texts.get(q, ""), scores_old.get(q), scores_new.get(q),
                                (categories_old or {}).get(q), (categories_new or {}).get(q)) for q in qs]
    old_by = {a.key: a for a in aspects_old}
    new_by = {a.key: a for a in aspects_new}
    keys = sorted(set(old_by) | set(new_by), key=lambda k: ((new_by.get(k) or old_by[k]).order, k))
    aspects = [AspectChange(k, (new_by.get(k) or old_by[k]).name, (new_by.get(k) or old_by[k]).order,
                            old_by[k].mean if k in old_by else None, new_by[k].mean if k in new_by else None)
               for k in keys]
    return YearComparison(unit_name, year_old, year_new, questions, aspects,
                          _mean(list(scores_old.values())), _mean(list(scores_new.values())), tuple(notes))


def by_improvement(rows: Sequence, key: str = "change") -> list:
    """Largest improvement first; rows without a change last; ties in their original order."""
    indexed = list(enumerate(rows))
    indexed.sort(key=lambda p: (getattr(p[1], key) is None, -(getattr(p[1], key) or 0), p[0]))
    return [r for _i, r in indexed]


# --- units side by side --------------------------------------------------------------------------

@dataclass(frozen=True)
class UnitScores:
    unit_id: int
    unit_name: str
    kind: str
    year: int
    state: str
    scores: dict[int, Optional[int]]
    aspects: tuple[AspectMean, ...] = field(default_factory=tuple)

    @property
    def answered(self) -> int:
        return sum(1 for v in self.scores.values() if v is not None)

    @property
    def complete(self) -> bool:
        return bool(self.scores) and self.answered == len(self.scores)

    @property
    def mean(self) -> Optional[float]:
        return _mean(list(self.scores.values()))


def _ordered(entries: Sequence[UnitScores]) -> list[UnitScores]:
    return sorted(entries, key=lambda e: (KIND_ORDER.get(e.kind, 9), e.unit_name))


def unit_matrix(entries: Sequence[UnitScores], questions: Sequence[int]) -> pd.DataFrame:
    """Units (rows, by kind then name) x questions (columns); float with NaN where not answered."""
    rows = _ordered(entries)
    data = [[e.scores.get(q) for q in questions] for e in rows]
    df = pd.DataFrame(data, index=[e.unit_name for e in rows], columns=list(questions), dtype="float64")
    df.index.name = "unit"
    return df


def long_frame(entries: Sequence[UnitScores], questions: Sequence[int]) -> pd.DataFrame:
    """One row per unit and question (for the heat map)."""
    rows = []
    for e in _ordered(entries):
        for q in questions:
            rows.append({"unit": e.unit_name, "kind": e.kind, "question": q, "score": e.scores.get(q)})
    return pd.DataFrame(rows, columns=["unit", "kind", "question", "score"])


@dataclass(frozen=True)
class KindAverage:
    kind: str
    units: int
    complete: int
    question_means: dict[int, Optional[float]]
    aspect_means: dict[str, Optional[float]]
    mean: Optional[float]  # mean of the units' overall means


def kind_averages(entries: Sequence[UnitScores], questions: Sequence[int]) -> list[KindAverage]:
    out = []
    kinds = sorted({e.kind for e in entries}, key=lambda k: (KIND_ORDER.get(k, 9), k))
    for kind in kinds:
        group = [e for e in entries if e.kind == kind]
        keys = []
        for e in group:
            for a in e.aspects:
                if a.key not in keys:
                    keys.append(a.key)
        out.append(KindAverage(
            kind=kind, units=len(group), complete=sum(1 for e in group if e.complete),
            question_means={q: _mean([e.scores.get(q) for e in group]) for q in questions},
            aspect_means={k: _mean([a.mean for e in group for a in e.aspects if a.key == k]) for k in keys},
            mean=_mean([e.mean for e in group]),
        ))
    return out


@dataclass(frozen=True)
class RankRow:
    kind: str
    rank: int
    of: int
    unit_name: str
    mean: float
    kind_mean: float

    @property
    def diff_from_kind(self) -> float:
        return shown_diff(self.kind_mean, self.mean)


def rank_within_kind(entries: Sequence[UnitScores]) -> list[RankRow]:
    """Per kind, complete assessments only, highest mean first; equal shown means share a rank."""
    out = []
    kinds = sorted({e.kind for e in entries}, key=lambda k: (KIND_ORDER.get(k, 9), k))
    for kind in kinds:
        group = [e for e in entries if e.kind == kind and e.complete]
        if not group:
            continue
        kind_mean = _mean([e.mean for e in group])
        group.sort(key=lambda e: (-round2(e.mean), e.unit_name))
        prev, rank = None, 0
        for i, e in enumerate(group, start=1):
            shown = round2(e.mean)
            if shown != prev:
                rank, prev = i, shown
            out.append(RankRow(kind, rank, len(group), e.unit_name, e.mean, kind_mean))
    return out
