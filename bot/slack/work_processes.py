"""Acknowledged work in child processes, so acknowledgements keep an interpreter to themselves.

The threads of :mod:`bot.slack.work` share one interpreter lock with the threads that
acknowledge Slack's requests. At a couple of hundred interactions a second the work
needs more than a core of Python, and the acknowledgements queue behind it for the
lock. With ``GOEDWERK_WORK_PROCESSES`` above 0, `goedwerk run` keeps acknowledging,
choosing the lane and judging whether a form is still in time in its own process, and
hands each :class:`~bot.slack.work.Job` to one of that many child processes. They run
at a lower OS priority (:data:`NICENESS`): when the cores are busy, acknowledging wins.

A job crosses as a module-level function and plain arguments (dicts, lists, strings,
numbers). Three things stand in for themselves: the app's :class:`SlackServices`
(the child uses its own, built from the same settings on the same database), a
``WebClient`` (rebuilt in the child with the same token) and Bolt's ``respond`` (rebuilt
from its ``response_url``). A job with anything else cannot travel: it runs in the
serving process, with an error in the log (a listener to mend).

A child that dies takes its job with it; the job runs once more in a fresh pool (the
engine's writes are idempotent where it matters: a contribution carries its form's
id). When that fails too, or children cannot start at all, the job runs in the
serving process, so nothing acknowledged is dropped.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, cast

from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from bot.heap import freeze_startup_objects
from bot.logs import configure as configure_logging
from bot.services import build_services
from bot.settings import Settings
from bot.slack.app import SlackApp, build_app
from bot.slack.clients import build_client
from bot.slack.services import SlackServices
from bot.slack.work import Job, WorkQueue
from flows.clock import SystemClock

log = logging.getLogger("goedwerk.slack")

NICENESS = 10
"""How much lower the children's OS priority is than the acknowledging process's."""
RETRY_CHILDREN_AFTER = 60.0
"""Seconds work stays in the serving process after the children kept failing."""
CLIENTS_KEPT = 1000
"""Web API clients a child keeps, one per token (forgotten all at once beyond this)."""


@dataclass(frozen=True)
class StandIn:
    """What crosses to the child in place of something it rebuilds: ``kind`` is
    ``services``, ``client`` (``detail``: the token) or ``respond`` (``detail``: the URL)."""

    kind: str
    detail: str | None = None


Portable = tuple[str, str, tuple, dict]
"""A job as it crosses: (module, function name, arguments, keyword arguments)."""


def encode(job: object) -> Portable:
    """``job`` in a form another process can run; TypeError when it cannot travel."""
    if not isinstance(job, Job):
        raise TypeError(f"work for a child process must be a Job, not {type(job).__name__}")
    module, name = getattr(job.work, "__module__", None), getattr(job.work, "__qualname__", "")
    if not module or not name.isidentifier() or getattr(importlib.import_module(module), name, None) is not job.work:
        raise TypeError(f"{name or job.work!r} is not a module-level function")
    return module, name, tuple(_encode(value) for value in job.args), {
        key: _encode(value) for key, value in job.kwargs.items()}


def _encode(value: object) -> object:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, SlackServices):
        return StandIn("services")
    if isinstance(value, WebClient):
        return StandIn("client", value.token)
    if isinstance(value, Respond):
        return StandIn("respond", value.response_url)
    if isinstance(value, (list, tuple)):
        return type(value)(_encode(item) for item in value)
    if isinstance(value, dict):
        return {key: _encode(item) for key, item in value.items()}
    raise TypeError(f"a {type(value).__name__} cannot be handed to a work process")


# --- the child's side ------------------------------------------------------------------


@dataclass
class _Child:
    settings: Settings
    services: SlackServices
    clients: dict[str, WebClient]
    scheduled: threading.Event


_child: _Child | None = None


def _start_child(settings: Settings) -> None:
    """A child's initializer: its own services on the same database, at a lower priority."""
    global _child
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the parent, which stops us in order
    with contextlib.suppress(OSError):
        os.nice(NICENESS)
    configure_logging(settings.log_level)
    services = build_services(settings, SystemClock(), upgrade=False)
    slack = build_app(settings, services, socket_mode=bool(settings.slack_app_token))
    scheduled = threading.Event()
    services.engine.on_schedule(scheduled.set)
    _child = _Child(settings, slack.services, {}, scheduled)
    freeze_startup_objects()


def _decode(value: object, child: _Child) -> object:
    if isinstance(value, StandIn):
        if value.kind == "services":
            return child.services
        if value.kind == "respond":
            return Respond(response_url=value.detail)
        return _client(child, value.detail)
    if isinstance(value, (list, tuple)):
        return type(value)(_decode(item, child) for item in value)
    if isinstance(value, dict):
        return {key: _decode(item, child) for key, item in value.items()}
    return value


