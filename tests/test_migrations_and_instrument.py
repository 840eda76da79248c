"""Migrations build the schema the models describe; broken instrument files stop start-up."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import assessment.models  # noqa: F401
from assessment import db, instrument, migrate
from assessment.config import DATA_DIR
from assessment.datafiles import DataFileError


def test_migrations_from_empty_match_the_models(db):  # noqa: F811 - the fixture
    assert migrate.is_current()
    from assessment.db import get_engine

    with get_engine().connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_migrate_is_idempotent(db):  # noqa: F811
    migrate.upgrade()
    migrate.upgrade()
    assert migrate.is_current()


def _broken_copy(tmp_path: Path, name: str, old: str, new: str) -> Path:
    base = tmp_path / "data"
    shutil.copytree(DATA_DIR / "instrument", base / "instrument")
    p = base / "instrument" / name
    text = p.read_text(encoding="utf-8")
    assert old in text
    p.write_text(text.replace(old, new, 1), encoding="utf-8")
    return base


@pytest.mark.parametrize("name,old,new,message", [
    ("mapping.yaml", "{question: 7, aspects: [sdm]", "{question: 7, aspects: [sdmx]", "aspek 'sdmx' yang tidak dikenal"),
    ("mapping.yaml", "  - {question: 22, aspects: [data_aplikasi], provenance: \"Tabel 4\"}\n", "", "pertanyaan 22 belum dipetakan"),
    ("scale.yaml", "question_count: 22", "question_count: 23", "berisi 22 pertanyaan, seharusnya 23"),
    ("scale.yaml", "{key: cukup, label: \"Cukup\", min: 3, max: 3", "{key: cukup, label: \"Cukup\", min: 2, max: 3", "tepat sekali"),
    ("questions.yaml", "  - 'no': 22", "  - 'no': 21", "masing-masing sekali"),
    ("aspects.yaml", "  - key: sdm", "  - key: sdm: [", "rusak (baris"),
])
def test_broken_instrument_file_names_the_file_and_fault(tmp_path, name, old, new, message):
    base = _broken_copy(tmp_path, name, old, new)
    with pytest.raises(DataFileError) as exc:
        instrument.read_files(base)
    assert message in exc.value.message
    assert "instrument" in exc.value.message


def test_shipped_instrument_is_the_seed_tabel3():
    content = instrument.read_files()
    inst = instrument.from_content(1, content)
    assert inst.question_count == 22
    assert inst.questions[1].startswith("Sistem pengelolaan pengaduan dapat diakses dengan mudah")
    assert inst.questions[8] == ("Pejabat yang bertanggungjawab dalam supervisi pengelolaan pengaduan memastikan "
                                 "proses penerimaan dan penyelesaian pengaduan berjalan secara efektif.")
    assert [a.name for a in inst.aspects] == ["Kelembagaan & Kebijakan", "Sumber Daya Manusia",
                                              "Pemanfaatan Data & Optimalisasi Aplikasi",
                                              "Partisipasi Pemangku Kepentingan", "Koordinasi, Monev"]
    assert inst.mapping[16] == ["kelembagaan", "sdm"]
    assert inst.provenance[1].startswith("diasumsikan") and inst.provenance[6] == "Tabel 4"
