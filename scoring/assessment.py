"""Scoring of the self-assessment (Tabel 3 -> Tabel 4 -> Tabel 5). Pure functions over plain data.

The rules (shared/domain/instrument.md):
- a question's category comes from its score and the category thresholds (1-2 perlu perbaikan, 3
  cukup, 4 baik by default); categories flagged `weak` count as weak questions;
- an aspect's score is the mean of the scores of its questions (a question may count for several
  aspects);
- the suggested priority is 1 for the lowest mean up to N for the highest; ties go to the aspect
  with more weak questions, then to the aspect listed first. Aspects with no answered question yet
  come last, in list order;
- a final priority that differs from the suggestion needs a reason.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence


@dataclass(frozen=True)
class AspectDef:
    key: str
    name: str
    order: int
    kp: Optional[str] = None


@dataclass(frozen=True)
class Category:
    key: str
    label: str
    min_score: int
    max_score: int
    weak: bool = False


@dataclass(frozen=True)
class AspectResult:
    key: str
    name: str
    order: int
    questions: tuple[int, ...]
    answered: int
    mean: Optional[float]
    weak: int
    suggested_priority: int
    final_priority: Optional[int] = None
    reason: Optional[str] = None

    @property
    def priority(self) -> int:
        """The priority in force: the final one where the team set it, else the suggestion."""
        return self.final_priority if self.final_priority is not None else self.suggested_priority


@dataclass(frozen=True)
class PriorityChoice:
    """The team's decision for one aspect (Tabel 5)."""

    final_priority: Optional[int] = None
    reason: Optional[str] = None
    decided_by: Optional[str] = None
    decided_at: Optional[str] = None


@dataclass(frozen=True)
class Result:
    aspects: list[AspectResult]
    categories: dict[int, Optional[str]]
    answered: int
    total: int
    problems: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.answered == self.total


def categorize(score: Optional[int], categories: Sequence[Category]) -> Optional[str]:
    if score is None:
        return None
    for c in categories:
        if c.min_score <= score <= c.max_score:
            return c.key
    raise ValueError(f"no category covers score {score}")


def is_weak(score: Optional[int], categories: Sequence[Category]) -> bool:
    key = categorize(score, categories)
    return any(c.key == key and c.weak for c in categories)


def aspect_means(
    scores: Mapping[int, Optional[int]],
    mapping: Mapping[int, Sequence[str]],
    aspects: Sequence[AspectDef],
    categories: Sequence[Category],
) -> list[tuple[AspectDef, tuple[int, ...], int, Optional[float], int]]:
    """Per aspect: (definition, its questions, answered count, mean or None, weak count)."""
    out = []
    for a in aspects:
        qs = tuple(sorted(q for q, keys in mapping.items() if a.key in keys))
        vals = [scores[q] for q in qs if scores.get(q) is not None]
        mean = (sum(vals) / len(vals)) if vals else None
        weak = sum(1 for v in vals if is_weak(v, categories))
        out.append((a, qs, len(vals), mean, weak))
    return out


def suggest_priorities(rows: Sequence[tuple[AspectDef, Optional[float], int]]) -> dict[str, int]:
    """Priority 1 = most urgent: lowest mean, then more weak questions, then list order."""

    def key(row: tuple[AspectDef, Optional[float], int]):
        a, mean, weak = row
        return (mean is None, mean if mean is not None else 0.0, -weak, a.order)

    ordered = sorted(rows, key=key)
    return {a.key: i + 1 for i, (a, _m, _w) in enumerate(ordered)}


def check_final_priorities(
    suggested: Mapping[str, int], choices: Mapping[str, PriorityChoice], names: Mapping[str, str]
) -> list[str]:
    """Faults of the team's final priorities (Indonesian), empty when they are acceptable.

    The priorities in force must be a permutation of 1..N, and a final priority that differs from
    the suggestion needs a reason.
    """
    problems = []
    n = len(suggested)
    in_force = {}
    for k, s in suggested.items():
        c = choices.get(k)
        p = c.final_priority if c and c.final_priority is not None else s
        in_force[k] = p
        if c and c.final_priority is not None:
            if not 1 <= c.final_priority <= n:
                problems.append(f"Prioritas {names[k]} harus antara 1 dan {n}.")
            elif c.final_priority != s and not (c.reason or "").strip():
                problems.append(
                    f"Prioritas akhir {names[k]} ({c.final_priority}) berbeda dari usulan ({s}): alasan wajib diisi."
                )
    by_p: dict[int, list[str]] = {}
    for k, p in in_force.items():
        by_p.setdefault(p, []).append(names[k])
    for p, ks in sorted(by_p.items()):
        if len(ks) > 1:
            problems.append(f"Prioritas {p} dipakai oleh lebih dari satu aspek: {', '.join(ks)}.")
    return problems


def score_assessment(
    scores: Mapping[int, Optional[int]],
    questions: Sequence[int],
    mapping: Mapping[int, Sequence[str]],
    aspects: Sequence[AspectDef],
    categories: Sequence[Category],
    choices: Mapping[str, PriorityChoice] | None = None,
) -> Result:
    """The whole result of one assessment: categories per question, the aspect table, priorities."""
    for q, v in scores.items():
        if v is not None and not 1 <= v <= 4:
            raise ValueError(f"score of question {q} is {v}, outside 1-4")
    choices = choices or {}
    rows = aspect_means(scores, mapping, aspects, categories)
    suggested = suggest_priorities([(a, mean, weak) for a, _qs, _n, mean, weak in rows])
    names = {a.key: a.name for a in aspects}
    results = []
    for a, qs, n, mean, weak in rows:
        c = choices.get(a.key)
        results.append(
            AspectResult(
                key=a.key, name=a.name, order=a.order, questions=qs, answered=n, mean=mean, weak=weak,
                suggested_priority=suggested[a.key],
                final_priority=c.final_priority if c else None,
                reason=c.reason if c else None,
            )
        )
    answered = sum(1 for q in questions if scores.get(q) is not None)
    return Result(
        aspects=results,
        categories={q: categorize(scores.get(q), categories) for q in questions},
        answered=answered,
        total=len(questions),
        problems=check_final_priorities(suggested, choices, names),
    )


def round2(x: Optional[float]) -> Optional[float]:
    """Two decimals, half away from zero (3.555... -> 3.56), as the seed prints means."""
    if x is None:
        return None
    from decimal import ROUND_HALF_UP, Decimal

    return float(Decimal(repr(x)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
