"""The database engine and the one way services open a transaction.

Pages and manage.py never see a session: they call services, and each service runs inside
`transaction()`, which commits once at the end or rolls everything back.
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from .config import get_settings

_engine: Engine | None = None


def _make_engine(url: str) -> Engine:
    settings = get_settings()
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": settings.sqlite_busy_timeout_ms / 1000},
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # noqa: ANN001
            # We issue BEGIN ourselves (below): pysqlite's implicit BEGIN is switched off.
            dbapi_conn.isolation_level = None
            # WAL lets readers work while one writer saves; foreign keys are off by default in SQLite.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={settings.sqlite_busy_timeout_ms}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            # Sorting for large imports in memory; may only be set outside a transaction.
            cur.execute("PRAGMA temp_store=MEMORY")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # noqa: ANN001
            # A write transaction takes the write lock at once (BEGIN IMMEDIATE): two savers queue
            # behind the busy timeout instead of failing on a stale read snapshot. Reads stay DEFERRED.
            conn.exec_driver_sql(f"BEGIN {conn.get_execution_options().get('sqlite_begin', 'DEFERRED')}")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def get_engine() -> Engine:
    global _engine
    if _engine is None:
        _engine = _make_engine(get_settings().database_url)
    return _engine


def reset_engine() -> None:
    """Drop the cached engine (tests point DATABASE_URL elsewhere between cases)."""
    global _engine
    if _engine is not None:
        _engine.dispose()
    _engine = None


def is_sqlite() -> bool:
    return get_engine().dialect.name == "sqlite"


@contextmanager
def transaction() -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any exception."""
    engine = get_engine()
    if engine.dialect.name == "sqlite":
        engine = engine.execution_options(sqlite_begin="IMMEDIATE")
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def read_only() -> Iterator[Session]:
    """A session for reads; never commits."""
    session = Session(get_engine(), expire_on_commit=False)
    try:
        yield session
    finally:
        # close() ends the transaction without expiring the rows handed back to the caller.
        session.close()
