"""Shared fixtures.

`db` gives each test its own migrated database: on SQLite a copy of a file migrated once per run;
on PostgreSQL (MONEV_TEST_DATABASE_URL=postgresql+psycopg://.../NAME) a copy made with
`CREATE DATABASE NAME_t<N> TEMPLATE NAME_empty|NAME_seeded`, two template databases migrated (and
seeded) once per run, and dropped after the test. Copying a template takes a fraction of a second,
where emptying the tables and loading the catalogues again took seconds per test. The role needs
CREATEDB (CI's `root` is a superuser, see .ci/run); NAME itself is only used to connect for CREATE
and DROP DATABASE. Services find the test's database through DATABASE_URL, as they do in production.
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
def _template(tmp_path_factory: pytest.TempPathFactory):
    """Migrate once (and seed once) per test run; each test starts from a copy."""
    from assessment import migrate, seed

    saved = os.environ.get("DATABASE_URL")
    out: dict[str, str] = {}
    if PG_URL:
        empty, seeded = _pg_name("empty"), _pg_name("seeded")
        _pg_drop(seeded)
        _pg_drop(empty)
        _pg_admin(f'CREATE DATABASE "{empty}"')
        _point_at(_pg_url(empty))
        migrate.upgrade()
        dbmod.reset_engine()  # no connection may stay on a template while it is copied
        _pg_admin(f'CREATE DATABASE "{seeded}" TEMPLATE "{empty}"')
        _point_at(_pg_url(seeded))
        seed.load_base()
        dbmod.reset_engine()
        out["empty"], out["seeded"] = empty, seeded
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
    yield out
    if PG_URL:
        dbmod.reset_engine()
        _pg_drop(out["seeded"])
        _pg_drop(out["empty"])
        if _pg_admin_engine is not None:
            _pg_admin_engine.dispose()


# --- PostgreSQL: template databases ----------------------------------------------------------------

_pg_admin_engine = None
_pg_counter = 0


def _pg_name(suffix: str) -> str:
    from sqlalchemy.engine import make_url

    name = f"{make_url(PG_URL).database}_{suffix}"
    if len(name) > 63:  # PostgreSQL cuts longer names, which would make two of them the same
        raise RuntimeError(f"MONEV_TEST_DATABASE_URL: database name too long for '{name}' (max 63)")
    return name


def _pg_url(name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def _pg_admin(sql: str) -> None:
    """CREATE/DROP DATABASE, on a connection to MONEV_TEST_DATABASE_URL's own database (autocommit)."""
    global _pg_admin_engine
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    if _pg_admin_engine is None:
        _pg_admin_engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with _pg_admin_engine.connect() as conn:
        conn.execute(text(sql))


def _pg_drop(name: str) -> None:
    # WITH (FORCE) (PostgreSQL 13+) ends connections a test left open (e.g. a thread of AppTest).
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pg_copy(kind: str) -> str:
    global _pg_counter
    _pg_counter += 1
    name = _pg_name(f"t{_pg_counter}")
    _pg_drop(name)  # left over from an interrupted run
    _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{_pg_name(kind)}"')
    return name


def _fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, template: dict[str, str], kind: str):
    """Point DATABASE_URL at a new copy of the `kind` template; yields its URL, then removes the copy."""
    monkeypatch.setenv("MONEV_UPLOAD_DIR", str(tmp_path / "uploads"))
    if PG_URL:
        name = _pg_copy(kind)
        url = _pg_url(name)
        _point_at(url, monkeypatch)
        try:
            yield url
        finally:
            dbmod.reset_engine()
            _pg_drop(name)
            config.reset_settings()  # nothing keeps pointing at the dropped database
        return
    target = tmp_path / "test.db"
    shutil.copy(template[kind], target)
    url = f"sqlite:///{target}"
    _point_at(url, monkeypatch)
    yield url
    dbmod.reset_engine()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _template: dict[str, str]):
    """An empty, migrated database (no units, no instrument)."""
    yield from _fresh(tmp_path, monkeypatch, _template, "empty")


@pytest.fixture
def seeded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _template: dict[str, str]):
    """A migrated database with the base catalogues loaded (instrument, units, settings, renaksi...)
    but no demo data: no assessment, no complaints."""
    yield from _fresh(tmp_path, monkeypatch, _template, "seeded")


@pytest.fixture
def admin():
    from assessment.permissions import Actor

    return Actor(username="admin.test", role="admin", user_id=None, full_name="Admin Uji")


def actor_for(role: str, unit_id: int | None = None, username: str | None = None):
    from assessment.permissions import Actor

    return Actor(username=username or f"{role}.test", role=role, unit_id=unit_id, full_name=role)
