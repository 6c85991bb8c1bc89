"""Slack Web API clients: base URL from settings, rate-limit retries, one token per team."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.slack.transport import PooledWebClient

log = logging.getLogger("goedwerk.slack")

RATE_LIMIT_RETRIES = 3
PACED_RETRIES = 6
"""Retries after 429s when each waits for the workspace's next send slot (cheap to wait)."""


class SharedRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """slack_sdk's 429 handler that also reports the wait, so the other threads posting in
    the workspace can hold back too. With ``wait_turn``, the retry waits for the
    workspace's next send slot (see :class:`bot.slack.pacing.WorkspaceCooldown`) instead
    of ``Retry-After`` plus a random second, so the retries after a hold go one by one."""

    def __init__(self, on_rate_limited: Callable[[float], None], wait_turn: Callable[[], None] | None = None,
                 max_retry_count: int = RATE_LIMIT_RETRIES) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.on_rate_limited = on_rate_limited
        self.wait_turn = wait_turn

    def prepare_for_next_attempt(self, *, state: RetryState, request: HttpRequest,
                                 response: HttpResponse | None = None, error: Exception | None = None) -> None:
        if response is not None:
            header = next((values for name, values in response.headers.items() if name.lower() == "retry-after"),
                          None)
            try:
                self.on_rate_limited(float(header[0]) if header else 1.0)
            except (TypeError, ValueError):
                self.on_rate_limited(1.0)
            if self.wait_turn is not None:
                state.next_attempt_requested = True
                self.wait_turn()
                state.increment_current_attempt()
                return
        super().prepare_for_next_attempt(state=state, request=request, response=response, error=error)


def build_client(base_url: str, token: str | None = None,
                 on_rate_limited: Callable[[float], None] | None = None,
                 wait_turn: Callable[[], None] | None = None) -> WebClient:
    """A WebClient that honours 429 Retry-After, retries dropped connections and keeps its
    connections open between calls (:class:`bot.slack.transport.PooledWebClient`).

    ``on_rate_limited(seconds)`` hears of every 429, and a retry after one waits with
    ``wait_turn()`` when given (see :class:`bot.slack.pacing.WorkspaceCooldown`).
    """
    rate_limits = (RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES) if on_rate_limited is None
                   else SharedRateLimitRetryHandler(on_rate_limited, wait_turn,
                                                    PACED_RETRIES if wait_turn is not None else RATE_LIMIT_RETRIES))
    return PooledWebClient(token=token, base_url=base_url, timeout=10, retry_handlers=[
        rate_limits, ConnectionErrorRetryHandler(max_retry_count=1)])


TOKEN_TTL_SECONDS = 300.0
"""How long a team's token is used before it is read (and decrypted) again."""


class TeamClients:
    """Clients for work the clock starts (no request to borrow a token from).

    ``token_for(team_id)`` returns the team's bot token or None when not installed. A
    token found is kept for :data:`TOKEN_TTL_SECONDS` (a weekly fan-out would otherwise
    read and decrypt it once per channel); :meth:`refresh` drops it sooner, when Slack
    refuses it. ``tokens_for(team_ids)``, when given, reads many teams' tokens at once
    (team → token, the teams without one left out) for :meth:`warm`.
    """

    def __init__(self, base_url: str, token_for: Callable[[str], str | None], *,
                 tokens_for: Callable[[list[str]], dict[str, str]] | None = None,
                 ttl: float = TOKEN_TTL_SECONDS, clock: Callable[[], float] = time.monotonic,
                 on_rate_limited: Callable[[str, float], None] | None = None,
                 wait_turn: Callable[[str], None] | None = None) -> None:
        self.base_url = base_url
        self.on_rate_limited = on_rate_limited
        """Told ``(team, seconds)`` whenever Slack answers a team's client with 429."""
        self.wait_turn = wait_turn
        """``wait_turn(team)``: how a team's client waits before retrying after a 429."""
        self.token_for = token_for
        self.tokens_for = tokens_for
        self.ttl = ttl
        self.clock = clock
        self._clients: dict[str, tuple[WebClient, float]] = {}  # team -> (client, read at)
        self._lock = threading.Lock()

    def for_team(self, team_id: str) -> WebClient | None:
        with self._lock:
            cached = self._clients.get(team_id)
        if cached is not None and self._fresh(cached, self.clock()):
            return cached[0]
        token = self.token_for(team_id)
        with self._lock:
            if token is None:
                self._clients.pop(team_id, None)
                return None
            return self._keep(team_id, token, self.clock())

    def warm(self, team_ids: Iterable[str]) -> None:
        """Read the tokens of those teams not cached (or cached too long) in one go, before
        posting to them (the dispatcher's batch of weekly prompts). A team left out — no
        token, or none readable — is looked up on its own when used, which logs why; a
        failed read is logged and changes nothing."""
        if self.tokens_for is None:
            return
        now = self.clock()
        with self._lock:
            stale = sorted({team for team in team_ids if not self._fresh(self._clients.get(team), now)})
        if not stale:
            return
        try:
            tokens = self.tokens_for(stale)
        except Exception:  # the teams are looked up one by one when posted to
            log.warning("could not read the tokens of %d teams at once", len(stale), exc_info=True)
            return
        with self._lock:
            for team, token in tokens.items():
                self._keep(team, token, now)

    def _fresh(self, cached: tuple[WebClient, float] | None, now: float) -> bool:
        return cached is not None and now - cached[1] < self.ttl

    def _keep(self, team_id: str, token: str, read_at: float) -> WebClient:
        """Hold the team's client for ``token`` as read at ``read_at`` (the one held already
        when it has that token); the caller holds the lock."""
        cached = self._clients.get(team_id)
        client = cached[0] if cached is not None and cached[0].token == token else self._build(team_id, token)
        self._clients[team_id] = (client, read_at)
        return client

    def _build(self, team_id: str, token: str) -> WebClient:
        report, wait_turn = self.on_rate_limited, self.wait_turn
        return build_client(self.base_url, token,
                            None if report is None else lambda seconds: report(team_id, seconds),
                            None if wait_turn is None else lambda: wait_turn(team_id))

    def forget(self, team_id: str) -> None:
        """Read the team's token afresh next time (it was revoked or the app uninstalled)."""
        with self._lock:
            self._clients.pop(team_id, None)

    def refresh(self, team_id: str, refused: WebClient) -> WebClient | None:
        """After Slack refused ``refused``'s token: a client with the team's current token,
        or None when that is the same token (or none), so trying again would not help."""
        self.forget(team_id)
        client = self.for_team(team_id)
        return client if client is not None and client.token != refused.token else None
