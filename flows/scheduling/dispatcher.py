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
from collections import deque
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from flows.clock import Clock
from flows.effects import Delivery, Effect, Place
from flows.scheduling import actions, failpoints
from flows.scheduling.load import SpareCpu
from flows.scheduling.runner import ActionRunner
from flows.scheduling.weekly import WEEKLY_PROMPT
from flows.store import messages
from flows.store.db import Database

log = logging.getLogger("goedwerk.dispatcher")

Deliver = Callable[..., "list[str] | None"]
"""Sends effects; called with ``resend=True`` when a retry may repeat an earlier send.
Returns the platform's error codes (empty or None when everything went out)."""

PERMANENT_ERRORS = frozenset({
    "not_in_channel", "channel_not_found", "is_archived", "invalid_auth", "account_inactive", "token_revoked",
    "not_authed", "not_installed", "user_not_found", "cannot_dm_bot", "missing_scope", "restricted_action",
    "channel_unreachable", "access_revoked", "permanent", "unsupported",  # Teams' (bot/teams/sender.py)
})
CHANNEL_ERRORS = frozenset({"not_in_channel", "channel_not_found", "is_archived", "channel_unreachable"})
MAX_ATTEMPTS = 5
RATE_LIMITED = "ratelimited"
RATE_LIMITED_BACKOFF = 5
"""Seconds per attempt (at most a minute) before a post Slack kept rate-limiting is tried again."""
RATE_LIMITED_ATTEMPTS = 20
"""Attempts a post that only ever met rate limits gets (about 13 minutes): Slack said "later", not "no"."""
TOGETHER = 100
"""First-attempt weekly prompts a worker prepares and records as one batch (25 cost twice the
CPU per prompt; 200 gained nothing more, see benchmarks/README.md)."""
FIRST_WORKERS = 2
"""Threads a pass starts with; it adds more (up to ``workers``) while they leave CPU to spare."""
GROW_EVERY = 0.25
"""Seconds between a pass's looks at whether more threads would help."""
NEVER_RESENT = frozenset({"remind_user"})
"""Kinds whose send outcome, once unknown, stays unknown: never twice beats always once."""


