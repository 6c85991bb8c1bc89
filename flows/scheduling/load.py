"""Whether one more dispatch thread would get work done sooner: is there CPU to spare?

A dispatcher's threads mostly wait for Slack's answers when Slack is far away, and
then more threads send more at once. When Slack answers at once, the threads run into
Python's interpreter lock (one thread runs at a time) or a machine whose cores are all
busy, and more threads only cost switching between them. :class:`SpareCpu` tells the
two apart from what the process and the machine used since it last looked.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import psutil

PROCESS_BUSY = 0.5
"""Share of one core above which this process counts as busy (its threads already run
most of the time; with the interpreter lock it cannot use much more than one core)."""
MACHINE_IDLE = 0.2
"""Share of the machine's CPU time that must have been idle for another thread to find a core."""

Reading = tuple[float, float, float, float]
"""(wall seconds, process CPU seconds, machine idle seconds, machine total seconds)."""


def _read() -> Reading:
    machine = psutil.cpu_times()
    idle = machine.idle + getattr(machine, "iowait", 0.0)
    return time.monotonic(), time.process_time(), idle, sum(machine)


class SpareCpu:
    """Answers, each time it is called, whether CPU was to spare since the call before
    (for the first call: since it was made): this process used less than
    :data:`PROCESS_BUSY` of a core, and at least :data:`MACHINE_IDLE` of the machine was idle."""

    def __init__(self, read: Callable[[], Reading] = _read) -> None:
        self._read = read
        self._last = read()

    def __call__(self) -> bool:
        now = self._read()
        (wall, cpu, idle, total), self._last = self._last, now
        elapsed = now[0] - wall
        if elapsed <= 0:
            return False
        process_share = (now[1] - cpu) / elapsed
        machine_total = now[3] - total
        machine_idle = (now[2] - idle) / machine_total if machine_total > 0 else 1.0
        return process_share < PROCESS_BUSY and machine_idle >= MACHINE_IDLE
