"""The migrations on SQLite and PostgreSQL: up, down, up again, and no drift."""

from __future__ import annotations

import ast
import io
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

import bot.console.state
import bot.runtime.inbox
import bot.slack.installation_tables
import bot.slack.shared_paces
import bot.teams.conversations
import bot.teams.files  # noqa: F401  (their tables too)
from flows.store import migrate
from flows.store.base import Base
from flows.store.db import normalise_url
from tests.conftest import fresh_pg_database

# A migration must not change when the app does, so it imports only these (top-level names).
ALLOWED_IMPORTS = {"__future__", "collections", "typing", "alembic", "sqlalchemy"}


def _tables(url: str) -> set[str]:
    engine = create_engine(normalise_url(url), poolclass=NullPool)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _execute(url: str, statement: str) -> None:
    engine = create_engine(normalise_url(url), poolclass=NullPool)
    try:
        with engine.begin() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def test_fresh_database_has_no_revision(database_url):
    assert migrate.current(database_url) is None


def test_upgrade_creates_every_table_without_drift(database_url):
    migrate.upgrade(database_url)

    assert migrate.current(database_url) == migrate.head()
    assert _tables(database_url) == set(Base.metadata.tables) | {"alembic_version"}
    assert migrate.check(database_url) == []
    command.check(migrate.alembic_config(database_url))  # `alembic check`: raises on drift


def test_downgrade_to_base_and_up_again(database_url):
    migrate.upgrade(database_url)

    migrate.downgrade(database_url, "base")
    assert migrate.current(database_url) is None
    assert _tables(database_url) == {"alembic_version"}

    migrate.upgrade(database_url)
    assert migrate.current(database_url) == migrate.head()
    assert migrate.check(database_url) == []


def test_upgrade_at_head_changes_nothing(database_url):
    migrate.upgrade(database_url)
    migrate.upgrade(database_url)
    assert migrate.current(database_url) == migrate.head()


def test_check_reports_a_difference(database_url):
    migrate.upgrade(database_url)
    _execute(database_url, "DROP INDEX ix_processed_events_received_at")

    differences = migrate.check(database_url)

    assert [d[0] for d in differences] == ["add_index"]
    assert differences[0][1].name == "ix_processed_events_received_at"


def test_offline_sql_has_the_partial_index(database_url):
    config = migrate.alembic_config(database_url)
    config.output_buffer = io.StringIO()

    command.upgrade(config, "head", sql=True)

    script = config.output_buffer.getvalue()
    assert "CREATE UNIQUE INDEX uq_rounds_one_active_per_channel" in script
    assert "WHERE status = 'active'" in script


def test_sqlite_parent_directory_is_created(tmp_path):
    url = f"sqlite:///{tmp_path / 'deeper' / 'still' / 'goedwerk.db'}"
    migrate.upgrade(url)
    assert migrate.current(url) == migrate.head()


def test_migrations_dir_is_the_source_checkout():
    directory = migrate.migrations_dir()
    assert directory == Path(__file__).resolve().parents[2] / "migrations"
    assert (directory / "env.py").is_file()


def test_alembic_config_keeps_percent_signs_in_passwords():
    config = migrate.alembic_config("postgresql://user:p%40ss@localhost/db")
    assert config.get_main_option("sqlalchemy.url") == "postgresql+psycopg://user:p%40ss@localhost/db"


@pytest.mark.parametrize(
    "path", sorted((migrate.migrations_dir() / "versions").glob("*.py")), ids=lambda p: p.name
)
def test_migration_imports_nothing_from_the_app(path):
    imported = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or ".").split(".")[0])
    assert imported - ALLOWED_IMPORTS == set()


@pytest.mark.postgres
def test_check_wants_timestamptz_for_utc_columns_on_postgresql():
    with fresh_pg_database() as url:
        migrate.upgrade(url)
        _execute(url, "ALTER TABLE workspaces ALTER COLUMN created_at TYPE timestamp without time zone")

        differences = migrate.check(url)

    assert len(differences) == 1
    (kind, _schema, table, column, *_rest) = differences[0][0]
    assert (kind, table, column) == ("modify_type", "workspaces", "created_at")
