"""Running the Alembic migrations from code, without an ini file.

``goedwerk run`` calls :func:`upgrade` at start-up. On PostgreSQL the upgrade holds a
session-level ``pg_advisory_lock`` on a connection of its own, so processes that start
together migrate one after the other; the later ones find the schema at head and do
nothing. Alembic installs its ``context``/``op`` proxies module-wide, so within one
process the commands also take a thread lock.

The migrations' ``env.py`` supplies the target metadata and the compare options, so
:func:`check` sees exactly what ``alembic check`` would.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from .db import normalise_url

# "goedwerk" in ASCII, as a signed 64-bit key for pg_advisory_lock.
MIGRATION_LOCK_KEY = int.from_bytes(b"goedwerk", "big", signed=True)

_in_process = threading.RLock()


def migrations_dir() -> Path:
    """The migration scripts: ``migrations/`` in a source checkout, else the packaged copy."""
    package = Path(__file__).resolve().parent.parent
    checkout = package.parent
    source = checkout / "migrations"
    if (source / "env.py").is_file() and (checkout / "pyproject.toml").is_file():
        return source
    return package / "_migrations"


def alembic_config(url: str) -> Config:
    """An Alembic config for ``url`` built in code (no ``alembic.ini`` needed)."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("path_separator", "os")
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def _script() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("path_separator", "os")
    return ScriptDirectory.from_config(config)


def head() -> str:
    """The revision the migration scripts end at."""
    revision = _script().get_current_head()
    if revision is None:  # pragma: no cover - the repository always has migrations
        raise RuntimeError("no migrations found in " + str(migrations_dir()))
    return revision


def _ensure_sqlite_directory(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


@contextmanager
def _exclusive(url: str) -> Iterator[None]:
    """Hold the cross-process migration lock (PostgreSQL) and the in-process lock."""
    url = normalise_url(url)
    if make_url(url).get_backend_name() != "postgresql":
        _ensure_sqlite_directory(url)
        with _in_process:
            yield
        return
    engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as lock_connection:
            lock_connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            try:
                with _in_process:
                    yield
            finally:
                lock_connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
    finally:
        engine.dispose()


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` up to ``revision`` (one process at a time)."""
    with _exclusive(url):
        command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Migrate the database at ``url`` down to ``revision`` (``"base"`` empties it)."""
    with _exclusive(url):
        command.downgrade(alembic_config(url), revision)


def current(url: str) -> str | None:
    """The revision the database is at, or ``None`` when it has never been migrated."""
    url = normalise_url(url)
    _ensure_sqlite_directory(url)
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def check(url: str) -> list[Any]:
    """Differences between the models and the database (Alembic's diff tuples); empty when in step."""
    config = alembic_config(url)
    script = ScriptDirectory.from_config(config)
    differences: list[Any] = []

    def compare(_revision: Any, context: MigrationContext) -> list[Any]:
        differences.extend(compare_metadata(context, context.opts["target_metadata"]))
        return []

    with _in_process, EnvironmentContext(config, script, fn=compare, dont_mutate=True):
        script.run_env()
    return differences
