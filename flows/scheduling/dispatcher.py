"""The dispatcher: claims due scheduled actions and runs them through the engine.

Every process runs one (no leader). ``run_due()`` does one pass; the ticker
(:mod:`flows.scheduling.ticker`) decides when passes happen.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from flows.clock import Clock
from flows.effects import Effect
from flows.engine.core import Engine
from flows.scheduling import actions, failpoints
from flows.store.db import Database

log = logging.getLogger("goedwerk.dispatcher")

Deliver = Callable[..., "list[str] | None"]
"""Sends effects; called with ``resend=True`` when a retry may repeat an earlier send.
Returns the platform's error codes (empty or None when everything went out)."""

PERMANENT_ERRORS = frozenset({
    "not_in_channel", "channel_not_found", "is_archived", "invalid_auth", "account_inactive", "token_revoked",
    "not_authed", "not_installed", "user_not_found", "cannot_dm_bot", "missing_scope", "restricted_action",
})
CHANNEL_ERRORS = frozenset({"not_in_channel", "channel_not_found", "is_archived"})
MAX_ATTEMPTS = 5
NEVER_RESENT = frozenset({"remind_user"})
"""Kinds whose send outcome, once unknown, stays unknown: never twice beats always once."""


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
        self.stop_requested = threading.Event()
        """Set by a stopping process: the pass ends after the action in hand and gives the
        rest of its claims back, instead of sending a whole batch first."""

    def next_due(self) -> datetime | None:
        with self.db.transaction() as session:
            return actions.next_due(session)

    def run_due(self) -> int:
        """Run every action due now; returns how many were sent."""
        sent = 0
        with self.db.transaction() as session:
            back, lost = actions.reclaim_expired(session, self.clock.now())
            retried = actions.retry_unknown(session, self.clock.now(), keep=NEVER_RESENT)
        if back or lost or retried:
            log.warning("reclaimed %d expired claims; %d sends had an unknown outcome; %d go out again "
                        "after a check of what arrived", back, lost, retried)
        while True:
            with self.db.transaction() as session:
                claimed = actions.claim_due(session, owner=self.owner, now=self.clock.now(),
                                            lease=self.lease, limit=self.batch)
            if not claimed:
                return sent
            for number, action in enumerate(claimed):
                if self.stop_requested.is_set():
                    with self.db.transaction() as session:
                        back = actions.release(session, [a.id for a in claimed[number:]], self.owner,
                                               self.clock.now())
                    log.info("stopping: %d claimed actions given back", back)
                    return sent
                sent += self._run_one(action)
            if self.stop_requested.is_set():
                return sent

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
        failpoints.reached("after_reserve")
        try:
            errors = list(self.deliver(effects, resend=action.attempts > 1) or [])
        except Exception as error:  # the adapter itself broke; the outcome may be partial
            errors = [type(error).__name__]
        failpoints.reached("after_send")
        now = self.clock.now()
        with self.db.transaction() as session:
            if not errors:
                actions.settle(session, action.id, self.owner, actions.SENT, now)
                return 1
            log.warning("scheduled action %s (%s) met %s", action.id, action.kind, ",".join(sorted(set(errors))))
            permanent = sorted(set(errors) & PERMANENT_ERRORS)
            if permanent:
                actions.settle(session, action.id, self.owner, actions.FAILED, now, error=",".join(permanent))
                if set(permanent) & CHANNEL_ERRORS:
                    self.engine.channel_unreachable(session, action.id, ",".join(permanent))
            elif action.kind in NEVER_RESENT:
                actions.settle(session, action.id, self.owner, actions.UNKNOWN, now, error=",".join(errors))
            elif action.attempts >= MAX_ATTEMPTS:
                actions.settle(session, action.id, self.owner, actions.FAILED, now, error=",".join(errors))
            else:
                backoff = timedelta(seconds=min(3600, 30 * 2 ** action.attempts))
                actions.retry_later(session, action.id, self.owner, now + backoff, now, ",".join(errors))
        return 0
