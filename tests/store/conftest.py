"""pytest-alembic's fixtures, bound to the shared ``database_url`` parametrization."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.config import Config
from sqlalchemy import Engine, create_engine
from sqlalchemy.pool import NullPool

from flows.store import migrate
from flows.store.db import normalise_url


@pytest.fixture
def alembic_config(database_url: str) -> Config:
    """The same config ``goedwerk`` migrates with."""
    return migrate.alembic_config(database_url)


@pytest.fixture
def alembic_engine(database_url: str) -> Iterator[Engine]:
    """An engine on a fresh, empty database of each dialect."""
    engine = create_engine(normalise_url(database_url), poolclass=NullPool)
    try:
        yield engine
    finally:
        engine.dispose()
