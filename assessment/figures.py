"""Tabel 2 (Informasi umum) per unit and year, entered by hand."""
from __future__ import annotations

from typing import Optional

from sqlmodel import Session, select

from scoring import figures as fig

from . import audit
from .db import read_only, transaction
from .errors import ConflictError, NotFound, ValidationError
from .models import GeneralFigures, Unit, utcnow
from .permissions import Actor, Perm, require


def list_figures(actor: Actor, unit_id: int) -> list[GeneralFigures]:
    require(actor, Perm.READ, unit_id=unit_id)
    with read_only() as s:
        return list(s.exec(select(GeneralFigures).where(GeneralFigures.unit_id == unit_id)
                           .order_by(GeneralFigures.year)).all())


def as_scoring(row: GeneralFigures) -> fig.GeneralFigures:
    return fig.GeneralFigures(row.year, row.received, row.resolved, row.unresolved, row.months)


def upsert_figures_in(s: Session, actor: Actor, unit_id: int, year: int, received: int, resolved: int,
                      unresolved: int, months: int = 12, note: Optional[str] = None,
                      base_version: Optional[int] = None, only_if_missing: bool = False) -> GeneralFigures:
    problems = fig.check(received, resolved, unresolved, months)
    if problems:
        raise ValidationError(f"Tabel 2 tahun {year}: " + " ".join(problems))
    if s.get(Unit, unit_id) is None:
        raise NotFound(f"Unit dengan id {unit_id} tidak ada.")
    row = s.exec(select(GeneralFigures).where(GeneralFigures.unit_id == unit_id, GeneralFigures.year == year)).first()
    if row is not None and only_if_missing:
        return row
    new = {"year": year, "received": received, "resolved": resolved, "unresolved": unresolved, "months": months,
           "note": (note or "").strip() or None}
    if row is None:
        row = GeneralFigures(unit_id=unit_id, updated_by=actor.username, **new)
        old = None
    else:
        if base_version is not None and base_version != row.version:
            raise ConflictError(
                f"Tabel 2 tahun {year} sudah diubah oleh {row.updated_by} sejak Anda membukanya. Muat ulang halaman."
            )
        old = {k: getattr(row, k) for k in new}
        if old == new:
            return row
        for k, v in new.items():
            setattr(row, k, v)
        row.version += 1
        row.updated_by = actor.username
        row.updated_at = utcnow()
    s.add(row)
    s.flush()
    audit.record(s, actor, "figures.save", "generalfigures", f"{unit_id}/{year}", old, new)
    return row


def save_figures(actor: Actor, unit_id: int, year: int, received: int, resolved: int, unresolved: int,
                 months: int = 12, note: Optional[str] = None, base_version: Optional[int] = None) -> int:
    from .assessments import check_year

    from datetime import date

    require(actor, Perm.FIGURES_EDIT, unit_id=unit_id)
    with transaction() as s:
        y = check_year(year, s)
        if y > date.today().year:
            raise ValidationError(f"Tahun {y} belum berjalan: angka Tabel 2 hanya untuk tahun yang sudah atau sedang berjalan.")
        row = upsert_figures_in(s, actor, unit_id, y, received, resolved, unresolved, months, note, base_version)
        return row.version
