"""Slack Web API clients: base URL from settings, rate-limit retries, one token per team."""

from __future__ import annotations

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


class TeamClients:
    """Clients for work the clock starts (no request to borrow a token from).

    ``token_for(team_id)`` returns the team's bot token or None when not installed.
    """

    def __init__(self, base_url: str, token_for: Callable[[str], str | None]) -> None:
        self.base_url = base_url
        self.token_for = token_for
        self._clients: dict[str, WebClient] = {}

    def for_team(self, team_id: str) -> WebClient | None:
        token = self.token_for(team_id)
        if token is None:
            return None
        client = self._clients.get(team_id)
        if client is None or client.token != token:
            client = self._clients[team_id] = build_client(self.base_url, token)
        return client
