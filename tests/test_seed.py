"""Seed loaders: idempotent, and only for an admin (start-up and manage.py act as SYSTEM)."""
from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import select

from assessment import db as dbmod, seed
from assessment.errors import PermissionDenied
from assessment.models import AuditLog, Unit
from tests.conftest import actor_for


def _counts():
    with dbmod.read_only() as s:
        return (s.exec(select(func.count()).select_from(Unit)).one(),
                s.exec(select(func.count()).select_from(AuditLog)).one())


@pytest.mark.parametrize("role", ["tim_asesor", "verifikator", "pimpinan", "operator_opd"])
def test_only_an_admin_loads_seed_data(seeded, role):
    before = _counts()
    actor = actor_for(role, unit_id=1 if role == "operator_opd" else None)
    with pytest.raises(PermissionDenied):
        seed.load_base(actor)
    with pytest.raises(PermissionDenied):
        seed.load_demo(actor)
    assert _counts() == before


def test_base_load_is_idempotent(seeded):
    before = _counts()
    seed.load_base()
    assert _counts() == before
