"""``UTCDateTime`` stores UTC and gives back aware UTC on both dialects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import StatementError

from flows.store.models import Workspace
from flows.store.types import UTCDateTime

UTC = UTC
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _add_workspace(db, created_at, external_id="T1") -> int:
    with db.transaction() as session:
        workspace = Workspace(platform="slack", external_id=external_id, created_at=created_at)
        session.add(workspace)
        session.flush()
        return workspace.id


def _created_at(db, workspace_id: int) -> datetime:
    with db.transaction() as session:
        return session.get(Workspace, workspace_id).created_at


def _stored_utc_text(db, workspace_id: int) -> str:
    """The stored value as UTC text, read past the type decorator."""
    query = {
        "sqlite": "SELECT created_at FROM workspaces WHERE id = :id",
        "postgresql": "SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') "
        "FROM workspaces WHERE id = :id",
    }[db.dialect]
    with db.engine.connect() as connection:
        return str(connection.execute(text(query), {"id": workspace_id}).scalar_one())


def test_aware_utc_round_trips(db):
    moment = datetime(2026, 3, 29, 0, 59, 59, 123456, tzinfo=UTC)

    loaded = _created_at(db, _add_workspace(db, moment))

    assert loaded == moment
    assert loaded.utcoffset() == timedelta(0)
    assert loaded.tzinfo is UTC


@pytest.mark.parametrize(
    ("given", "utc_text"),
    [
        (datetime(2026, 10, 25, 2, 30, tzinfo=AMSTERDAM), "2026-10-25 00:30:00"),
        (datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=AMSTERDAM), "2026-10-25 01:30:00"),
        (datetime(2026, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=5, minutes=30))), "2026-06-01 06:30:00"),
    ],
    ids=["amsterdam-cest", "amsterdam-cet-after-fold", "plus-0530"],
)
def test_other_offsets_are_stored_and_returned_as_utc(db, given, utc_text):
    workspace_id = _add_workspace(db, given)

    loaded = _created_at(db, workspace_id)

    assert loaded == given.astimezone(UTC)
    assert loaded.tzinfo is UTC
    assert loaded.isoformat(sep=" ").startswith(utc_text)
    assert _stored_utc_text(db, workspace_id).startswith(utc_text)


def test_comparisons_use_the_instant(db):
    workspace_id = _add_workspace(db, datetime(2026, 10, 25, 0, 30, tzinfo=UTC))
    same_instant = datetime(2026, 10, 25, 2, 30, tzinfo=AMSTERDAM)

    with db.transaction() as session:
        found = session.scalars(select(Workspace.id).where(Workspace.created_at == same_instant)).all()

    assert found == [workspace_id]


def test_none_stays_none(db):
    workspace_id = _add_workspace(db, datetime(2026, 1, 1, tzinfo=UTC))
    with db.transaction() as session:
        assert session.get(Workspace, workspace_id).uninstalled_at is None


def test_naive_datetime_is_refused_by_the_database_layer(db):
    with pytest.raises(StatementError) as raised:
        _add_workspace(db, datetime(2026, 1, 1, 12, 0))
    assert isinstance(raised.value.orig, ValueError)


@pytest.mark.parametrize("dialect_impl", [sqlite.dialect(), postgresql.dialect()], ids=["sqlite", "postgresql"])
def test_naive_datetime_is_refused_by_the_type(dialect_impl):
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(datetime(2026, 1, 1), dialect_impl)
