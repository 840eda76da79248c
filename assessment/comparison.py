"""Comparisons across years and units, read through the assessments services and computed by
scoring/comparison.py (see there for the rules)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

import pandas as pd

from scoring import comparison as cmp

from . import assessments
from .assessments import AssessmentView
from .errors import NotFound, ValidationError
from .permissions import Actor, Perm, require


def aspect_means(view: AssessmentView) -> list[cmp.AspectMean]:
    res = assessments.compute(view)
    return [cmp.AspectMean(r.key, r.name, r.order, r.mean) for r in sorted(res.aspects, key=lambda r: r.order)]


def unit_years(actor: Actor, unit_id: int) -> list[assessments.AssessmentSummary]:
    """The unit's assessments, newest year first."""
    require(actor, Perm.READ, unit_id=unit_id)
    return [a for a in assessments.list_assessments(actor) if a.unit_id == unit_id]


def compare_years(actor: Actor, unit_id: int, year_old: int, year_new: int) -> cmp.YearComparison:
    if year_old == year_new:
        raise ValidationError("Pilih dua tahun yang berbeda untuk dibandingkan.")
    views = []
    for y in (year_old, year_new):
        aid = assessments.find(actor, unit_id, y)
        if aid is None:
            raise NotFound(f"Belum ada asesmen unit ini untuk tahun {y}.")
        views.append(assessments.get(actor, aid))
    old, new = views
    notes = []
    if old.instrument.number != new.instrument.number:
        notes.append(f"Tahun {old.year} dinilai dengan instrumen versi {old.instrument.number}, tahun {new.year} "
                     f"dengan versi {new.instrument.number}: rata-rata aspek memakai pemetaan masing-masing tahun.")
    for v in views:
        if v.missing:
            notes.append(f"Asesmen {v.year} belum lengkap ({v.answered}/{v.instrument.question_count} terisi).")
    res_old, res_new = assessments.compute(old), assessments.compute(new)
    return cmp.compare_years(
        new.unit_name, old.year, new.year, new.instrument.questions, old.scores, new.scores,
        aspect_means(old), aspect_means(new), res_old.categories, res_new.categories, notes)


@dataclass(frozen=True)
class UnitsComparison:
    year: int
    questions: list[int]
    texts: dict[int, str]
    aspect_names: dict[str, str]
    entries: list[cmp.UnitScores]

    @property
    def matrix(self) -> pd.DataFrame:
        return cmp.unit_matrix(self.entries, self.questions)

    @property
    def long(self) -> pd.DataFrame:
        return cmp.long_frame(self.entries, self.questions)

    @property
    def kinds(self) -> list[cmp.KindAverage]:
        return cmp.kind_averages(self.entries, self.questions)

    @property
    def ranking(self) -> list[cmp.RankRow]:
        return cmp.rank_within_kind(self.entries)


def compare_units(actor: Actor, year: int, states: Optional[Iterable[str]] = None) -> UnitsComparison:
    """Every assessment of `year` the actor may read (an operator_opd sees only its own unit)."""
    wanted = set(states) if states else None
    entries = []
    texts: dict[int, str] = {}
    names: dict[str, str] = {}
    for summary in assessments.list_assessments(actor, year):
        if wanted is not None and summary.state not in wanted:
            continue
        if summary.answered == 0:
            continue
        view = assessments.get(actor, summary.id)
        texts = texts or dict(view.instrument.questions)
        for a in view.instrument.aspects:
            names.setdefault(a.key, a.name)
        entries.append(cmp.UnitScores(view.unit_id, view.unit_name, view.unit_kind, view.year, view.state,
                                      dict(view.scores), tuple(aspect_means(view))))
    if not texts:
        from . import instrument

        texts = dict(instrument.current().questions)
    return UnitsComparison(year, sorted(texts), texts, names, entries)
