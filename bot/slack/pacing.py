"""Pacing posts: per channel to Slack's one message per second, per workspace by its 429s.

A token bucket per channel lets a short burst through at once (a kickoff and its
first prompt) and spaces anything longer, so we rarely meet a 429 at all. A
workspace's limit is not published: :class:`WorkspaceCooldown` learns it from 429s.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger("goedwerk.slack")


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
class Pace:
    """How a workspace's posts are held back and spaced; times are seconds on one clock.

    The rules live here once, for a process's own paces and for those it shares with
    other processes through the database (:class:`bot.slack.shared_paces.SharedPaces`).
    """

    until: float = 0.0  # no posts before this (the last 429's Retry-After)
    spacing: float = 0.0  # seconds between posts, as set at ``set_at``
    set_at: float = 0.0
    next_slot: float = 0.0  # the earliest time the next post may go

    def spacing_at(self, now: float) -> float:
        return self.spacing * 0.5 ** ((now - self.set_at) / SPACING_HALF_LIFE)

    def slowed(self, now: float, seconds: float) -> None:
        """Slack answered 429 with Retry-After ``seconds``: hold for that long (a longer
        hold already set stays); a new 429 (not one more of the burst that set the hold)
        doubles the spacing."""
        if now >= self.until:
            self.spacing = min(MAX_SPACING, max(INITIAL_SPACING, 2 * self.spacing_at(now)))
            self.set_at = now
        self.until = max(self.until, now + seconds)

    def spent(self, now: float) -> bool:
        """Whether the hold is over and the spacing has faded away: the workspace posts freely."""
        return now >= self.until and self.spacing_at(now) < SPACING_FLOOR

    def take_slot(self, now: float) -> float:
        """Reserve the next send slot; returns how long to wait for it."""
        slot = max(now, self.until, self.next_slot)
        self.next_slot = slot + self.spacing_at(now)
        return slot - now


class PaceBoard(Protocol):
    """Workspace paces shared by every process posting with the same database (see
    :class:`bot.slack.shared_paces.SharedPaces`); times are seconds on the board's clock."""

    def slowed(self, workspace: str, seconds: float) -> None:
        """Slack answered one of the workspace's posts with 429 and Retry-After ``seconds``."""

    def take_slot(self, workspace: str) -> float | None:
        """Reserve the workspace's next send slot; how long to wait for it, or None when
        the board holds no pace for the workspace (any more)."""

    def paced(self, workspaces: Iterable[str]) -> tuple[dict[str, Pace], float]:
        """The paces the board holds for any of ``workspaces`` (spent ones left out), and
        the time on the board's clock they were read at."""

    def hold_left(self, workspace: str) -> float:
        """Seconds left of the workspace's hold on the board (0 when none)."""


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
    workspace's limit. A workspace that never saw a 429 costs one dictionary look-up.

    With a ``board``, processes share their paces: a 429 is written to the board, and a
    workspace this process knows to be paced takes its send slots from the board, so
    several processes together post at one workspace's pace instead of each at its own.
    A process learns of a pace another one set from a 429 of its own or from
    :meth:`adopt` (the dispatcher calls it before each batch). When the board cannot be
    reached, the process paces on its own and logs why.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep, board: PaceBoard | None = None) -> None:
        self.clock = clock
        self.sleep = sleep
        self.board = board
        self._lock = threading.Lock()
        self._paces: dict[str, Pace] = {}

    def hold(self, workspace: str, seconds: float) -> None:
        """No posts in ``workspace`` for ``seconds`` from now (a longer hold already set stays),
        then posts spaced more widely."""
        with self._lock:
            self._paces.setdefault(workspace, Pace()).slowed(self.clock(), seconds)
        if self.board is not None:
            try:
                self.board.slowed(workspace, seconds)
            except Exception:
                log.warning("could not share the pace of workspace %s; pacing it in this process only",
                            workspace, exc_info=True)

    def delay_for(self, workspace: str) -> float:
        """Reserve the workspace's next send slot; returns how long to wait for it."""
        with self._lock:
            if workspace not in self._paces:
                return 0.0
        shared = self._shared_slot(workspace)
        with self._lock:
            pace = self._paces.get(workspace)
            if pace is None:
                return shared or 0.0
            now = self.clock()
            if pace.spent(now) and not shared:  # faded here, and the board has no wait (or no pace) either
                del self._paces[workspace]
                return 0.0
            local = pace.take_slot(now)
            return local if shared is None else shared

    def _shared_slot(self, workspace: str) -> float | None:
        if self.board is None:
            return None
        try:
            return self.board.take_slot(workspace)
        except Exception:
            log.warning("could not take a shared send slot in workspace %s; pacing it in this process only",
                        workspace, exc_info=True)
            return None

    def adopt(self, workspaces: Iterable[str]) -> None:
        """Learn the board's paces of ``workspaces`` that this process does not pace yet
        (before posting to them); a failure is logged and changes nothing."""
        if self.board is None:
            return
        with self._lock:
            unknown = sorted(set(workspaces) - set(self._paces))
        if not unknown:
            return
        try:
            paces, board_now = self.board.paced(unknown)
        except Exception:
            log.warning("could not read the shared paces of %d workspaces", len(unknown), exc_info=True)
            return
        with self._lock:
            shift = self.clock() - board_now
            for workspace, pace in paces.items():
                self._paces.setdefault(workspace, Pace(pace.until + shift, pace.spacing, pace.set_at + shift,
                                                       pace.next_slot + shift))

    def remaining(self, workspace: str) -> float:
        """Seconds left of the workspace's hold in this process (0 when none)."""
        with self._lock:
            pace = self._paces.get(workspace)
            return 0.0 if pace is None else max(0.0, pace.until - self.clock())

    def wait(self, workspace: str) -> None:
        """Wait for the workspace's next send slot (at once when it is not held or spaced).

        A hold that began while waiting (another post's 429, here or in another process)
        outlasts the slot taken before it: the post then takes a slot after the hold
        instead of going into the next 429."""
        delay = self.delay_for(workspace)
        while delay > 0:
            self.sleep(delay)
            delay = self.delay_for(workspace) if self._held(workspace) else 0.0

    def _held(self, workspace: str) -> bool:
        """Whether the workspace is held now, here or on the board."""
        if self.remaining(workspace) > 0:
            return True
        if self.board is None:
            return False
        try:
            return self.board.hold_left(workspace) > 0
        except Exception:
            log.warning("could not read the shared hold of workspace %s", workspace, exc_info=True)
            return False


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
