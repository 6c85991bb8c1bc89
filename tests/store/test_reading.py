"""Reads that leave SQLite's write lock alone: a read goes ahead while a write transaction is open."""

from __future__ import annotations

import threading

from sqlalchemy import func, select, text

from flows.store.db import Database
from flows.store.models import Workspace


def test_a_read_does_not_wait_for_an_open_write(db: Database) -> None:
    counted: list[int] = []
    with db.transaction() as writer:
        writer.execute(text("INSERT INTO workspaces (platform, external_id, name, created_at) "
                            "VALUES ('slack', 'TREAD', 'w', CURRENT_TIMESTAMP)"))

        def read() -> None:
            with db.reading() as reader:
                counted.append(reader.scalar(select(func.count()).select_from(Workspace)))

        thread = threading.Thread(target=read, daemon=True)
        thread.start()
        thread.join(5)  # a BEGIN IMMEDIATE would wait here for the writer (up to the 30 s busy timeout)
        assert counted == [0]  # the snapshot before the writer commits
    with db.reading() as reader:
        assert reader.scalar(select(func.count()).select_from(Workspace)) == 1
