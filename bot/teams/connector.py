"""A small synchronous client of the Bot Connector REST API (what goedwerk sends to Teams).

Every call goes to ``{serviceUrl}v3/conversations…`` of a serviceUrl Teams itself gave us
(stored in :mod:`bot.teams.conversations`), keeping whatever path that URL has, with the
bot's bearer token (:class:`bot.teams.tokens.BotTokens`). Conversation and activity ids
are percent-encoded in the path, as Microsoft's own clients do.

Throttling: Teams answers 429 (and, when busy, 412, 502 or 504). Such a call is tried
again after the ``Retry-After`` it names, else after an exponential back-off with jitter,
up to :data:`ATTEMPTS` times. Before each send the call takes a slot from two token
buckets, one per conversation (Teams allows a bot 7 messages a second and 60 in 30
seconds in one conversation) and one per tenant (50 requests a second per app), so a
burst of sends rarely meets a 429 at all. A 401 means the token went stale: it is
dropped and the call tried once more with a fresh one.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable
from urllib.parse import quote

import urllib3

from bot.slack.pacing import ChannelPacer
from bot.teams import tls
from bot.teams.tokens import BotTokens, TokenUnavailable

log = logging.getLogger("goedwerk.teams")
ATTEMPTS = 5
RETRY_STATUSES = frozenset({412, 429, 502, 504})
MAX_WAIT = 30.0
"""The longest one wait before a retry (a larger Retry-After gives up instead)."""
CONVERSATION_RATE, CONVERSATION_BURST = 2.0, 7
"""Sends per second in one conversation, sustained (60 in 30 s), and at once (7 in 1 s)."""
TENANT_RATE, TENANT_BURST = 50.0, 50


class ConnectorError(Exception):
    """The Bot Connector refused a call (``status``, Teams' error ``code``) or could not be reached
    (``status`` 0)."""

    def __init__(self, status: int, code: str, operation: str) -> None:
        super().__init__(f"{operation}: {status} {code}")
        self.status = status
        self.code = code
        self.operation = operation


class BotConnector:
    """Sends, updates and deletes activities and creates conversations (see the module's docstring)."""

    def __init__(self, tokens: BotTokens, *, sleep: Callable[[float], None] = time.sleep,
                 rng: random.Random | None = None) -> None:
        self.tokens = tokens
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.conversation_pace = ChannelPacer(rate=CONVERSATION_RATE, burst=CONVERSATION_BURST, sleep=sleep)
        self.tenant_pace = ChannelPacer(rate=TENANT_RATE, burst=TENANT_BURST, sleep=sleep)

    def send(self, service_url: str, tenant: str, conversation: str, activity: dict) -> str:
        """Post an activity into a conversation (a channel thread, a chat); its new activity id."""
        body = self._call("POST", service_url, f"v3/conversations/{_id(conversation)}/activities", activity,
                          tenant=tenant, paced=conversation)
        return str(body.get("id", ""))

    def update(self, service_url: str, tenant: str, conversation: str, activity_id: str, activity: dict) -> None:
        """Replace an activity the bot sent (its card) in place."""
        self._call("PUT", service_url, f"v3/conversations/{_id(conversation)}/activities/{_id(activity_id)}",
                   {**activity, "id": activity_id}, tenant=tenant, paced=conversation)

    def delete(self, service_url: str, tenant: str, conversation: str, activity_id: str) -> None:
        self._call("DELETE", service_url, f"v3/conversations/{_id(conversation)}/activities/{_id(activity_id)}",
                   None, tenant=tenant, paced=conversation)

    def create_conversation(self, service_url: str, tenant: str, parameters: dict) -> dict:
        """Start a conversation: a new channel post (``isGroup``, ``channelData.channel``) or a 1:1
        chat (``members``); Teams' answer (``id``, and ``activityId`` when an activity was sent)."""
        channel = ((parameters.get("channelData") or {}).get("channel") or {}).get("id")
        return self._call("POST", service_url, "v3/conversations", parameters, tenant=tenant,
                          paced=channel or "new-chat")

    def members(self, service_url: str, tenant: str, conversation: str, page_size: int = 200) -> list[dict]:
        """Everyone in a team (by its team id) or chat, page by page (``pagedmembers``)."""
        found: list[dict] = []
        token: str | None = None
        for _ in range(100):  # 20,000 people at most
            query = f"?pageSize={page_size}" + (f"&continuationToken={_id(token)}" if token else "")
            body = self._call("GET", service_url, f"v3/conversations/{_id(conversation)}/pagedmembers{query}", None,
                              tenant=tenant, paced=f"roster:{conversation}")
            found += [member for member in body.get("members") or [] if isinstance(member, dict)]
            token = body.get("continuationToken")
            if not token:
                break
        return found

    # -- one call -----------------------------------------------------------------------

    def _call(self, method: str, service_url: str, path: str, body: dict | None, *, tenant: str,
              paced: str) -> dict:
        url = _base(service_url) + path
        operation = f"{method} {path.split('/')[1] if '/' in path else path}"
        payload = None if body is None else json.dumps(body).encode()
        fresh_token = False
        for attempt in range(1, ATTEMPTS + 1):
            self.tenant_pace.wait(tenant)
            self.conversation_pace.wait(f"{tenant}/{paced}")
            try:
                token = self.tokens.token()
            except TokenUnavailable as error:
                raise ConnectorError(0, f"no_token:{error}", operation) from None
            headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
            if payload is not None:
                headers["Content-Type"] = "application/json; charset=utf-8"
            try:
                response = tls.pool().request(method, url, body=payload, headers=headers, redirect=False)
            except urllib3.exceptions.HTTPError as error:
                if attempt == ATTEMPTS:
                    raise ConnectorError(0, type(error).__name__, operation) from None
                self.sleep(self._backoff(attempt, None))
                continue
            if 200 <= response.status < 300:
                return _json(response.data)
            if response.status == 401 and not fresh_token:
                self.tokens.forget()
                fresh_token = True
                continue
            if response.status in RETRY_STATUSES and attempt < ATTEMPTS:
                wait = self._backoff(attempt, response.headers.get("Retry-After"))
                if wait <= MAX_WAIT:
                    log.info("Bot Connector answered %s to %s; again in %.1f s", response.status, operation, wait)
                    self.sleep(wait)
                    continue
            raise ConnectorError(response.status, _error_code(response.data), operation)
        raise ConnectorError(0, "gave_up", operation)  # pragma: no cover - the loop returns or raises

    def _backoff(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            try:
                return max(0.0, float(retry_after))
            except ValueError:
                pass
        return min(MAX_WAIT, 0.5 * 2 ** (attempt - 1)) * (0.5 + self.rng.random() / 2)


def _base(service_url: str) -> str:
    if not service_url.startswith("https://"):
        raise ConnectorError(0, "service_url_not_https", "call")
    return service_url if service_url.endswith("/") else service_url + "/"


def _id(value: str) -> str:
    return quote(value, safe="")


def _json(data: bytes) -> dict:
    if not data:
        return {}
    try:
        body = json.loads(data)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _error_code(data: bytes) -> str:
    error = _json(data).get("error")
    code = error.get("code") if isinstance(error, dict) else error
    return str(code or "unknown")[:64]
