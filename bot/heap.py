"""Keeping a long-running process's garbage collector off the objects it started with."""

from __future__ import annotations

import gc


def freeze_startup_objects() -> None:
    """Move every object alive now out of the garbage collector's reach.

    Once a process has imported its modules and built its services (the content pack,
    the Bolt app, SQLAlchemy's tables) those objects live as long as it does, yet every
    full collection walks them all again: about 130,000 objects, a fifth of the CPU the
    dispatcher spent per weekly prompt (benchmarks/README.md). Objects made later are
    collected as before; frozen ones that become garbage are simply never freed.
    """
    gc.collect()
    gc.freeze()
