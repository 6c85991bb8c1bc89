"""among / not_among: the same rows as IN / NOT IN on both dialects, one statement text for every size."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import event, select

from flows.store.models import Workspace
from flows.store.sql import among, not_among

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def _workspaces(db) -> dict[str, int]:
    with db.transaction() as session:
        for team in ("T1", "T2", "T3", "T4"):
            session.add(Workspace(platform="slack", external_id=team, name=None if team == "T4" else team,
                                  created_at=NOW))
        session.flush()
        return dict(session.execute(select(Workspace.external_id, Workspace.id)).all())


def _teams(db, condition_of) -> set[str]:
    with db.transaction() as session:
        return set(session.scalars(select(Workspace.external_id).where(condition_of(session))))


@pytest.mark.parametrize("values, expected", [
    (["T1", "T3"], {"T1", "T3"}), (["T2", "T2", "T9"], {"T2"}), ([], set())])
def test_among_picks_the_rows_in_the_list(db, values, expected):
    _workspaces(db)
    assert _teams(db, lambda session: among(session, Workspace.external_id, values)) == expected
    assert _teams(db, lambda session: Workspace.external_id.in_(values)) == expected


@pytest.mark.parametrize("values, expected", [
    (["T1", "T3"], {"T2", "T4"}), ([], {"T1", "T2", "T3", "T4"})])
def test_not_among_leaves_the_list_out(db, values, expected):
    _workspaces(db)
    assert _teams(db, lambda session: not_among(session, Workspace.external_id, values)) == expected


def test_not_among_never_picks_null_as_not_in_does(db):
    _workspaces(db)  # T4 has no name
    picked = _teams(db, lambda session: not_among(session, Workspace.name, ["T1"]))
    assert picked == _teams(db, lambda session: Workspace.name.not_in(["T1"])) == {"T2", "T3"}


def test_integer_ids_work_too(db):
    ids = _workspaces(db)
    assert _teams(db, lambda session: among(session, Workspace.id, [ids["T2"], ids["T4"]])) == {"T2", "T4"}


def test_on_postgresql_every_list_size_is_one_statement_text(db, dialect):
    _workspaces(db)
    texts: list[str] = []
    event.listen(db.engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: texts.append(statement))
    for size in (1, 2, 30):
        _teams(db, lambda session, size=size: among(session, Workspace.external_id, [f"T{n}" for n in range(size)]))
    selects = [text for text in texts if text.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 3
    assert len(set(selects)) == (1 if dialect == "postgresql" else 3)
