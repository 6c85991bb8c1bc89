"""Build and send SIGNED Slack requests, as Slack sends them to the app.

Bodies are returned as the exact strings to sign and send:

- :func:`slash_command_body` — ``application/x-www-form-urlencoded`` fields;
- :func:`block_actions_body`, :func:`view_submission_body`, :func:`message_shortcut_body`
  — a form with one field, ``payload=<json>``;
- :func:`event_body`, :func:`url_verification_body` — JSON.

:func:`sign` makes the ``X-Slack-Request-Timestamp`` / ``X-Slack-Signature`` headers and
:func:`post` sends a body over real HTTP. Defaults (team, channel, user) match
:mod:`tests.slack.fake_slack`. Default ``response_url``\\ s point at a closed local port
(``127.0.0.1:9``) so a test never reaches the internet: pass ``FakeSlack.response_url()``
to capture what the app sends there.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode

from tests.slack.fake_slack import API_APP_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID

CHANNEL_ID = "C0GOEDWERK"
CHANNEL_NAME = "goedwerk"
USER_ID = "U0ALICE"
USER_NAME = "alice"
VERIFICATION_TOKEN = "verification-token-unused"
OFFLINE_RESPONSE_URL = "http://127.0.0.1:9/commands/" + TEAM_ID + "/1/offline"

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

_sequence = itertools.count(1)


def new_trigger_id() -> str:
    """A fresh trigger id shaped like Slack's (``<digits>.<digits>.<hex>``)."""
    return f"{7_000_000_000_000 + next(_sequence)}.47445629121.{secrets.token_hex(16)}"


def _ts() -> str:
    """A fresh ``action_ts``/``event_ts``-shaped value."""
    return f"{time.time():.6f}"


def sign(body: str, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """The signature headers for ``body``: ``v0=`` + HMAC-SHA256(secret, ``v0:{ts}:{body}``).

    ``timestamp`` defaults to now; pass an old one to build a stale (replayed) request.
    """
    ts = int(time.time()) if timestamp is None else int(timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": f"v0={digest}"}


def _user(user_id: str, user_name: str, team_id: str) -> dict[str, str]:
    return {"id": user_id, "username": user_name, "name": user_name, "team_id": team_id}


def _payload_body(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})


def slash_command_body(
    command: str = "/goedwerk",
    text: str = "",
    *,
    team_id: str = TEAM_ID,
    team_domain: str = TEAM_DOMAIN,
    channel_id: str = CHANNEL_ID,
    channel_name: str = CHANNEL_NAME,
    user_id: str = USER_ID,
    user_name: str = USER_NAME,
    trigger_id: str | None = None,
    response_url: str = OFFLINE_RESPONSE_URL,
    api_app_id: str = API_APP_ID,
) -> str:
    """A slash command, form-encoded in Slack's field order (fresh ``trigger_id`` by default)."""
    return urlencode({
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": team_domain,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or new_trigger_id(),
    })


def block_actions_body(
    action_id: str = "button",
    value: str = "",
    *,
    block_id: str = "block",
    action: dict[str, Any] | None = None,
    team_id: str = TEAM_ID,
    channel_id: str = CHANNEL_ID,
    user_id: str = USER_ID,
    user_name: str = USER_NAME,
    message_ts: str = "1700000000.000100",
    message: dict[str, Any] | None = None,
    view: dict[str, Any] | None = None,
    state_values: dict[str, Any] | None = None,
    trigger_id: str | None = None,
    response_url: str = OFFLINE_RESPONSE_URL,
    api_app_id: str = API_APP_ID,
) -> str:
    """A ``block_actions`` payload: one button click by default.

    ``action`` replaces the whole action (e.g. a ``static_select`` with
    ``selected_option``); ``action_ts`` is filled in. With ``view`` (a modal or Home tab
    view dict with an ``id``) the action comes from that view instead of a message, and
    carries no channel or ``response_url``.
    """
    act = dict(action) if action else {
        "type": "button",
        "action_id": action_id,
        "block_id": block_id,
        "text": {"type": "plain_text", "text": action_id, "emoji": True},
        "value": value,
    }
    act.setdefault("action_ts", _ts())
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user_id, user_name, team_id),
        "api_app_id": api_app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or new_trigger_id(),
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "state": {"values": state_values or {}},
        "actions": [act],
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.get("id", "V0000000001")}
        payload["view"] = view
    else:
        payload["container"] = {"type": "message", "message_ts": message_ts, "channel_id": channel_id,
                                "is_ephemeral": False}
        payload["channel"] = {"id": channel_id, "name": CHANNEL_NAME}
        payload["message"] = message or {"type": "message", "user": BOT_USER_ID, "ts": message_ts, "text": ""}
        payload["response_url"] = response_url
    return _payload_body(payload)


