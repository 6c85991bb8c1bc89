"""The in-process ticker: APScheduler decides *when* the dispatcher runs a pass.

APScheduler holds no domain timers (those are rows): one interval job on a memory job
store, coalesced, never overlapping. After each pass the job is pulled forward to the
next due action if that is sooner than the next poll; ``wake()`` pulls it to now, which
the engine calls after it queued something.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from flows.scheduling.dispatcher import Dispatcher

log = logging.getLogger("goedwerk.ticker")
JOB_ID = "goedwerk-dispatch"


class _LongPassFilter(logging.Filter):
    """Drops APScheduler's warning that a poll was skipped because the pass still runs.

    A pass of a weekly fan-out outlasts many polls; skipping them is the design
    (``max_instances=1``), not a fault, and the warning came once per poll.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in record.getMessage()


_long_pass_filter = _LongPassFilter()


class Ticker:
    def __init__(self, dispatcher: Dispatcher, interval_seconds: float) -> None:
        self.dispatcher = dispatcher
        self.interval = interval_seconds
        self.scheduler = BackgroundScheduler(
            jobstores={"default": MemoryJobStore()},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone=UTC,
        )
        self._stopping = threading.Event()
        self._running = threading.Lock()  # held while a pass runs
        scheduler_log = logging.getLogger("apscheduler.scheduler")
        if _long_pass_filter not in scheduler_log.filters:
            scheduler_log.addFilter(_long_pass_filter)

    def start(self) -> None:
        self.scheduler.add_job(self._pass, "interval", seconds=self.interval, id=JOB_ID,
                               next_run_time=datetime.now(UTC))
        self.scheduler.start()

    def stop(self) -> None:
        """Stop after the action in progress (APScheduler's shutdown holds its job-store lock
        while it waits, so a pass must never touch the scheduler once stopping began)."""
        self._stopping.set()
        self.dispatcher.stop_requested.set()  # the pass in progress ends after its current action
        with self._running:
            pass
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)

    def wake(self) -> None:
        """Run a pass as soon as possible (something may have become due sooner)."""
        if self.scheduler.running and not self._stopping.is_set():
            self.scheduler.modify_job(JOB_ID, next_run_time=datetime.now(UTC))

    def _pass(self) -> None:
        with self._running:
            if not self._stopping.is_set():
                self._run_and_reschedule()

    def _run_and_reschedule(self) -> None:
        try:
            self.dispatcher.run_due()
            upcoming = self.dispatcher.next_due()
        except Exception:
            log.exception("dispatcher pass failed; retrying at the next poll")
            return
        job = self.scheduler.get_job(JOB_ID)
        if upcoming is not None and job is not None and job.next_run_time is not None:
            if upcoming < job.next_run_time:
                job.modify(next_run_time=max(upcoming, datetime.now(UTC)))
