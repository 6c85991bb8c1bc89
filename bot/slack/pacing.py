"""Pacing posts to about one message per second per channel (Slack's chat.postMessage rule).

A token bucket per channel lets a short burst through at once (a kickoff and its
first prompt) and spaces anything longer, so we rarely meet a 429 at all.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


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


class WorkspaceCooldown:
    """Holds a workspace's posts back after Slack said it is sending too fast.

    Slack does not publish its per-workspace limit for ``chat.postMessage``; it answers
    429 with ``Retry-After``. One such answer is shared here (see
    :func:`bot.slack.clients.build_client`), so every other thread that is about to post
    in that workspace waits it out too, instead of collecting a 429 of its own.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.clock = clock
        self.sleep = sleep
        self._lock = threading.Lock()
        self._until: dict[str, float] = {}  # workspace -> when posting may resume

    def hold(self, workspace: str, seconds: float) -> None:
        """No posts in ``workspace`` for ``seconds`` from now (a longer hold already set stays)."""
        with self._lock:
            self._until[workspace] = max(self._until.get(workspace, 0.0), self.clock() + seconds)

    def remaining(self, workspace: str) -> float:
        with self._lock:
            until = self._until.get(workspace)
            if until is not None and until <= self.clock():
                del self._until[workspace]
                return 0.0
            return 0.0 if until is None else until - self.clock()

    def wait(self, workspace: str) -> None:
        delay = self.remaining(workspace)
        if delay > 0:
            self.sleep(delay)
