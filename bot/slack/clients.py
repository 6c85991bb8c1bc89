"""Slack Web API clients: base URL from settings, rate-limit retries, one token per team."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

RATE_LIMIT_RETRIES = 3


def build_client(base_url: str, token: str | None = None) -> WebClient:
    """A WebClient that honours 429 Retry-After and retries dropped connections."""
    return WebClient(token=token, base_url=base_url, timeout=10, retry_handlers=[
        RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        ConnectionErrorRetryHandler(max_retry_count=1),
    ])


TOKEN_TTL_SECONDS = 300.0
"""How long a team's token is used before it is read (and decrypted) again."""


class TeamClients:
    """Clients for work the clock starts (no request to borrow a token from).

    ``token_for(team_id)`` returns the team's bot token or None when not installed. A
    token found is kept for :data:`TOKEN_TTL_SECONDS` (a weekly fan-out would otherwise
    read and decrypt it once per channel); :meth:`refresh` drops it sooner, when Slack
    refuses it.
    """

    def __init__(self, base_url: str, token_for: Callable[[str], str | None], *,
                 ttl: float = TOKEN_TTL_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.base_url = base_url
        self.token_for = token_for
        self.ttl = ttl
        self.clock = clock
        self._clients: dict[str, tuple[WebClient, float]] = {}  # team -> (client, read at)
        self._lock = threading.Lock()

    def for_team(self, team_id: str) -> WebClient | None:
        with self._lock:
            cached = self._clients.get(team_id)
        if cached is not None and self.clock() - cached[1] < self.ttl:
            return cached[0]
        token = self.token_for(team_id)
        with self._lock:
            if token is None:
                self._clients.pop(team_id, None)
                return None
            client = cached[0] if cached is not None and cached[0].token == token else build_client(self.base_url, token)
            self._clients[team_id] = (client, self.clock())
            return client

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
