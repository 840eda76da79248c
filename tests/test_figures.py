"""Tabel 2: the seed's figures and the printed (rounded-down) monthly average."""
from __future__ import annotations

import pytest

from assessment import figures, seed, units
from assessment.errors import PermissionDenied, ValidationError
from scoring.figures import GeneralFigures, check
from tests.conftest import actor_for


def test_seed_tabel2_values():
    f2020 = GeneralFigures(2020, 91, 91, 0)
    f2021 = GeneralFigures(2021, 74, 74, 0)
    assert (f2020.monthly_printed, round(f2020.monthly_exact, 2)) == (7, 7.58)
    assert (f2021.monthly_printed, round(f2021.monthly_exact, 2)) == (6, 6.17)
    assert f2020.resolved_pct == 100.0 and f2020.unresolved_pct == 0.0


def test_check_refuses_inconsistent_counts():
    assert check(10, 8, 3, 12) == [
        "Jumlah diselesaikan (8) ditambah tidak dapat diselesaikan (3) melebihi jumlah pengaduan (10)."]
    assert check(10, 5, 0, 13) == ["Jumlah bulan yang dicakup harus 1 sampai 12."]


def test_seeded_figures_and_save(seeded, admin):
    seed.load_demo()
    pemda = units.instansi_unit()
    rows = figures.list_figures(admin, pemda.id)
    assert [(r.year, r.received, r.resolved, r.unresolved) for r in rows][:2] == [(2020, 91, 91, 0), (2021, 74, 74, 0)]
    figures.save_figures(admin, pemda.id, 2022, 95, 90, 2, 12, "uji")
    with pytest.raises(ValidationError, match="melebihi jumlah pengaduan"):
        figures.save_figures(admin, pemda.id, 2022, 10, 9, 2)
    row = [r for r in figures.list_figures(admin, pemda.id) if r.year == 2022][0]
    assert (row.received, row.resolved, row.unresolved) == (95, 90, 2)
    with pytest.raises(PermissionDenied):
        figures.save_figures(actor_for("pimpinan"), pemda.id, 2022, 95, 95, 0)


def test_future_year_is_refused(seeded, admin):
    from datetime import date

    pemda = units.instansi_unit()
    with pytest.raises(ValidationError, match="belum berjalan"):
        figures.save_figures(admin, pemda.id, date.today().year + 1, 10, 10, 0)
    assert figures.list_figures(admin, pemda.id) == []
