"""Test helper: the seed's Blitar 2022 assessment and Tabel 2 figures, as `seed-demo` loads them, without
the (slower) LAPOR! demo data."""
from __future__ import annotations


def load_blitar_2022() -> None:
    from assessment import assessments
    from assessment.db import transaction
    from assessment.permissions import SYSTEM

    with transaction() as s:
        assessments.load_seed_assessment(s, SYSTEM)
