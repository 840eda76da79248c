"""Shared fixtures.

`db` gives each test its own migrated database: on SQLite a copy of a file migrated once per run;
on PostgreSQL (MONEV_TEST_DATABASE_URL=postgresql+psycopg://...) one migrated database whose tables
are emptied between tests. Services find it through DATABASE_URL, as they do in production.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assessment import config, db as dbmod  # noqa: E402

PG_URL = os.environ.get("MONEV_TEST_DATABASE_URL", "")


def _point_at(url: str, monkeypatch: pytest.MonkeyPatch | None = None) -> None:
    if monkeypatch is not None:
        monkeypatch.setenv("DATABASE_URL", url)
    else:
        os.environ["DATABASE_URL"] = url
    config.reset_settings()
    dbmod.reset_engine()


@pytest.fixture(scope="session")
def _template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Migrate once (and seed once) per test run; each test starts from a copy."""
    from assessment import migrate, seed

    saved = os.environ.get("DATABASE_URL")
    out: dict[str, str] = {}
    if PG_URL:
        _point_at(PG_URL)
        _pg_reset_schema()
        migrate.upgrade()
        out["pg"] = PG_URL
    else:
        base = tmp_path_factory.mktemp("template")
        empty = base / "empty.db"
        _point_at(f"sqlite:///{empty}")
        migrate.upgrade()
        dbmod.reset_engine()
        seeded = base / "seeded.db"
        shutil.copy(empty, seeded)
        _point_at(f"sqlite:///{seeded}")
        seed.load_base()
        dbmod.reset_engine()
        out["empty"] = str(empty)
        out["seeded"] = str(seeded)
    if saved is None:
        os.environ.pop("DATABASE_URL", None)
    else:
        os.environ["DATABASE_URL"] = saved
    config.reset_settings()
    dbmod.reset_engine()
    return out


def _pg_reset_schema() -> None:
    from sqlalchemy import text

    with dbmod.get_engine().begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


def _pg_truncate() -> None:
    from sqlalchemy import text
    from sqlmodel import SQLModel

    import assessment.models  # noqa: F401

    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with dbmod.get_engine().begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def _fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, template: dict[str, str], kind: str) -> str:
    monkeypatch.setenv("MONEV_UPLOAD_DIR", str(tmp_path / "uploads"))
    if PG_URL:
        _point_at(PG_URL, monkeypatch)
        _pg_truncate()
        if kind == "seeded":
            from assessment import seed

            seed.load_base()
        return PG_URL
    target = tmp_path / "test.db"
    shutil.copy(template[kind], target)
    url = f"sqlite:///{target}"
    _point_at(url, monkeypatch)
    return url


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _template: dict[str, str]):
    """An empty, migrated database (no units, no instrument)."""
    url = _fresh(tmp_path, monkeypatch, _template, "empty")
    yield url
    dbmod.reset_engine()


@pytest.fixture
def seeded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _template: dict[str, str]):
    """A migrated database with the base catalogues loaded (instrument, units, settings, renaksi...)
    but no demo data: no assessment, no complaints."""
    url = _fresh(tmp_path, monkeypatch, _template, "seeded")
    yield url
    dbmod.reset_engine()


@pytest.fixture
def admin():
    from assessment.permissions import Actor

    return Actor(username="admin.test", role="admin", user_id=None, full_name="Admin Uji")


def actor_for(role: str, unit_id: int | None = None, username: str | None = None):
    from assessment.permissions import Actor

    return Actor(username=username or f"{role}.test", role=role, unit_id=unit_id, full_name=role)