def _state(values: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Wrap shorthand leaves (plain strings) as ``plain_text_input`` values."""
    return {
        block_id: {
            action_id: leaf if isinstance(leaf, dict) else {"type": "plain_text_input", "value": leaf}
            for action_id, leaf in actions.items()
        }
        for block_id, actions in values.items()
    }


def view_submission_body(
    callback_id: str = "goedwerk",
    values: dict[str, dict[str, Any]] | None = None,
    *,
    private_metadata: str = "",
    view_id: str = "V0000000001",
    view_hash: str = "1700000000.abcdef",
    team_id: str = TEAM_ID,
    user_id: str = USER_ID,
    user_name: str = USER_NAME,
    trigger_id: str | None = None,
    response_urls: list[dict[str, Any]] | None = None,
    api_app_id: str = API_APP_ID,
) -> str:
    """A ``view_submission`` payload for a modal.

    ``values`` is ``view.state.values``: ``{block_id: {action_id: element_state}}``; a
    plain string leaf becomes ``{"type": "plain_text_input", "value": leaf}``.
    """
    payload = {
        "type": "view_submission",
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "user": _user(user_id, user_name, team_id),
        "api_app_id": api_app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or new_trigger_id(),
        "view": {
            "id": view_id,
            "team_id": team_id,
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "title": {"type": "plain_text", "text": "Goedwerk"},
            "blocks": [],
            "state": {"values": _state(values or {})},
            "hash": view_hash,
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": api_app_id,
            "external_id": "",
            "app_installed_team_id": team_id,
            "bot_id": "B0GOEDBOT",
        },
        "response_urls": response_urls or [],
        "enterprise": None,
        "is_enterprise_install": False,
    }
    return _payload_body(payload)


def message_shortcut_body(
    callback_id: str = "goedwerk_message",
    message_text: str = "",
    *,
    message_ts: str = "1700000000.000100",
    message_user: str = USER_ID,
    team_id: str = TEAM_ID,
    channel_id: str = CHANNEL_ID,
    user_id: str = USER_ID,
    user_name: str = USER_NAME,
    trigger_id: str | None = None,
    response_url: str = OFFLINE_RESPONSE_URL,
) -> str:
    """A message shortcut (``type: message_action``) on one message."""
    payload = {
        "type": "message_action",
        "token": VERIFICATION_TOKEN,
        "action_ts": _ts(),
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "user": _user(user_id, user_name, team_id),
        "channel": {"id": channel_id, "name": CHANNEL_NAME},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id or new_trigger_id(),
        "response_url": response_url,
        "message_ts": message_ts,
        "message": {"type": "message", "user": message_user, "ts": message_ts, "text": message_text},
    }
    return _payload_body(payload)


def event_body(
    event: dict[str, Any],
    event_id: str | None = None,
    *,
    team_id: str = TEAM_ID,
    api_app_id: str = API_APP_ID,
    event_time: int | None = None,
) -> str:
    """An Events API ``event_callback`` wrapping ``event`` (fresh ``event_id`` by default)."""
    return json.dumps({
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev0{next(_sequence):08d}",
        "event_time": int(time.time()) if event_time is None else event_time,
        "authorizations": [{"enterprise_id": None, "team_id": team_id, "user_id": BOT_USER_ID,
                            "is_bot": True, "is_enterprise_install": False}],
        "is_ext_shared_channel": False,
        "event_context": f"4-{secrets.token_hex(8)}",
    })


def url_verification_body(challenge: str) -> str:
    """The ``url_verification`` handshake Slack sends when the request URL is saved."""
    return json.dumps({"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"})


def post(
    url: str,
    body: str,
    secret: str,
    content_type: str | None = None,
    timestamp: int | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 5.0,
) -> tuple[int, dict[str, str], str]:
    """POST ``body`` signed with ``secret``; return ``(status, headers, body)``, also on 4xx/5xx.

    ``content_type`` defaults to JSON for bodies starting with ``{``, else form-encoded.
    ``headers`` adds e.g. ``X-Slack-Retry-Num``; they override the signature headers, so
    a forged signature can be sent that way too.
    """
    if content_type is None:
        content_type = JSON if body.lstrip().startswith("{") else FORM
    all_headers = {"Content-Type": content_type, **sign(body, secret, timestamp), **(headers or {})}
    request = urllib.request.Request(url, data=body.encode("utf-8"), headers=all_headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers.items()), response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers.items()), error.read().decode("utf-8")
