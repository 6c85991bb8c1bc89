"""A server's process and its descendants (work processes), read from Linux's /proc.

`goedwerk run` hands its work to child processes (bot/slack/work_processes.py), so the
benchmarks count CPU and memory over the whole tree, not the serving process alone.
"""

from __future__ import annotations

import os
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")


def tree(pid: int) -> list[int]:
    """``pid`` and every live descendant of it (empty when ``pid`` is gone)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        tasks = Path(f"/proc/{current}/task")
        try:
            children = [int(child) for task in tasks.iterdir()
                        for child in (task / "children").read_text().split()]
        except OSError:
            continue
        found.append(current)
        todo.extend(children)
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU used so far by ``pid`` and its live descendants; NaN when unreadable."""
    total = 0
    for member in tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / CLK_TCK if total or tree(pid) else float("nan")


def rss(pid: int) -> int:
    """Resident memory (VmRSS, bytes) of ``pid`` and its live descendants, summed: pages the
    processes share are counted once per process, so this is an upper bound."""
    total = 0
    for member in tree(pid):
        try:
            lines = Path(f"/proc/{member}/status").read_text().splitlines()
        except OSError:
            continue
        total += next((int(line.split()[1]) * 1024 for line in lines if line.startswith("VmRSS:")), 0)
    return total


def count(pid: int) -> int:
    """How many processes the tree has (the server and its work processes)."""
    return len(tree(pid))
