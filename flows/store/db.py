"""Connecting to the database: engines, sessions and transactions for both dialects.

SQLite runs in WAL mode with a busy timeout, and every transaction starts with
``BEGIN IMMEDIATE`` so that several processes on one host serialise their writes
instead of failing on lock upgrades; only :meth:`Database.reading`, for reads, begins
deferred and leaves the write lock alone. PostgreSQL uses psycopg 3.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

SQLITE_BUSY_TIMEOUT_MS = 30_000
READ_ONLY = "goedwerk_read_only"
"""Execution option of :meth:`Database.reading`'s connections: SQLite begins them deferred."""


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver for plain ``postgresql://`` URLs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:  # pragma: no cover - exercised by every test
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        reading = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


def create_db_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for ``url`` with the dialect settings goedwerk relies on."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        in_memory = parsed.database in (None, "", ":memory:")
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            poolclass=StaticPool if in_memory else None,
            hide_parameters=True,
        )
        _configure_sqlite(engine)
        return engine
    # hide_parameters: contribution texts must never reach a log line through an error message
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20,
                         hide_parameters=True)


class Database:
    """An engine with its session factory; ``transaction()`` is the unit of work."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = normalise_url(url)
        self.engine = create_db_engine(self.url, echo=echo)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def concurrent(self) -> bool:
        """Whether sessions on several threads get connections of their own (not an
        in-memory SQLite database, whose one connection all sessions share)."""
        return not isinstance(self.engine.pool, StaticPool)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        with self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads only. On SQLite its transaction begins deferred, so it reads a
        snapshot without taking the write lock: it neither waits for writers nor holds them up
        (a write in it fails). On PostgreSQL the same as :meth:`transaction`."""
        with self.sessions() as session, session.begin():
            if self.dialect == "sqlite":
                session.connection(execution_options={READ_ONLY: True})
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
