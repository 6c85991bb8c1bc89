"""Many rows in one statement: queued actions, sent messages and rule times come out as
they would one by one, on both dialects; on PostgreSQL with one statement text whatever
the number of rows (the rows go as one JSON parameter, ``flows.store.sql.records``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import StatementError

from flows.effects import Place, SentMessage
from flows.scheduling import actions
from flows.store import messages
from flows.store.models import Channel, MessageRef, ScheduledAction, Workspace

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
WEEK = timedelta(days=7)


def _queued(db) -> dict[str, tuple]:
    with db.transaction() as session:
        return {row.dedupe_key: (row.kind, row.status, row.attempts, row.due_at, row.workspace_id, row.channel_id,
                                 row.round_id, row.user_id, row.payload, row.created_at, row.updated_at)
                for row in session.scalars(select(ScheduledAction))}


def _statements(db) -> list[str]:
    texts: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda conn, cursor, statement, *rest: texts.append(statement))
    return texts  # SQLite's BEGIN IMMEDIATE comes along too; callers count what they look for


def test_many_queued_rows_come_out_as_one_by_one(db):
    rows = [dict(kind="weekly_prompt", dedupe_key="weekly:1", due_at=NOW + WEEK, payload={"situation": 3}),
            dict(kind="remind_user", dedupe_key="remind:1:U1", due_at=NOW + timedelta(hours=5), user_id="U1"),
            dict(kind="open_step", dedupe_key="step:9", due_at=NOW)]
    with db.transaction() as session:
        for row in rows:
            assert actions.schedule(session, now=NOW, **{**row, "dedupe_key": "one:" + row["dedupe_key"]})
    with db.transaction() as session:
        assert actions.schedule_many(session, rows, NOW) == {"weekly:1", "remind:1:U1", "step:9"}
    with db.transaction() as session:  # keys already there are left as they are
        assert actions.schedule_many(session, [{**rows[0], "due_at": NOW}, dict(kind="k", dedupe_key="new",
                                                                                 due_at=NOW)], NOW) == {"new"}
    queued = _queued(db)
    for row in rows:
        assert queued[row["dedupe_key"]] == queued["one:" + row["dedupe_key"]]
    assert queued["weekly:1"][3] == NOW + WEEK


def test_queuing_refuses_what_one_by_one_refuses(db):
    with db.transaction() as session, pytest.raises(TypeError):
        actions.schedule_many(session, [dict(kind="k", dedupe_key="a", due_at=NOW, colour="red")], NOW)
    with db.transaction() as session, pytest.raises((ValueError, StatementError), match="naive"):
        actions.schedule_many(session, [dict(kind="k", dedupe_key="b", due_at=NOW.replace(tzinfo=None))], NOW)
    assert _queued(db) == {}


def test_on_postgresql_any_number_of_rows_is_one_statement_text(db, dialect):
    texts = _statements(db)
    for size in (1, 3, 120):
        with db.transaction() as session:
            queued = actions.schedule_many(session, [dict(kind="k", dedupe_key=f"{size}:{number}", due_at=NOW)
                                                     for number in range(size)], NOW)
        assert len(queued) == size
    inserts = [text for text in texts if text.lstrip().upper().startswith("INSERT")]
    if dialect == "postgresql":
        assert len(inserts) == 3 and len(set(inserts)) == 1 and len(inserts[0]) < 1500
    assert len(_queued(db)) == 124


def test_many_sent_messages_take_one_statement_on_postgresql(db, dialect):
    with db.transaction() as session:
        workspace = Workspace(platform="slack", external_id="T1", name="T1", created_at=NOW)
        session.add(workspace)
        session.flush()
        session.add_all([Channel(workspace_id=workspace.id, external_id=f"C{number}", name=f"c{number}",
                                 created_at=NOW) for number in range(60)])
    sent = [SentMessage(Place("slack", "T1", f"C{number}"), f"weekly:{number}", f"{number}.1") for number in range(60)]
    texts = _statements(db)
    with db.transaction() as session:
        messages.remember_all(session, sent, NOW)
    assert len([text for text in texts if not text.startswith("BEGIN")]) == (1 if dialect == "postgresql" else 2)
    with db.transaction() as session:
        refs = dict(session.execute(select(MessageRef.key, MessageRef.ref)).all())
    assert refs == {f"weekly:{number}": f"{number}.1" for number in range(60)}
