"""A full dump of a test database, as an operator would make one: SQLite's ``.dump``
(``iterdump``) or ``pg_dump``."""

from __future__ import annotations

import sqlite3
import subprocess

from sqlalchemy.engine import make_url

from flows.store.db import Database


def full_dump(db: Database) -> str:
    """Schema and every row of every table, as text."""
    url = make_url(db.url)
    if url.get_backend_name() == "sqlite":
        connection = sqlite3.connect(url.database)
        try:
            return "\n".join(connection.iterdump())
        finally:
            connection.close()
    command = ["pg_dump", "--no-owner", "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432),
               "-U", url.username or "postgres", "-d", url.database]
    return subprocess.run(command, check=True, capture_output=True, text=True, timeout=60).stdout
