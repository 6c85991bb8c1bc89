"""The dispatcher: claims due scheduled actions and runs them through the engine.

Every process runs one (no leader). ``run_due()`` does one pass; the ticker
(:mod:`flows.scheduling.ticker`) decides when passes happen.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from flows.clock import Clock
from flows.effects import Effect
from flows.engine.core import Engine
from flows.scheduling import actions
from flows.store.db import Database

log = logging.getLogger("goedwerk.dispatcher")

Deliver = Callable[[list[Effect]], None]


def new_owner() -> str:
    """A lease owner name unique to this process and dispatcher."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Dispatcher:
    def __init__(self, db: Database, engine: Engine, clock: Clock, deliver: Deliver, *,
                 owner: str | None = None, lease: timedelta = timedelta(minutes=2), batch: int = 50) -> None:
        self.db = db
        self.engine = engine
        self.clock = clock
        self.deliver = deliver
        self.owner = owner or new_owner()
        self.lease = lease
        self.batch = batch

    def next_due(self) -> datetime | None:
        with self.db.transaction() as session:
            return actions.next_due(session)

    def run_due(self) -> int:
        """Run every action due now; returns how many were sent."""
        sent = 0
        with self.db.transaction() as session:
            back, lost = actions.reclaim_expired(session, self.clock.now())
        if back or lost:
            log.warning("reclaimed %d expired claims; %d sends have an unknown outcome", back, lost)
        while True:
            with self.db.transaction() as session:
                claimed = actions.claim_due(session, owner=self.owner, now=self.clock.now(),
                                            lease=self.lease, limit=self.batch)
            if not claimed:
                return sent
            for action in claimed:
                sent += self._run_one(action)

    def _run_one(self, action: actions.Claimed) -> int:
        try:
            effects = self.engine.run_action(action.id, self.owner)
        except Exception:
            log.exception("scheduled action %s (%s) failed before sending", action.id, action.kind)
            with self.db.transaction() as session:
                actions.retry_later(session, action.id, self.owner,
                                    self.clock.now() + timedelta(seconds=min(3600, 30 * 2 ** action.attempts)),
                                    self.clock.now(), "error before sending")
            return 0
        if effects is None:
            return 0
        try:
            self.deliver(effects)
        except Exception as error:  # the platform refused or broke; the outcome may be partial
            log.error("delivering scheduled action %s (%s) failed: %s", action.id, action.kind,
                      type(error).__name__)
            with self.db.transaction() as session:
                actions.settle(session, action.id, self.owner, actions.FAILED, self.clock.now(),
                               error=type(error).__name__)
            return 0
        with self.db.transaction() as session:
            actions.settle(session, action.id, self.owner, actions.SENT, self.clock.now())
        return 1
