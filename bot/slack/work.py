"""Work that follows an acknowledgement, on a few threads of its own.

Bolt runs each listener on its listener executor and answers Slack's HTTP request as
soon as the listener calls ``ack()``. If the listener then goes on with database and
Web API work on that same thread, a burst of requests fills the executor and the next
requests wait for a free thread before they can even acknowledge: Slack sees slow
acknowledgements exactly when the app is busy. So listeners only check and ``ack()``
on Bolt's threads and hand everything else to this queue; acknowledgements stay fast
under load, and the work queue absorbs the burst (its depth is logged when it grows).

The queue lives in memory: on a graceful stop (SIGTERM) :meth:`WorkQueue.close`
finishes what was acknowledged before the process exits.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

log = logging.getLogger("goedwerk.slack")

WORKERS = 6
"""Threads doing engine work; a few suffice, since the work is mostly CPU under one GIL."""
DEPTH_WARNING = 200
"""Log a warning whenever this many more requests are waiting (200, 400, ...)."""


class WorkQueue:
    """Runs acknowledged requests' work in arrival order on :data:`WORKERS` threads."""

    def __init__(self, workers: int = WORKERS) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="goedwerk-work")
        self._lock = threading.Lock()
        self._waiting = 0

    @property
    def waiting(self) -> int:
        """Requests acknowledged whose work has not finished yet."""
        with self._lock:
            return self._waiting

    def submit(self, work: Callable[..., object], *args: object, **kwargs: object) -> Future:
        """Queue ``work(*args, **kwargs)``; its exceptions are logged, never raised here."""
        with self._lock:
            self._waiting += 1
            if self._waiting % DEPTH_WARNING == 0:
                log.warning("%d acknowledged requests are waiting for their work", self._waiting)
        return self._pool.submit(self._run, work, args, kwargs)

    def _run(self, work: Callable[..., object], args: tuple, kwargs: dict) -> None:
        try:
            work(*args, **kwargs)
        except Exception:
            log.exception("work after acknowledging %s failed", getattr(work, "__name__", "a request"))
        finally:
            with self._lock:
                self._waiting -= 1

    def close(self) -> None:
        """Finish every queued piece of work, then stop the threads."""
        self._pool.shutdown(wait=True)