def _client(child: _Child, token: str | None) -> WebClient:
    key = token or ""
    client = child.clients.get(key)
    if client is None:
        if len(child.clients) >= CLIENTS_KEPT:
            child.clients.clear()
        client = child.clients[key] = build_client(child.settings.slack_api_url, token)
    return client


def _job(portable: Portable, child: _Child) -> Job:
    module, name, args, kwargs = portable
    work = getattr(importlib.import_module(module), name)
    return Job(work, cast(tuple[Any, ...], _decode(args, child)), cast(dict[str, object], _decode(kwargs, child)))


def _run_in_child(portable: Portable) -> bool:
    """Run one job here; True when it may have queued timed actions (the parent's scheduler
    should look). Failures are logged here, like on a worker thread."""
    if _child is None:
        raise RuntimeError("this work process was not started with _start_child")
    _child.scheduled.clear()
    job = None
    try:
        job = _job(portable, _child)
        job()
    except Exception:
        log.exception("work after acknowledging %s failed", job.name if job else portable[1])
    return _child.scheduled.is_set()


def _ready() -> None:
    """A no-op that makes the pool start a child."""


# --- the parent's side -----------------------------------------------------------------

DEFAULT_PROCESSES = 2


def processes_wanted(settings: Settings, database_shared: bool) -> int:
    """``GOEDWERK_WORK_PROCESSES``, or :data:`DEFAULT_PROCESSES` when unset; 0 when the
    database cannot be shared with other processes (in-memory SQLite)."""
    if not database_shared:
        return 0
    return DEFAULT_PROCESSES if settings.work_processes is None else settings.work_processes


class WorkProcesses:
    """``processes`` children that run jobs one at a time each: :meth:`run` is the
    :class:`~bot.slack.work.WorkQueue`'s ``run`` strategy (give the queue as many
    workers as there are children). ``on_scheduled()`` hears when a job may have queued
    timed actions."""

    def __init__(self, settings: Settings, processes: int, on_scheduled: Callable[[], None]) -> None:
        self.settings = settings
        self.processes = processes
        self.on_scheduled = on_scheduled
        self._lock = threading.Lock()
        self._pool = self._new_pool()
        self._here_until = 0.0  # monotonic time until which jobs run in this process

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_start_child, initargs=(self.settings,))

    def warm_up(self) -> None:
        """Start every child now rather than on the first request (which would wait for it)."""
        with self._lock:
            for _ in range(self.processes):
                self._pool.submit(_ready)

    def run(self, job: Callable[[], object]) -> object:
        """Run ``job`` in a child and wait for it. When children die twice during it (or
        cannot start at all), it runs here on the calling thread instead: slower
        acknowledgements for a while (:data:`RETRY_CHILDREN_AFTER`), but nothing acknowledged
        is dropped."""
        if time.monotonic() < self._here_until:
            return job()
        try:
            portable = encode(job)
        except TypeError as error:
            log.error("work that cannot travel to a work process runs in the serving process: %s", error)
            return job()
        for attempt in (1, 2):
            with self._lock:
                pool = self._pool
            try:
                if pool.submit(_run_in_child, portable).result():
                    self.on_scheduled()
                return None
            except BrokenProcessPool:
                log.error("a work process died during %s (attempt %d of 2)", portable[1], attempt)
                with self._lock:
                    if self._pool is pool:
                        self._pool = self._new_pool()
        log.error("work processes keep failing: %s and the work of the next %.0f s run in the serving process "
                  "instead", portable[1], RETRY_CHILDREN_AFTER)
        self._here_until = time.monotonic() + RETRY_CHILDREN_AFTER
        return job()

    def close(self) -> None:
        """Wait for running jobs, then stop the children."""
        with self._lock:
            pool = self._pool
        pool.shutdown(wait=True)


def attach(slack: SlackApp, settings: Settings) -> WorkProcesses | None:
    """Give ``slack``'s listeners a work queue whose jobs run in child processes (started
    now, in the background); None, and the queue left alone, when none are wanted.
    Close the queue first, then the returned processes."""
    processes = processes_wanted(settings, slack.services.db.concurrent)
    if processes == 0:
        return None
    children = WorkProcesses(settings, processes, slack.services.engine.scheduled)
    children.warm_up()
    slack.services.work = WorkQueue(processes, run=children.run)
    log.info("work after acknowledging runs in %d child processes", processes)
    return children
