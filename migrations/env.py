"""Alembic environment for goedwerk.

Where the database comes from, first match wins:

1. ``config.attributes["connection"]`` — an Engine or Connection handed in by code
   (pytest-alembic does this);
2. ``alembic -x url=...`` on the command line;
3. ``config.attributes["url"]`` or the ``sqlalchemy.url`` main option (what
   :func:`flows.store.migrate.alembic_config` sets);
4. ``DATABASE_URL`` through :mod:`bot.settings` (so a ``.env`` file works as well).

``target_metadata`` is the models' metadata plus slack_sdk's installation tables.
``UTCDateTime`` columns are written into migrations as ``sa.DateTime(timezone=True)``
and compare equal to them, so autogenerate reports no false drift.
"""

from __future__ import annotations

from logging.config import fileConfig

import sqlalchemy as sa
from alembic import context
from sqlalchemy import create_engine, event, pool
from sqlalchemy.engine import Connection, Engine, make_url

import bot.console.state
import bot.runtime.inbox
import bot.slack.installation_tables
import bot.slack.shared_paces
import bot.teams.conversations
import bot.teams.files  # noqa: F401  (declares the Teams files and their links on Base.metadata)
import flows.store.models  # noqa: F401  (declares goedwerk's tables on Base.metadata)
from flows.store.base import Base
from flows.store.db import normalise_url
from flows.store.types import UTCDateTime

config = context.config
target_metadata = Base.metadata

if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def database_url() -> str:
    """The URL to migrate, from the command line, the config or the settings."""
    url = (
        context.get_x_argument(as_dictionary=True).get("url")
        or config.attributes.get("url")
        or config.get_main_option("sqlalchemy.url")
    )
    if not url:
        from bot.settings import SettingsError, load_settings

        try:
            url = load_settings().database_url
        except SettingsError as error:
            raise SystemExit(str(error)) from None
    return normalise_url(url)


def compare_type(migration_context, _inspected_column, _metadata_column, inspected_type, metadata_type):
    """Treat a reflected ``DateTime`` as matching ``UTCDateTime``; defer everything else.

    On PostgreSQL the column must be ``timestamptz``; SQLite has no such notion.
    """
    if not isinstance(metadata_type, UTCDateTime):
        return None
    if not isinstance(inspected_type, sa.DateTime):
        return True
    if migration_context.dialect.name == "postgresql":
        return not inspected_type.timezone
    return False


def render_item(type_, obj, _autogen_context):
    """Render ``UTCDateTime`` as the plain type a migration may depend on."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


CONFIGURE_OPTIONS = {
    "target_metadata": target_metadata,
    "render_as_batch": True,
    "compare_type": compare_type,
    "render_item": render_item,
}


def migration_engine(url: str) -> Engine:
    """A short-lived engine for migrating.

    SQLite keeps foreign keys off here: batch migrations copy and drop tables, and a
    drop with foreign keys on would cascade deletes into the referencing tables.
    """
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, poolclass=pool.NullPool, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _foreign_keys_off(dbapi_connection, _record):
            dbapi_connection.execute("PRAGMA foreign_keys = OFF")

        return engine
    return create_engine(url, poolclass=pool.NullPool)


def run_migrations_offline() -> None:
    """``alembic upgrade --sql``: write the SQL instead of running it."""
    context.configure(url=database_url(), literal_binds=True, **CONFIGURE_OPTIONS)
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    context.configure(connection=connection, **CONFIGURE_OPTIONS)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Migrate through a given connection or engine, or one made from the URL."""
    given = config.attributes.get("connection")
    if isinstance(given, Connection):
        _run(given)
        return
    engine = given if isinstance(given, Engine) else migration_engine(database_url())
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        if given is None:
            engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
