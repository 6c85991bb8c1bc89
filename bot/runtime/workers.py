"""Workers that claim rows of the requests inbox and finish them, on threads of one process.

One claimer thread claims as many rows as there are idle worker threads, whenever it
is woken (:meth:`InboxWorkers.wake`: a row was just recorded, or a worker finished
one, so a later row of its lane may be claimable), and otherwise every
:data:`POLL_SECONDS` (rows recorded by other processes, and the rows of a process that
died, whose leases ran out). Waking only shortens that wait: what there is to do is
always read from the database, never from memory.

A request's work is mostly waiting for the platform's Web API, so a process runs
many of them side by side (:data:`THREADS`); a lane (one channel) still runs one row
at a time, in arrival order, so one busy channel holds at most one thread.
"""

from __future__ import annotations

import logging
import os
import queue
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping

from bot.runtime import inbox
from flows.store.db import Database

log = logging.getLogger("goedwerk.requests")

THREADS = 24
"""Rows a process works on at once (each mostly waits for the platform's answers)."""
URGENT_THREADS = 4
"""Threads beyond :data:`THREADS` kept for urgent rows (forms, whose trigger lives 3 s), so a
form never waits for a thread while the others are busy."""
LEASE_SECONDS = 30.0
"""How long a claim is ours without renewal; a dead process's rows come back after this."""
POLL_SECONDS = 1.0
"""Seconds between looks at the inbox when nothing woke the claimer."""
STOP_SECONDS = 4.0
"""How long a stopping process lets the rows in hand finish; unfinished ones stay for the next process."""

Runner = Callable[[inbox.Claimed, str], None]
"""Does a claimed row's work (``runner(row, owner)``); the row is deleted when it returns or raises."""


def new_owner() -> str:
    """A lease owner name unique to this process and set of workers."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class InboxWorkers:
    """Claims and runs the inbox rows of ``runners``' platforms on ``threads`` threads."""

    def __init__(self, db: Database, runners: Mapping[str, Runner], *, threads: int = THREADS,
                 lease: float = LEASE_SECONDS, poll: float = POLL_SECONDS, owner: str | None = None) -> None:
        self.db = db
        self.runners = dict(runners)
        self.platforms = tuple(self.runners)
        self.threads = threads if db.concurrent else 1
        self._urgent_threads = URGENT_THREADS if db.concurrent else 0
        self.lease = lease
        self.poll = poll
        self.owner = owner or new_owner()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._in_hand: dict[int, bool] = {}  # id -> urgent
        self._rows: queue.SimpleQueue = queue.SimpleQueue()
        self._pool: list[threading.Thread] = []
        self._claimer: threading.Thread | None = None
        self._idle = threading.Condition(self._lock)

    @property
    def ready(self) -> bool:
        """Whether the workers are running (and not stopping)."""
        return self._claimer is not None and self._claimer.is_alive() and not self._stopping.is_set()

    @property
    def in_hand(self) -> int:
        with self._lock:
            return len(self._in_hand)

    def start(self) -> None:
        for number in range(self.threads + self._urgent_threads):
            thread = threading.Thread(target=self._work, name=f"goedwerk-request-{number}", daemon=True)
            thread.start()
            self._pool.append(thread)
        self._claimer = threading.Thread(target=self._claim_loop, name="goedwerk-request-claimer", daemon=True)
        self._claimer.start()

    def wake(self) -> None:
        """Look at the inbox now (a row was recorded)."""
        self._wake.set()

    def stop(self, timeout: float = STOP_SECONDS) -> int:
        """Stop claiming, give the rows in hand up to ``timeout`` seconds to finish; how many
        did not (they stay claimed until their lease runs out, then another process takes them)."""
        self._stopping.set()
        self._wake.set()
        if self._claimer is not None:
            self._claimer.join(timeout)
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._in_hand and time.monotonic() < deadline:
                self._idle.wait(max(0.0, deadline - time.monotonic()))
            left = len(self._in_hand)
        for _ in self._pool:
            self._rows.put(None)
        if left:
            log.warning("stopped with %d requests in hand; another process finishes them after their lease", left)
        return left

    # -- the claimer --------------------------------------------------------------------

    def _claim_loop(self) -> None:
        renewed = time.monotonic()
        while not self._stopping.is_set():
            self._wake.wait(self.poll)
            self._wake.clear()
            if self._stopping.is_set():
                return
            try:
                self._claim_what_fits()
                if time.monotonic() - renewed > self.lease / 3:
                    renewed = time.monotonic()
                    with self._lock:
                        ids = list(self._in_hand)
                    inbox.renew(self.db, ids, self.owner, time.time() + self.lease)
            except Exception:  # the database is away: try again at the next poll
                log.exception("claiming requests failed; trying again in %.0f s", self.poll)

    def _claim_what_fits(self) -> None:
        while not self._stopping.is_set():
            with self._lock:
                free = self.threads + self._urgent_threads - len(self._in_hand)
                others = min(free, self.threads - sum(not urgent for urgent in self._in_hand.values()))
            if free <= 0:
                return
            rows = inbox.claim(self.db, self.owner, self.lease, free, self.platforms, others=others)
            if not rows:
                return
            for row in rows:
                with self._lock:
                    self._in_hand[row.id] = row.urgent
                self._rows.put(row)

    # -- the workers --------------------------------------------------------------------

    def _work(self) -> None:
        while True:
            row = self._rows.get()
            if row is None:
                return
            try:
                self._run(row)
            finally:
                with self._idle:
                    self._in_hand.pop(row.id, None)
                    self._idle.notify_all()
                self._wake.set()  # a slot is free, and the next row of its lane may be claimable

    def _run(self, row: inbox.Claimed) -> None:
        if row.attempts > inbox.MAX_ATTEMPTS:
            log.error("request %s (%s) was taken up %d times without finishing; dropped", row.id, row.kind,
                      row.attempts - 1)
        else:
            try:
                self.runners[row.platform](row, self.owner)
            except Exception:  # logged without the request's content; the row is not retried
                log.exception("request %s (%s) failed", row.id, row.kind)
        try:
            inbox.finish(self.db, [row.id], self.owner)
        except Exception:  # the lease runs out and the row is delivered again, with resend
            log.exception("could not clear finished request %s", row.id)


class Intake:
    """The adapter's side: record a request durably, then wake whoever works on it."""

    def __init__(self, db: Database, wake: Callable[[], None] = lambda: None) -> None:
        self.db = db
        self.wake = wake

    def submit(self, request: inbox.Request) -> bool:
        """Record ``request`` (before the caller acknowledges it) and wake a worker; False
        when a row with its key was waiting already (a retry or a double click)."""
        inserted = inbox.record(self.db, request)
        self.wake()
        return inserted
