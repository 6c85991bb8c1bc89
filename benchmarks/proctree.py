"""A server's process and its descendants (work processes), read from Linux's /proc.

`goedwerk run` hands its work to child processes (bot/runtime/processes.py), so the
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
        try:
            tasks = list(Path(f"/proc/{current}/task").iterdir())
        except OSError:  # gone
            continue
        found.append(current)
        for task in tasks:
            try:
                todo.extend(int(child) for child in (task / "children").read_text().split())
            except OSError:  # a thread that ended meanwhile (a threading server's, say)
                continue
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


def postmaster() -> int | None:
    """The pid of a PostgreSQL server on this machine (a ``postgres`` process whose parent
    is not one), or None when there is none to see (a remote server, SQLite)."""
    names = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                comm, rest = (entry / "stat").read_text().split(") ", 1)
            except OSError:
                continue
            names[int(entry.name)] = (comm.split("(", 1)[1], int(rest.split()[1]))
    return next((pid for pid, (comm, parent) in names.items()
                 if comm == "postgres" and names.get(parent, ("",))[0] != "postgres"), None)


def server_cpu_seconds(pid: int) -> float:
    """CPU used so far by a server that forks a process per connection (PostgreSQL): its
    live tree's, plus what its ended children used (the kernel adds that to the parent)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return cpu_seconds(pid) + (int(fields[13]) + int(fields[14])) / CLK_TCK
