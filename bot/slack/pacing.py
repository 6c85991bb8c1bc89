"""Pacing posts: per channel to Slack's one message per second, per workspace by its 429s.

A token bucket per channel lets a short burst through at once (a kickoff and its
first prompt) and spaces anything longer, so we rarely meet a 429 at all. A
workspace's limit is not published: :class:`WorkspaceCooldown` learns it from 429s.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


class ChannelPacer:
    def __init__(self, rate: float = 1.0, burst: int = 3, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.sleep = sleep
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # channel -> (tokens, when)

    def delay_for(self, channel: str) -> float:
        """Reserve a send slot in ``channel``; returns how long to wait before sending."""
        with self._lock:
            now = self.clock()
            tokens, then = self._buckets.get(channel, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - then) * self.rate) - 1
            self._buckets[channel] = (tokens, now)
            return max(0.0, -tokens / self.rate)

    def wait(self, channel: str) -> None:
        delay = self.delay_for(channel)
        if delay > 0:
            self.sleep(delay)


INITIAL_SPACING = 0.1
"""Seconds between a workspace's posts after its first 429 (then doubled per 429)."""
MAX_SPACING = 2.0
SPACING_HALF_LIFE = 15.0
"""Without a new 429, the spacing halves every this many seconds..."""
SPACING_FLOOR = 0.005
"""...and below this it is dropped: the workspace posts freely again."""


@dataclass
class _Pace:
    until: float = 0.0  # no posts before this (the last 429's Retry-After)
    spacing: float = 0.0  # seconds between posts, as set at ``set_at``
    set_at: float = 0.0
    next_slot: float = 0.0  # the earliest time the next post may go

    def spacing_at(self, now: float) -> float:
        return self.spacing * 0.5 ** ((now - self.set_at) / SPACING_HALF_LIFE)


class WorkspaceCooldown:
    """Holds a workspace's posts back after Slack said it is sending too fast, and then
    spaces them.

    Slack does not publish its per-workspace limit for ``chat.postMessage``; it answers
    429 with ``Retry-After``. One such answer is shared here (see
    :func:`bot.slack.clients.build_client`): every thread about to post in that workspace
    waits it out too, instead of collecting a 429 of its own. When the hold ends, the
    waiting posts go one by one, a *spacing* apart, rather than all at once into the
    next 429. The spacing starts at :data:`INITIAL_SPACING`, doubles with each 429 that
    comes after the hold it started (so a burst of 429s counts once), and halves every
    :data:`SPACING_HALF_LIFE` seconds without one: the pace settles near the
    workspace's limit, also when several processes post there, each learning from
    its own 429s. A workspace that never saw a 429 costs one dictionary look-up.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.clock = clock
        self.sleep = sleep
        self._lock = threading.Lock()
        self._paces: dict[str, _Pace] = {}

    def hold(self, workspace: str, seconds: float) -> None:
        """No posts in ``workspace`` for ``seconds`` from now (a longer hold already set stays),
        then posts spaced more widely."""
        with self._lock:
            now = self.clock()
            pace = self._paces.setdefault(workspace, _Pace())
            if now >= pace.until:  # a new 429, not one more of the burst that set the hold
                pace.spacing = min(MAX_SPACING, max(INITIAL_SPACING, 2 * pace.spacing_at(now)))
                pace.set_at = now
            pace.until = max(pace.until, now + seconds)

    def delay_for(self, workspace: str) -> float:
        """Reserve the workspace's next send slot; returns how long to wait for it."""
        with self._lock:
            pace = self._paces.get(workspace)
            if pace is None:
                return 0.0
            now = self.clock()
            spacing = pace.spacing_at(now)
            if now >= pace.until and spacing < SPACING_FLOOR:
                del self._paces[workspace]
                return 0.0
            slot = max(now, pace.until, pace.next_slot)
            pace.next_slot = slot + spacing
            return slot - now

    def remaining(self, workspace: str) -> float:
        """Seconds left of the workspace's hold (0 when none)."""
        with self._lock:
            pace = self._paces.get(workspace)
            return 0.0 if pace is None else max(0.0, pace.until - self.clock())

    def wait(self, workspace: str) -> None:
        """Wait for the workspace's next send slot (at once when it is not held or spaced)."""
        delay = self.delay_for(workspace)
        if delay > 0:
            self.sleep(delay)


WORKSPACE_IN_FLIGHT = 4
"""Posts one process has under way in one workspace at most (see :class:`WorkspaceSlots`)."""


class WorkspaceSlots:
    """At most :data:`WORKSPACE_IN_FLIGHT` posts under way per workspace in this process.

    The dispatcher's many threads mostly post to different workspaces, each waiting for
    its own round trip. Where many channels of one workspace are due together, more posts
    at once than its limit allows only collect 429s, and each 429 widens the spacing
    :class:`WorkspaceCooldown` keeps; a few at once already post faster than Slack lets
    one workspace post. A thread over the cap waits for a slot.
    """

    def __init__(self, limit: int = WORKSPACE_IN_FLIGHT) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._slots: dict[str, threading.BoundedSemaphore] = {}

    def of(self, workspace: str) -> threading.BoundedSemaphore:
        """The workspace's slots: ``with slots.of(team): …`` holds one while posting."""
        with self._lock:
            slots = self._slots.get(workspace)
            if slots is None:
                slots = self._slots[workspace] = threading.BoundedSemaphore(self.limit)
            return slots
