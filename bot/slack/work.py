"""Work that follows an acknowledgement, on a few threads of its own.

Bolt runs each listener on its listener executor and answers Slack's HTTP request as
soon as the listener calls ``ack()``. If the listener then goes on with database and
Web API work on that same thread, a burst of requests fills the executor and the next
requests wait for a free thread before they can even acknowledge: Slack sees slow
acknowledgements exactly when the app is busy. So listeners only check and ``ack()``
on Bolt's threads and hand everything else to this queue; acknowledgements stay fast
under load, and the work queue absorbs the burst (its depth is logged when it grows).

Two lanes share the worker threads through one :class:`queue.PriorityQueue`:

- the *form lane* (:meth:`WorkQueue.submit_form`) for work that opens a form with the
  request's ``trigger_id``, which Slack honours for only 3 seconds. It always goes
  ahead of waiting normal work. When such work comes up more than
  :data:`TRIGGER_BUDGET` seconds after it was submitted, its ``too_late`` callback
  runs instead (telling the person), since ``views.open`` would fail anyway;
- the *normal lane* (:meth:`WorkQueue.submit`) for everything else.

Each lane keeps arrival order. Under a sustained overload the form lane can hold
normal work back; normal work is never dropped, only delayed.

The queue lives in memory: on a graceful stop (SIGTERM) :meth:`WorkQueue.close`
finishes what was acknowledged before the process exits. Its threads are daemons, so
a process that never calls :meth:`~WorkQueue.close` (a test, a script) still exits.

Where the work runs is the queue's ``run`` strategy: by default on the worker thread
itself; `goedwerk run` hands each :class:`Job` to a child process instead
(:mod:`bot.slack.work_processes`), so the acknowledging threads keep this process's
interpreter lock to themselves. Listeners therefore submit module-level functions with
plain arguments (see :mod:`bot.slack.work_processes` for what may travel).
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field

log = logging.getLogger("goedwerk.slack")

WORKERS = 6
"""Threads doing engine work; a few suffice, since the work is mostly CPU under one GIL."""
DEPTH_WARNING = 200
"""Log a warning whenever this many more requests are waiting (200, 400, ...)."""
TRIGGER_BUDGET = 2.5
"""Seconds after submitting that form work may still start: Slack's trigger id lives 3 s,
and the request reached us a little after Slack made it."""

_FORM, _NORMAL, _STOP = 0, 1, 2  # lanes, in the order workers take them


@dataclass(frozen=True)
class Job:
    """``work(*args, **kwargs)``, held as its parts so it can also run in another process."""

    work: Callable[..., object]
    args: tuple = ()
    kwargs: Mapping[str, object] = field(default_factory=dict)

    def __call__(self) -> object:
        return self.work(*self.args, **self.kwargs)

    @property
    def name(self) -> str:
        return getattr(self.work, "__name__", "a request")


def run_here(job: Callable[[], object]) -> object:
    """The default ``run`` strategy: on the worker thread itself."""
    return job()


class WorkQueue:
    """Runs acknowledged requests' work on :data:`WORKERS` threads, form work first.

    ``run(job)`` runs one piece of work and returns its result (:func:`run_here`, or a
    child process's runner); ``clock`` (monotonic seconds) and ``trigger_budget`` are
    there for tests.
    """

    def __init__(self, workers: int = WORKERS, *, trigger_budget: float = TRIGGER_BUDGET,
                 clock: Callable[[], float] = time.monotonic,
                 run: Callable[[Callable[[], object]], object] = run_here) -> None:
        self.trigger_budget = trigger_budget
        self.clock = clock
        self._run = run
        self._size = workers
        self._queue: queue.PriorityQueue = queue.PriorityQueue()
        self._numbers = itertools.count()  # arrival order within a lane
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._waiting = 0
        self._closed = False

    @property
    def waiting(self) -> int:
        """Requests acknowledged whose work has not finished yet."""
        with self._lock:
            return self._waiting

    def submit(self, work: Callable[..., object], *args: object, **kwargs: object) -> Future:
        """Queue ``work(*args, **kwargs)`` in the normal lane; its exceptions are logged, never raised here."""
        return self._put(_NORMAL, Job(work, args, kwargs), None)

    def submit_form(self, work: Callable[..., object], *args: object,
                    too_late: Callable[[], object], **kwargs: object) -> Future:
        """Queue ``work(*args, **kwargs)``, which opens a form with a trigger id received just now,
        ahead of normal work; if it cannot start within :attr:`trigger_budget` seconds,
        ``too_late()`` (a :class:`Job`, where work runs in child processes) runs instead."""
        return self._put(_FORM, Job(work, args, kwargs), too_late)

    def _put(self, lane: int, job: Job, too_late: Callable[[], object] | None) -> Future:
        future: Future = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the work queue is closed")
            self._waiting += 1
            if self._waiting % DEPTH_WARNING == 0:
                log.warning("%d acknowledged requests are waiting for their work", self._waiting)
            if len(self._threads) < min(self._size, self._waiting):  # start threads as work needs them
                thread = threading.Thread(target=self._work, name=f"goedwerk-work_{len(self._threads)}",
                                          daemon=True)
                thread.start()
                self._threads.append(thread)
            self._queue.put((lane, next(self._numbers), future, job, too_late, self.clock()))
        return future

    def _due(self, job: Job, too_late: Callable[[], object] | None, submitted: float) -> Callable[[], object]:
        """The job, or its ``too_late`` when it is form work whose trigger has grown too old."""
        age = self.clock() - submitted
        if too_late is None or age <= self.trigger_budget:
            return job
        log.warning("%s came up %.1f s after its request: trigger too old, form not opened", job.name, age)
        return too_late

    def _work(self) -> None:
        """One worker thread: take the first item of the most urgent lane until told to stop."""
        while True:
            lane, _, future, job, too_late, submitted = self._queue.get()
            if lane == _STOP:
                return
            try:
                if future.set_running_or_notify_cancel():
                    future.set_result(self._run(self._due(job, too_late, submitted)))
            except Exception:
                log.exception("work after acknowledging %s failed", job.name)
                future.set_result(None)
            finally:
                with self._lock:
                    self._waiting -= 1

    def close(self) -> None:
        """Finish every queued piece of work (both lanes), then stop the threads; later submits raise."""
        with self._lock:
            self._closed = True
            threads = list(self._threads)
            for _ in threads:  # the stop lane sorts after all real work
                self._queue.put((_STOP, next(self._numbers), None, None, None, 0.0))
        for thread in threads:
            thread.join()