def new_owner() -> str:
    """A lease owner name unique to this process and dispatcher."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Dispatcher:
    def __init__(self, db: Database, engine: ActionRunner, clock: Clock, deliver: Deliver, *,
                 owner: str | None = None, lease: timedelta = timedelta(minutes=2), batch: int = 2 * TOGETHER,
                 workers: int = 1, records_sent: bool = False,
                 before_sending: Callable[[list[Place]], None] | None = None,
                 spare_cpu: Callable[[], Callable[[], bool]] = SpareCpu) -> None:
        self.db = db
        self.engine = engine
        self.clock = clock
        self.deliver = deliver
        self.owner = owner or new_owner()
        self.lease = lease
        self.batch = batch
        self.workers = workers if db.concurrent else 1
        """The most actions sent at once in a pass (1 on a database with one shared connection)."""
        self.spare_cpu = spare_cpu
        """Makes, for each pass, a check of whether CPU was to spare since its last call
        (:class:`flows.scheduling.load.SpareCpu`): then the pass adds threads."""
        self.records_sent = records_sent
        """Whether ``deliver`` takes ``delivery=`` (:class:`flows.effects.Delivery`): then batched
        first sends skip the look-up for an earlier send, and where they landed is recorded
        with their outcome."""
        self.before_sending = before_sending
        """Told the places a batch of weekly prompts goes to before the first is sent (an
        adapter may read their workspaces' tokens in one go); a failure there is logged."""
        self.stop_requested = threading.Event()
        """Set by a stopping process: the pass ends after the action in hand and gives the
        rest of its claims back, instead of sending a whole batch first."""

    def next_due(self) -> datetime | None:
        with self.db.transaction() as session:
            return actions.next_due(session)

    def run_due(self) -> int:
        """Run every action due now; returns how many were sent.

        Up to ``workers`` actions run at once, each on a thread of this pass: while one
        waits for Slack or the database, another goes ahead. A pass starts
        :data:`FIRST_WORKERS` threads and doubles them while they leave CPU to spare (they
        wait for Slack's answers): where Slack answers at once, more threads would only
        fight over the interpreter lock. A round's actions never run side by side (a
        claim holds one action per round, see :func:`flows.scheduling.actions.claim_due`),
        so a round still runs in due order.
        """
        with self.db.transaction() as session:
            back, lost = actions.reclaim_expired(session, self.clock.now())
            retried = actions.retry_unknown(session, self.clock.now(), keep=NEVER_RESENT)
        if back or lost or retried:
            log.warning("reclaimed %d expired claims; %d sends had an unknown outcome; %d go out again "
                        "after a check of what arrived", back, lost, retried)
        claims = _Claims(self)
        first = claims.fill()
        if not first:
            return 0
        if self.workers == 1 or first == 1:
            claims.started()
            claims.work()
        else:
            self._run_threads(claims, min(self.workers, FIRST_WORKERS, first))
        if claims.failure is None:
            claims.give_back()
            return claims.sent
        try:
            claims.give_back()
        except Exception:  # still unreachable: the leases expire and the claims come back then
            log.warning("could not give back the claims of a failed pass")
        raise claims.failure

    def _run_threads(self, claims: _Claims, first: int) -> None:
        """Work off the pass's claims on ``first`` threads, doubled (up to :attr:`workers`)
        each time CPU was to spare at two looks in a row, :data:`GROW_EVERY` apart."""
        spare = self.spare_cpu()
        threads: list[threading.Thread] = []

        def add(count: int) -> None:
            for _ in range(count):
                thread = threading.Thread(target=claims.work, name=f"goedwerk-dispatch-{len(threads)}", daemon=True)
                claims.started()
                threads.append(thread)
                thread.start()

        add(first)
        spared = 0  # looks in a row that found CPU to spare: the first moments of a pass wait on the database
        while not claims.wait_for_workers(GROW_EVERY):
            spared = spared + 1 if spare() else 0
            if spared >= 2 and len(threads) < self.workers:
                add(min(len(threads), self.workers - len(threads)))
                spared = 0
        for thread in threads:
            thread.join()
        log.debug("pass ran on %d threads", len(threads))

    def claim(self) -> list[actions.Claimed]:
        """Claim the next batch of due actions for this dispatcher (its own transaction)."""
        with self.db.transaction() as session:
            return actions.claim_due(session, owner=self.owner, now=self.clock.now(), lease=self.lease,
                                     limit=self.batch)

    def _run_one(self, action: actions.Claimed) -> int:
        try:
            effects = self.engine.run_action(action.id, self.owner)
        except Exception:
            log.exception("scheduled action %s (%s) failed before sending", action.id, action.kind)
            with self.db.transaction() as session:
                now = self.clock.now()
                actions.retry_later(session, action.id, self.owner, now + _backoff(action), now,
                                    "error before sending")
            return 0
        if effects is None:
            return 0
        failpoints.reached("after_reserve")
        try:
            errors = list(self.deliver(effects, resend=action.attempts > 1) or [])
        except Exception as error:  # the adapter itself broke; the outcome may be partial
            errors = [type(error).__name__]
        failpoints.reached("after_send")
        with self.db.transaction() as session:
            return self._record(session, action, errors, self.clock.now())

    def _run_together(self, chunk: list[actions.Claimed], claims: _Claims) -> int:
        """Run first attempts of weekly prompts as one batch: one transaction to prepare
        them all, each sent on its own, one transaction to record every outcome (and,
        with :attr:`records_sent`, where the messages landed). While its posts go out,
        the pass's idle workers may send some of them (see :class:`_Batch`)."""
        try:
            prepared = self.engine.run_weekly_prompts([action.id for action in chunk], self.owner)
        except Exception:  # nothing was reserved: each takes the one-by-one path with its own error handling
            log.exception("preparing %d weekly prompts together failed; one by one instead", len(chunk))
            return sum(self._run_one(action) for action in chunk)
        failpoints.reached("after_reserve")
        self._announce(prepared)
        delivery = Delivery() if self.records_sent else None
        where_sent = {"delivery": delivery} if delivery is not None else {}
        lease = _Lease(self, chunk)

        def send(effects: list[Effect]) -> list[str]:
            lease.keep()
            try:
                return list(self.deliver(effects, resend=False, **where_sent) or [])
            except Exception as error:  # the adapter itself broke; the outcome may be partial
                return [type(error).__name__]

        # None: moot (settled while preparing) or no longer ours
        batch = _Batch([(action, effects) for action in chunk
                        if (effects := prepared.get(action.id)) is not None], send)
        claims.offer(batch)
        try:
            outcomes = batch.send_all()
        finally:
            claims.withdraw(batch)
        failpoints.reached("after_send")
        with self.db.transaction() as session:
            now = self.clock.now()
            if delivery is not None:
                messages.remember_all(session, delivery.sent, now)
            went_out = [action.id for action, errors in outcomes if not errors]
            actions.settle_sent(session, went_out, self.owner, now)
            for action, errors in outcomes:
                if errors:
                    self._record(session, action, errors, now)
            return len(went_out)

    def _announce(self, prepared: dict[int, list[Effect] | None]) -> None:
        if self.before_sending is None:
            return
        try:
            self.before_sending([effect.place for effects in prepared.values() for effect in effects or ()])
        except Exception:  # only a head start: each post still finds its own way
            log.warning("before_sending failed", exc_info=True)

    def _record(self, session: Session, action: actions.Claimed, errors: list[str], now: datetime) -> int:
        """Settle a sent action by what the platform answered; 1 when it went out."""
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
        elif action.attempts >= (RATE_LIMITED_ATTEMPTS if _only_rate_limited(errors) else MAX_ATTEMPTS):
            actions.settle(session, action.id, self.owner, actions.FAILED, now, error=",".join(errors))
        else:
            actions.retry_later(session, action.id, self.owner, now + _backoff(action, errors), now,
                                ",".join(errors))
        return 0


class _Lease:
    """The lease of a batch being sent, renewed when half of it is gone: where Slack's limits
    bind, a hundred posts may take longer than the lease, and an expired lease would let
    another process take the rest for abandoned and send it again."""

    def __init__(self, dispatcher: Dispatcher, chunk: list[actions.Claimed]) -> None:
        self.dispatcher = dispatcher
        self._lock = threading.Lock()  # several workers may send the batch's posts
        self.ids = [action.id for action in chunk]
        self.until = min((action.lease_until for action in chunk if action.lease_until is not None),
                         default=dispatcher.clock.now())

    def keep(self) -> None:
        """Renew the lease of the batch (sent or not, its rows stay ours until recorded) if
        half of it has passed."""
        dispatcher = self.dispatcher
        with self._lock:
            now = dispatcher.clock.now()
            if now < self.until - dispatcher.lease / 2:
                return
            self.until = now + dispatcher.lease
            with dispatcher.db.transaction() as session:
                actions.renew_leases(session, self.ids, dispatcher.owner, self.until, now)


class _Batch:
    """The posts of a prepared batch of weekly prompts, and their outcomes.

    Its worker sends them in order (:meth:`send_all`); a worker of the same pass with
    nothing left to claim takes one from the far end (:meth:`help`). Where every post
    waits for a round trip to Slack, a minute's last batches would otherwise go one post
    at a time each while the other workers sit idle.
    """

    def __init__(self, posts: list[tuple[actions.Claimed, list[Effect]]],
                 send: Callable[[list[Effect]], list[str]]) -> None:
        self._posts = deque(posts)
        self._send = send
        self._outcomes: list[tuple[actions.Claimed, list[str]]] = []
        self._sending = 0
        self._lock = threading.Condition()

    def send_all(self) -> list[tuple[actions.Claimed, list[str]]]:
        """Send the posts no helper took; once the helpers' posts are done too, every
        outcome as ``(action, errors)``."""
        while self._post(self._take(from_end=False)):
            pass
        with self._lock:
            while self._sending:
                self._lock.wait()
            return list(self._outcomes)

    def help(self) -> bool:
        """Send one post that is still waiting; False when none is."""
        return self._post(self._take(from_end=True))

    def _take(self, from_end: bool) -> tuple[actions.Claimed, list[Effect]] | None:
        with self._lock:
            if not self._posts:
                return None
            self._sending += 1
            return self._posts.pop() if from_end else self._posts.popleft()

    def _post(self, post: tuple[actions.Claimed, list[Effect]] | None) -> bool:
        if post is None:
            return False
        action, effects = post
        errors = None
        try:
            errors = self._send(effects)
        finally:  # a failure (the lease could not be renewed) leaves the outcome unknown: not recorded
            with self._lock:
                if errors is not None:
                    self._outcomes.append((action, errors))
                self._sending -= 1
                self._lock.notify_all()
        return True


class _Claims:
    """The claimed actions of one pass, handed to its workers one at a time.

    A worker that finds the batch empty claims the next one; when a claim comes back
    empty (or a stop is requested), it helps send the posts of batches other workers are
    still sending, and ends when no worker has work in hand. :meth:`give_back` returns
    the claims nobody started.
    """

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher
        self.sent = 0
        self.failure: BaseException | None = None
        self._waiting: deque[actions.Claimed] = deque()
        self._lock = threading.Condition()
        self._in_hand = 0  # workers running something they took
        self._working = 0  # worker threads started and not yet done
        self._batches: list[_Batch] = []  # batches being sent, for idle workers to help with

    def fill(self) -> int:
        """Claim a batch into the queue; returns how many were claimed."""
        claimed = self.dispatcher.claim()
        self._waiting.extend(claimed)
        return len(claimed)

    def next(self) -> list[actions.Claimed]:
        """The next action, or several first-attempt weekly prompts in a row (up to
        :data:`TOGETHER`) to run as one batch, counted as in hand until the worker says it
        is done with them; empty when the pass is over."""
        with self._lock:
            if self.dispatcher.stop_requested.is_set() or self.failure is not None:
                return []
            if not self._waiting:
                self.fill()
            if not self._waiting:
                return []
            taken = [self._waiting.popleft()]
            while (len(taken) < TOGETHER and self._waiting and _together(taken[0])
                   and _together(self._waiting[0])):
                taken.append(self._waiting.popleft())
            self._in_hand += 1
            return taken

    def started(self) -> None:
        """Count a worker about to start :meth:`work` (so a wait cannot miss it)."""
        with self._lock:
            self._working += 1

    def wait_for_workers(self, timeout: float) -> bool:
        """Wait until every started worker is done, at most ``timeout`` seconds; whether they are."""
        with self._lock:
            return self._lock.wait_for(lambda: self._working == 0, timeout)

    def work(self) -> None:
        """Run claimed actions until there are none left, then help the other workers
        send what they hold (a worker thread's loop)."""
        try:
            self._work()
        finally:
            with self._lock:
                self._working -= 1
                self._lock.notify_all()

    def _work(self) -> None:
        try:
            while taken := self.next():
                sent = 0
                try:
                    dispatcher = self.dispatcher
                    sent = (dispatcher._run_together(taken, self) if _together(taken[0])
                            else dispatcher._run_one(taken[0]))
                finally:
                    with self._lock:
                        self.sent += sent
                        self._in_hand -= 1
                        self._lock.notify_all()
            self._help_until_done()
        except Exception as error:  # the database went away mid-pass: the ticker logs it and tries later
            with self._lock:
                self.failure = self.failure or error
                self._lock.notify_all()

    def offer(self, batch: _Batch) -> None:
        """Let idle workers help send ``batch``'s posts."""
        with self._lock:
            self._batches.append(batch)
            self._lock.notify_all()

    def withdraw(self, batch: _Batch) -> None:
        with self._lock:
            self._batches.remove(batch)

    def _help_until_done(self) -> None:
        """Send waiting posts of other workers' batches until no worker has work in hand."""
        while True:
            with self._lock:
                batches = list(self._batches)
            if any(batch.help() for batch in batches):  # one post, then look again
                continue
            with self._lock:
                if self._in_hand == 0:
                    return
                if self._batches == batches:  # nothing new to help with: wait for news
                    self._lock.wait(timeout=1.0)

    def give_back(self) -> None:
        """Return the claims nobody started to pending (a stop, or a failed pass)."""
        if not self._waiting:
            return
        dispatcher = self.dispatcher
        with dispatcher.db.transaction() as session:
            back = actions.release(session, [action.id for action in self._waiting], dispatcher.owner,
                                   dispatcher.clock.now())
        self._waiting.clear()
        log.info("pass ended early (stop or failure): %d claimed actions given back", back)


def _backoff(action: actions.Claimed, errors: Sequence[str] = ()) -> timedelta:
    """How long a failed attempt waits before the next: 30 s doubling per attempt, at most an hour;
    after rate limits only (the post was fine, Slack wanted it slower), 5 s per attempt, at most a minute."""
    if _only_rate_limited(errors):
        return timedelta(seconds=min(60, RATE_LIMITED_BACKOFF * action.attempts))
    return timedelta(seconds=min(3600, 30 * 2 ** action.attempts))


def _only_rate_limited(errors: Sequence[str]) -> bool:
    return bool(errors) and set(errors) == {RATE_LIMITED}


def _together(action: actions.Claimed) -> bool:
    """Whether the action may run in a batch: a weekly prompt never tried before."""
    return action.kind == WEEKLY_PROMPT and action.attempts == 1
