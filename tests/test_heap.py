"""What a long-running process has built at start is kept out of the garbage collector's
walks; what it makes later is still collected."""

from __future__ import annotations

import gc

from bot.heap import freeze_startup_objects


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def test_startup_objects_leave_the_collectors_generations_and_later_garbage_is_still_collected() -> None:
    built_at_start = Node()
    try:
        freeze_startup_objects()
        assert gc.get_freeze_count() > 0
        assert all(tracked is not built_at_start for tracked in gc.get_objects()), "no longer walked"

        first, second = Node(), Node()
        first.other, second.other = second, first  # a cycle made after start, then dropped
        del first, second
        assert gc.collect() >= 2, "garbage made later is collected as before"
    finally:
        gc.unfreeze()
