"""Concurrent upgrades on PostgreSQL take turns under ``pg_advisory_lock``."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from flows.store import migrate
from flows.store.db import normalise_url
from tests.conftest import fresh_pg_database

pytestmark = pytest.mark.postgres

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def pg_url():
    """A fresh, empty PostgreSQL database."""
    with fresh_pg_database() as url:
        yield url


def test_two_threads_upgrading_at_once_both_succeed(pg_url):
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def upgrade() -> None:
        start.wait()
        try:
            migrate.upgrade(pg_url)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=upgrade) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert migrate.current(pg_url) == migrate.head()
    assert migrate.check(pg_url) == []


def _someone_waits_for_an_advisory_lock(connection) -> bool:
    return bool(connection.execute(text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")).scalar())


def test_upgrade_waits_for_the_advisory_lock(pg_url):
    engine = create_engine(normalise_url(pg_url), poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with engine.connect() as holder:
        holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": migrate.MIGRATION_LOCK_KEY})
        waiting = threading.Thread(target=migrate.upgrade, args=(pg_url,))
        waiting.start()
        deadline = time.monotonic() + 30
        while not _someone_waits_for_an_advisory_lock(holder) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _someone_waits_for_an_advisory_lock(holder), "the upgrade did not ask for the lock"
        assert waiting.is_alive()
        assert migrate.current(pg_url) is None
        holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": migrate.MIGRATION_LOCK_KEY})
    engine.dispose()
    waiting.join(timeout=60)

    assert not waiting.is_alive()
    assert migrate.current(pg_url) == migrate.head()


@pytest.mark.slow
def test_processes_starting_together_upgrade_one_at_a_time(pg_url):
    code = "import sys; from flows.store import migrate; migrate.upgrade(sys.argv[1])"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    processes = [
        subprocess.Popen([sys.executable, "-c", code, pg_url], cwd=REPO, env=env, stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    outputs = [process.communicate(timeout=120)[1] for process in processes]
    failures = [out for process, out in zip(processes, outputs, strict=True) if process.returncode != 0]

    assert failures == []
    assert migrate.current(pg_url) == migrate.head()
