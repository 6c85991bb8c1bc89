"""Fixtures shared by the whole suite: fresh databases on SQLite and on PostgreSQL.

Fixtures (``dialect``, ``database_url`` and ``db`` share one parametrization, so a test
that asks for several of them runs twice, not four times; ids are exactly
``sqlite`` and ``postgresql``):

- ``dialect``: ``"sqlite"`` or ``"postgresql"``.
- ``database_url``: the URL of a fresh, EMPTY database (not migrated): a file in
  ``tmp_path`` or a new PostgreSQL database, dropped after the test.
- ``db``: a :class:`flows.store.db.Database` on a fresh database already at the head
  revision. The migrations run once per session per dialect into a template, which
  is copied per test (a file copy; ``CREATE DATABASE ... TEMPLATE``). Disposed and
  dropped after the test. It is a different database from ``database_url``'s.

PostgreSQL comes from ``--test-database-url`` or ``TEST_DATABASE_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``); that database is only used to create
and drop the per-test ones. When it cannot be reached the PostgreSQL params are
skipped, except with ``CI=true``, where they fail. PostgreSQL params carry the
``postgres`` marker, so ``-m "not postgres"`` leaves them out.

Other tests may use :func:`pg_available` (``from tests.conftest import pg_available``).
"""

from __future__ import annotations

import functools
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from flows.store import migrate
from flows.store.db import Database

DEFAULT_TEST_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test"
DIALECTS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]

_test_database_url = os.environ.get("TEST_DATABASE_URL") or DEFAULT_TEST_DATABASE_URL


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--test-database-url",
        default=None,
        help=f"PostgreSQL server for the postgresql params (env TEST_DATABASE_URL; "
        f"default {DEFAULT_TEST_DATABASE_URL}). Its database is used only to create others.",
    )


def pytest_configure(config: pytest.Config) -> None:
    global _test_database_url
    _test_database_url = config.getoption("--test-database-url") or _test_database_url
    config.addinivalue_line("markers", "postgres: needs the PostgreSQL server from TEST_DATABASE_URL")


# --- PostgreSQL helpers -------------------------------------------------------------


def _pg_url(database: str | None = None) -> str:
    """A plain ``postgresql://`` URL on the test server (libpq and SQLAlchemy both take it)."""
    url = make_url(_test_database_url).set(drivername="postgresql")
    if database is not None:
        url = url.set(database=database)
    return url.render_as_string(hide_password=False)


@functools.cache
def _pg_error(url: str) -> str | None:
    try:
        with psycopg.connect(url, connect_timeout=3):
            return None
    except psycopg.Error as error:
        return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def pg_available() -> bool:
    """True when the PostgreSQL server from TEST_DATABASE_URL accepts connections (cached)."""
    return _pg_error(_pg_url()) is None


def require_pg() -> None:
    """Skip the current test without PostgreSQL; fail instead when ``CI=true``."""
    error = _pg_error(_pg_url())
    if error is None:
        return
    message = f"PostgreSQL at {make_url(_pg_url())!r} is not reachable: {error}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} (CI=true: the PostgreSQL tests must run)", pytrace=False)
    pytest.skip(message)


def _admin(statement: sql.Composable) -> None:
    with psycopg.connect(_pg_url(), autocommit=True) as connection:
        connection.execute(statement)


def create_pg_database(template: str | None = None) -> str:
    """Create a database with a random name (from ``template`` if given); return its name."""
    name = f"goedwerk_t_{secrets.token_hex(6)}"
    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template is not None:
        statement = sql.SQL("{} TEMPLATE {}").format(statement, sql.Identifier(template))
    _admin(statement)
    return name


def drop_pg_database(name: str) -> None:
    """Drop a database, disconnecting whoever is still connected."""
    _admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def fresh_pg_database(template: str | None = None) -> Iterator[str]:
    """The URL of a new PostgreSQL database that is dropped afterwards."""
    require_pg()
    name = create_pg_database(template)
    try:
        yield _pg_url(name)
    finally:
        drop_pg_database(name)


# --- Fixtures -----------------------------------------------------------------------


@pytest.fixture(params=DIALECTS)
def dialect(request: pytest.FixtureRequest) -> str:
    """``"sqlite"`` or ``"postgresql"``: the parametrization behind ``database_url`` and ``db``."""
    return request.param


@pytest.fixture
def database_url(dialect: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh, empty (unmigrated) database of ``dialect``."""
    if dialect == "sqlite":
        path = tmp_path / "fresh.db"
        path.touch()  # a zero-byte file is an empty SQLite database
        yield f"sqlite:///{path}"
        return
    with fresh_pg_database() as url:
        yield url


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head, once per session."""
    path = tmp_path_factory.mktemp("template") / "goedwerk.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def _postgresql_template() -> Iterator[str]:
    """The name of a PostgreSQL database migrated to head, once per session."""
    require_pg()
    name = create_pg_database()
    try:
        migrate.upgrade(_pg_url(name))
        yield name
    finally:
        drop_pg_database(name)


@contextmanager
def migrated_db(dialect: str, request: pytest.FixtureRequest, tmp_path: Path,
                name: str = "goedwerk.db") -> Iterator[Database]:
    """A :class:`Database` on a fresh database of ``dialect`` at the head revision
    (``name``: the SQLite file's name in ``tmp_path``, to open more than one)."""
    if dialect == "sqlite":
        path = tmp_path / name
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        database = Database(f"sqlite:///{path}")
        try:
            yield database
        finally:
            database.dispose()
        return
    template = request.getfixturevalue("_postgresql_template")
    with fresh_pg_database(template) as url:
        database = Database(url)
        try:
            yield database
        finally:
            database.dispose()


@pytest.fixture
def db(dialect: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A :class:`Database` on a fresh database of ``dialect`` at the head revision."""
    with migrated_db(dialect, request, tmp_path) as database:
        yield database
