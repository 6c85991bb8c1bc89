"""Work processes: children of `goedwerk run` whose threads claim and finish the inbox's rows.

The acknowledging process keeps its interpreter lock for checking, recording and
acknowledging requests; the work runs in :data:`bot.runtime.workers.InboxWorkers` in
``count`` spawned children, at a lower OS priority (:data:`NICENESS`). A child builds
its own services on the same database with a *factory* (``"module:function"``, called
with the settings, returning :class:`Served`), so this module knows no platform.

Each child has a pipe to its parent, used both ways:

- the parent writes :data:`WAKE` after recording a request (to one child in turn):
  the child's claimer looks at the inbox at once instead of at its next poll;
- the child writes :data:`READY` once its workers run (the parent's ``/healthz``
  answers 200 only when every child did) and :data:`SCHEDULED` when its work may
  have queued timed actions (the parent's dispatcher then looks);
- :data:`STOP` asks it to stop: finish what is in hand within a few seconds, exit.

A child never outlives its parent: it asks Linux to send it SIGTERM when the parent
dies (``PR_SET_PDEATHSIG``), and it stops when its pipe reaches end-of-file, which
happens however the parent ended. A child that dies is started again (its rows come
back to whoever claims next when their leases run out).
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import logging
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from bot.runtime.workers import InboxWorkers, Runner
from flows.engine.core import Engine
from flows.store.db import Database

log = logging.getLogger("goedwerk.requests")

WAKE, READY, SCHEDULED, STOP = b"w", b"r", b"s", b"q"
NICENESS = 10
"""How much lower the children's OS priority is than the acknowledging process's."""
RESTART_AFTER = 1.0
"""Seconds before a child that died is started again."""
PR_SET_PDEATHSIG = 1


@dataclass
class Served:
    """What a child's factory builds: its database, its engine and the runners of its platforms."""

    db: Database
    engine: Engine
    runners: Mapping[str, Runner]
    threads: int | None = None
    lease: float | None = None


def die_with_parent(parent: int) -> None:
    """Have the kernel send us SIGTERM when our parent ends (Linux); exit now if it already did."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(0)


def _factory(path: str) -> Callable[..., Served]:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def child_main(factory: str, settings: object, connection: Connection, parent: int) -> None:
    """A work process: build, report ready, claim and run rows until told to stop or orphaned."""
    die_with_parent(parent)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the parent, which stops us in order
    with contextlib.suppress(OSError):
        os.nice(NICENESS)
    served = _factory(factory)(settings)
    sending = threading.Lock()

    def tell(message: bytes) -> None:
        with sending, contextlib.suppress(OSError, ValueError):
            connection.send_bytes(message)

    served.engine.on_schedule(lambda: tell(SCHEDULED))
    options: dict[str, Any] = {name: value for name, value in (("threads", served.threads), ("lease", served.lease))
                               if value}
    workers = InboxWorkers(served.db, served.runners, **options)
    workers.start()
    tell(READY)

    def listen() -> None:
        while not stop.is_set():
            try:
                message = connection.recv_bytes()
            except (EOFError, OSError):  # the parent is gone
                stop.set()
                return
            if message == STOP:
                stop.set()
                return
            workers.wake()

    threading.Thread(target=listen, name="goedwerk-parent-pipe", daemon=True).start()
    stop.wait()
    workers.stop()
    served.db.dispose()
    os._exit(0)  # daemon threads still waiting on the platform are dropped with the process


class _Child:
    def __init__(self, process: multiprocessing.process.BaseProcess, connection: Connection) -> None:
        self.process = process
        self.connection = connection
        self.ready = False
        self.lock = threading.Lock()

    def send(self, message: bytes) -> bool:
        with self.lock:
            try:
                self.connection.send_bytes(message)
                return True
            except (OSError, ValueError):
                return False


class WorkProcesses:
    """``count`` children running the inbox's workers, built by ``factory`` from ``settings``;
    ``on_scheduled()`` hears when one may have queued timed actions."""

    def __init__(self, factory: str, settings: object, count: int,
                 on_scheduled: Callable[[], None] = lambda: None) -> None:
        self.factory = factory
        self.settings = settings
        self.count = count
        self.on_scheduled = on_scheduled
        self._context = multiprocessing.get_context("spawn")
        self._children: list[_Child | None] = [None] * count
        self._turn = 0
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._restarts: queue.SimpleQueue = queue.SimpleQueue()

    @property
    def ready(self) -> bool:
        """Whether every child runs its workers."""
        with self._lock:
            children = list(self._children)
        return all(child is not None and child.ready and child.process.is_alive() for child in children)

    @property
    def pids(self) -> list[int]:
        """The process ids of the children now running."""
        with self._lock:
            return [child.process.pid for child in self._children
                    if child is not None and child.process.is_alive() and child.process.pid]

    def start(self) -> None:
        """Start every child, and the thread that replaces children that die. Call it from a
        thread that lives as long as the children should (the main thread): Linux ends a
        child when the thread that made it ends."""
        for slot in range(self.count):
            self._start(slot)
        threading.Thread(target=self._keep, name="goedwerk-children", daemon=True).start()

    def _keep(self) -> None:
        """Start a child in place of each that died, one second on, until stopping."""
        while True:
            slot = self._restarts.get()
            if slot is None or self._stopping.is_set():
                return
            time.sleep(RESTART_AFTER)
            if not self._stopping.is_set():
                self._start(slot)

    def _start(self, slot: int) -> None:
        ours, theirs = self._context.Pipe(duplex=True)
        process = self._context.Process(target=child_main, name=f"goedwerk-work-{slot}",
                                        args=(self.factory, self.settings, theirs, os.getpid()), daemon=False)
        process.start()
        theirs.close()
        child = _Child(process, ours)
        with self._lock:
            self._children[slot] = child
        threading.Thread(target=self._listen, args=(slot, child), name=f"goedwerk-child-{slot}",
                         daemon=True).start()

    def _listen(self, slot: int, child: _Child) -> None:
        """Hear a child until its pipe closes; then start another in its place unless stopping."""
        while True:
            try:
                message = child.connection.recv_bytes()
            except (EOFError, OSError):
                break
            if message == READY:
                child.ready = True
                log.info("work process %d (pid %s) is ready", slot, child.process.pid)
            elif message == SCHEDULED:
                self.on_scheduled()
        child.ready = False
        child.process.join(5)
        if self._stopping.is_set():
            return
        log.error("work process %d (pid %s) ended with %s; starting another", slot, child.process.pid,
                  child.process.exitcode)
        self._restarts.put(slot)

    def wake(self) -> None:
        """Tell one child in turn that a request waits."""
        with self._lock:
            children = [child for child in self._children if child is not None and child.ready]
            if not children:
                return
            self._turn = (self._turn + 1) % len(children)
            child = children[self._turn]
        child.send(WAKE)

    def stop(self, timeout: float = 6.0) -> None:
        """Ask every child to stop, wait up to ``timeout`` seconds, then kill what is left."""
        self._stopping.set()
        self._restarts.put(None)
        with self._lock:
            children = [child for child in self._children if child is not None]
        for child in children:
            child.send(STOP)
        deadline = time.monotonic() + timeout
        for child in children:
            child.process.join(max(0.0, deadline - time.monotonic()))
            if child.process.is_alive():
                log.warning("work process pid %s did not stop in time; killed", child.process.pid)
                child.process.kill()
                child.process.join(2)
            child.connection.close()
