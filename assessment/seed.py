"""Loading what the portal needs on first start (base) and the demo data (seed-demo).

Both are idempotent: running them again changes nothing. Each area of the portal registers its own
loader in BASE_LOADERS or DEMO_LOADERS; each loader takes (session, actor) and runs inside the
single transaction opened here.
"""
from __future__ import annotations

from typing import Callable

from sqlmodel import Session

from . import instrument, units
from .db import transaction
from .permissions import SYSTEM, Actor, Perm, require

Loader = Callable[[Session, Actor], object]


def _base_core(s: Session, actor: Actor) -> None:
    instrument.ensure_loaded(s, actor)
    units.load_registry(s, actor)


def _demo_core(s: Session, actor: Actor) -> None:
    from . import assessments

    assessments.load_seed_assessment(s, actor)


def _base_loaders() -> list[Loader]:
    loaders: list[Loader] = [_base_core]
    # Areas add their loaders here (catalogues, status maps, targets...).
    from . import renaksi

    loaders.append(renaksi.load_catalogue)
    from . import complaints

    loaders.append(complaints.load_base)
    return loaders


def _demo_loaders() -> list[Loader]:
    from . import complaints

    loaders: list[Loader] = [_demo_core, complaints.load_demo]
    return loaders


def load_base(actor: Actor = SYSTEM) -> None:
    # Start-up and manage.py call this as SYSTEM; anyone else needs the admin's rights.
    require(actor, Perm.SETTINGS_EDIT)
    with transaction() as s:
        for loader in _base_loaders():
            loader(s, actor)


def load_demo(actor: Actor = SYSTEM) -> bool:
    """Load the demo data; True when anything was written (every loader writes an audit row)."""
    from sqlalchemy import func
    from sqlmodel import select

    from .models import AuditLog

    require(actor, Perm.SETTINGS_EDIT)

    def audit_rows() -> int:
        with transaction() as s:
            return s.exec(select(func.count()).select_from(AuditLog)).one()

    before = audit_rows()
    load_base(actor)
    with transaction() as s:
        for loader in _demo_loaders():
            loader(s, actor)
    return audit_rows() != before
