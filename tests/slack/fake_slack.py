"""A local fake of the Slack Web API for offline end-to-end tests.

:class:`FakeSlack` is a real HTTP server (``ThreadingHTTPServer`` on ``127.0.0.1``, a
free port, a daemon thread) that answers the Web API methods goedwerk calls with
plausible Slack responses, records every call and keeps the state a test wants to read
(messages per channel, ephemerals, DMs, views, home tabs, uploaded files)::

    with FakeSlack() as fake:
        client = WebClient(base_url=fake.base_url, token="xoxb-test")
        client.chat_postMessage(channel="C1", text="hoi")
        assert fake.last("chat.postMessage").params["text"] == "hoi"
        assert [m["text"] for m in fake.messages("C1")] == ["hoi"]

It also serves the two kinds of URL Slack hands out that are not Web API methods:
the ``upload_url`` of ``files.getUploadURLExternal`` (``files_upload_v2`` posts the bytes
there) and, on request, ``response_url``\\ s (:meth:`FakeSlack.response_url`).

Behaviour worth knowing (it mirrors Slack, so the app's tests catch real mistakes):

- Every method needs a token (``Authorization: Bearer …`` or a ``token`` param):
  none → ``not_authed``; one in :attr:`FakeSlack.revoked_tokens` → ``invalid_auth``.
- ``ts`` values are deterministic and increasing across the whole fake:
  ``"1700000000.000100"``, ``"1700000000.000200"``, …
- ``chat.postMessage`` to a user id (``U…``) lands in that user's DM channel (``D…``),
  as in Slack; without ``text``/``blocks``/``attachments`` it answers ``no_text``; more
  than 50 blocks → ``invalid_blocks``; a channel set with ``is_member=False`` →
  ``not_in_channel``, ``is_archived=True`` → ``is_archived``.
- Rate limits for ``chat.postMessage`` are off until switched on:
  :meth:`FakeSlack.enforce_channel_rate` (per channel) and
  :meth:`FakeSlack.enforce_workspace_rate` (per workspace, which the fake knows by the
  call's token) answer HTTP 429 with ``Retry-After``.
- It speaks HTTP/1.1 and keeps connections alive, as Slack does
  (:attr:`FakeSlack.connections_made`, :meth:`FakeSlack.drop_connections`).
- ``conversations.history`` lists top-level messages newest first and includes each
  message's ``metadata`` only with ``include_all_metadata=true``.
- ``users.info`` includes ``locale`` only with ``include_locale=true``; unknown users get
  a generated profile (tz ``Europe/Amsterdam``, locale ``nl-NL``).
- A ``trigger_id`` works once (``views.open``/``views.push``): reuse → ``expired_trigger_id``
  (switch off with ``single_use_triggers=False``).
- ``views.update`` with a stale ``hash`` → ``hash_conflict``.
- ``chat.postEphemeral`` to a user outside a channel whose members were set with
  :meth:`FakeSlack.set_members` → ``user_not_in_channel``.
- Unknown methods → ``{"ok": false, "error": "unknown_method"}`` (HTTP 200, like Slack).
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import itertools
import json
import math
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

TEAM_ID = "T0GOEDWERK"
TEAM_DOMAIN = "goedwerk-test"
API_APP_ID = "A0GOEDWERK"
BOT_USER_ID = "U0GOEDBOT"
BOT_ID = "B0GOEDBOT"

#: Form fields whose values Slack expects as JSON strings; the fake decodes them.
JSON_FIELDS = frozenset({"blocks", "attachments", "metadata", "view", "files", "user_auth_blocks", "outputs"})

Handler = Callable[[dict[str, Any]], dict[str, Any]]


class SlackError(Exception):
    """Raised inside a method handler: answer ``{"ok": false, "error": error}``."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class _Throttled(Exception):
    """Raised inside a method handler: answer HTTP 429 with ``Retry-After``."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


class Headers(dict):
    """Request headers with case-insensitive lookup (keys are stored lower-case)."""

    def __init__(self, items: Any = ()) -> None:
        super().__init__((k.lower(), v) for k, v in dict(items).items())

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key.lower(), default)


@dataclass(frozen=True)
class Call:
    """One recorded Web API call.

    ``params`` merges the query string and the body (form-encoded, JSON or multipart),
    with the JSON-valued form fields (:data:`JSON_FIELDS`) decoded. ``token`` comes from
    the ``Authorization: Bearer`` header or a ``token`` param. ``status`` and
    ``response`` are what the fake answered.
    """

    method: str
    params: dict[str, Any]
    headers: Headers
    token: str | None
    time: float
    status: int
    response: dict[str, Any]

    @property
    def ok(self) -> bool:
        """Whether the fake answered HTTP 200 with ``ok: true``."""
        return self.status == 200 and bool(self.response.get("ok"))


@dataclass
class UploadedFile:
    """A file announced with ``files.getUploadURLExternal``; ``content`` once uploaded."""

    id: str
    filename: str
    length: int
    title: str | None = None
    alt_txt: str | None = None
    snippet_type: str | None = None
    content: bytes | None = None
    completed: bool = False
    channels: list[str] = field(default_factory=list)
    initial_comment: str | None = None
    thread_ts: str | None = None


@dataclass
class _Rule:
    """An injected failure: ``times`` more answers (None: until :meth:`FakeSlack.reset`)."""

    method: str
    times: int | None
    error: str | None = None
    retry_after: int | None = None
    channel: str | None = None

    def matches(self, method: str, params: dict[str, Any]) -> bool:
        if self.method != method or self.times == 0:
            return False
        return self.channel is None or self.channel in (params.get("channel"), params.get("channel_id"))


def _truthy(value: Any) -> bool:
    """Slack's boolean params: ``true``/``1`` (form) or ``true`` (JSON)."""
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return bool(value)


def _encode_cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def _decode_cursor(cursor: Any) -> int:
    if not cursor:
        return 0
    try:
        return int(base64.b64decode(str(cursor)).decode().removeprefix("offset:"))
    except ValueError as error:
        raise SlackError("invalid_cursor") from error


def _page(items: list[Any], params: dict[str, Any], default_limit: int = 100) -> tuple[list[Any], str]:
    """Cursor pagination as Slack does it: ``(page, next_cursor)``; ``""`` on the last page."""
    limit = int(params.get("limit") or default_limit) or default_limit
    start = _decode_cursor(params.get("cursor"))
    end = start + limit
    return items[start:end], (_encode_cursor(end) if end < len(items) else "")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # Bolt's listener threads may call at once
    fake: FakeSlack

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.open_connections: set[socket.socket] = set()
        self.connections_made = 0
        self._connections_lock = threading.Lock()

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self.open_connections.add(request)
            self.connections_made += 1
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._connections_lock:
                self.open_connections.discard(request)

    def drop_connections(self) -> None:
        """Close every kept-alive connection (a client's next call must connect anew)."""
        with self._connections_lock:
            connections = list(self.open_connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _RequestHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive, as Slack: a client may send many calls over one connection."""

    server: _Server
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms wait for an ACK between

    def do_POST(self) -> None:
        self.server.fake._serve(self)

    do_GET = do_POST

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""


class FakeSlack:
    """A local Slack Web API server; starts on construction, stops with :meth:`stop`.

    Use it as a context manager or through the :func:`fake_slack` pytest fixture. Point
    clients at :attr:`base_url` (``WebClient(base_url=fake.base_url)`` or
    ``SLACK_API_URL``). All public state is read through copies taken under a lock, so
    it is safe to read while Bolt's listener threads are still calling.
    """

    def __init__(
        self,
        *,
        team_id: str = TEAM_ID,
        team_domain: str = TEAM_DOMAIN,
        bot_user_id: str = BOT_USER_ID,
        bot_id: str = BOT_ID,
        app_id: str = API_APP_ID,
        single_use_triggers: bool = True,
    ) -> None:
        self.team_id = team_id
        self.team_domain = team_domain
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.single_use_triggers = single_use_triggers
        #: Tokens that answer ``invalid_auth`` (add to it at will).
        self.revoked_tokens: set[str] = set()
        #: Seconds every call waits before its answer goes out, outside the lock (a network
        #: round trip, as a real Slack has; calls on other connections go on meanwhile).
        self.latency = 0.0

        self._lock = threading.RLock()

        self._downloads: dict[str, bytes] = {}
        self._changed = threading.Condition(self._lock)
        # configuration (kept by reset())
        self._users: dict[str, dict[str, Any]] = {}
        self._members: dict[str, list[str]] = {}
        self._channels: dict[str, dict[str, Any]] = {}
        self._handlers: dict[str, Handler] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.getPermalink": self._chat_get_permalink,
            "chat.scheduleMessage": self._chat_schedule_message,
            "chat.deleteScheduledMessage": self._chat_delete_scheduled_message,
            "conversations.info": self._conversations_info,
            "conversations.members": self._conversations_members,
            "conversations.open": self._conversations_open,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "users.info": self._users_info,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
        }
        self._ts_counter = itertools.count(1)
        self._id_counter = itertools.count(1)
        self._dms: dict[str, str] = {}
        self._clear_recorded()

        self._server = _Server(("127.0.0.1", 0), _RequestHandler)
        self._server.fake = self
        self.port: int = self._server.server_address[1]
        #: ``http://127.0.0.1:<port>`` (no trailing slash).
        self.origin = f"http://127.0.0.1:{self.port}"
        #: The Web API base URL, ending in ``/api/``.
        self.base_url = f"{self.origin}/api/"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-slack", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> FakeSlack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Shut the server down and free the port (idempotent)."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.drop_connections()  # a later fake on the same port must not be reached through them
        self._server.server_close()

    @property
    def connections_made(self) -> int:
        """TCP connections clients opened so far (calls over a kept-alive one add none)."""
        return self._server.connections_made

    def drop_connections(self) -> None:
        """Close the kept-alive connections, as a server does with idle ones."""
        self._server.drop_connections()

    def _clear_recorded(self) -> None:
        self._calls: list[Call] = []
        self._rules: list[_Rule] = []
        self._channel_rate: float | None = None
        self._last_post: dict[str, float] = {}
        self._workspace_rate: tuple[float, float] | None = None  # (posts per second, burst)
        self._workspace_buckets: dict[str | None, tuple[float, float]] = {}  # token -> (posts left, when)
        self._token: str | None = None  # the token of the call being answered (handlers run under the lock)
        self._messages: dict[str, list[dict[str, Any]]] = {}
        self._posted: list[dict[str, Any]] = []
        self._updated: list[dict[str, Any]] = []
        self._deleted: list[dict[str, Any]] = []
        self._ephemerals: list[dict[str, Any]] = []
        self._scheduled: dict[str, dict[str, Any]] = {}
        self._views: dict[str, dict[str, Any]] = {}
        self._opened_views: list[dict[str, Any]] = []
        self._home_views: dict[str, dict[str, Any]] = {}
        self._used_triggers: set[str] = set()
        self._files: dict[str, UploadedFile] = {}
        self._responses: list[dict[str, Any]] = []
        self.rate_limited = 0
        #: The enforced 429s by limit: ``"channel"`` and ``"workspace"`` (also counted in :attr:`rate_limited`).
        self.rate_limited_by: dict[str, int] = {"channel": 0, "workspace": 0}

    def reset(self) -> None:
        """Forget calls, state, injected failures and rate enforcement.

        Keeps configuration: users, members, channel settings, revoked tokens, custom
        handlers, DM channel ids.
        """
        with self._lock:
            self._clear_recorded()

    # ------------------------------------------------------------------ configuration

    def add_user(self, user_id: str, **fields: Any) -> dict[str, Any]:
        """Configure what ``users.info`` answers for ``user_id``.

        ``fields`` override the generated profile: ``name``, ``real_name``, ``tz``,
        ``locale``, ``is_admin``, ``is_owner``, ``is_bot``, ``deleted``, ``profile``…
        """
        with self._lock:
            user = self._default_user(user_id)
            user.update(fields)
            if "tz" in fields:
                user.update(self._tz_fields(fields["tz"]))
            if "real_name" in fields:
                user["profile"] = {**user["profile"], "real_name": fields["real_name"]}
            self._users[user_id] = user
            return dict(user)

    def set_members(self, channel: str, members: list[str]) -> None:
        """Configure the members ``conversations.members`` lists for ``channel``.

        Unconfigured channels have one member: the bot user.
        """
        with self._lock:
            self._members[channel] = list(members)

    def set_channel(self, channel: str, **fields: Any) -> None:
        """Override ``conversations.info`` fields, e.g. ``is_member=False``, ``is_archived=True``, ``name=``."""
        with self._lock:
            self._channels.setdefault(channel, {}).update(fields)

    def on(self, method: str, handler: Handler) -> None:
        """Answer ``method`` with ``handler(params)``; return the fields beside ``ok: true``.

        Raise :class:`SlackError` from the handler to answer ``ok: false``.
        """
        with self._lock:
            self._handlers[method] = handler

    def dm_channel(self, user_id: str) -> str:
        """The DM channel id (``D…``) for ``user_id``, as ``conversations.open`` returns it."""
        with self._lock:
            if user_id not in self._dms:
                self._dms[user_id] = f"D0{len(self._dms) + 1:08d}"
            return self._dms[user_id]

    def add_download(self, name: str, content: bytes) -> str:
        """Serve ``content`` as a private file download (a user's upload); returns its URL.

        Like Slack's ``url_private_download``, it needs a ``Bearer xox…`` token.
        """
        self._downloads[name] = content
        return f"{self.origin}/files-pri/{name}"

    def response_url(self, name: str = "default") -> str:
        """A ``response_url`` served by the fake; what is posted to it lands in :attr:`responses`."""
        return f"{self.origin}/respond/{name}"

    # ------------------------------------------------------------------ failure injection

    def fail(self, method: str, error: str = "not_in_channel", times: int | None = 1,
             channel: str | None = None) -> None:
        """Make the next ``times`` calls to ``method`` answer ``{"ok": false, "error": error}`` (HTTP 200).

        ``times=None`` keeps failing until :meth:`reset`. With ``channel`` only calls for
        that channel (``channel`` or ``channel_id`` param) fail.
        """
        with self._lock:
            self._rules.append(_Rule(method, times, error=error, channel=channel))

    def rate_limit(self, method: str, retry_after: int = 1, times: int | None = 1, channel: str | None = None) -> None:
        """Make the next ``times`` calls to ``method`` answer HTTP 429 with ``Retry-After: retry_after``.

        slack_sdk's ``RateLimitErrorRetryHandler`` sleeps ``retry_after`` plus up to one
        second: use ``retry_after=0`` in fast tests.
        """
        with self._lock:
            self._rules.append(_Rule(method, times, retry_after=retry_after, channel=channel))

    def enforce_channel_rate(self, per_second: float | None = 1.0) -> None:
        """Answer 429 to ``chat.postMessage`` faster than ``per_second`` into one channel.

        Only accepted posts count toward the rate. ``None`` switches it off. Each 429
        (injected or enforced) adds one to :attr:`rate_limited`.
        """
        with self._lock:
            self._channel_rate = per_second
            self._last_post.clear()

    def enforce_workspace_rate(self, per_minute: float | None = 300.0, burst: int = 1) -> None:
        """Answer 429 to ``chat.postMessage`` faster than ``per_minute`` in one workspace.

        The fake knows a workspace by the call's token, so give each workspace its own.
        The limit is a token bucket: ``burst`` posts may go at once, then one every
        ``60 / per_minute`` seconds. As with :meth:`enforce_channel_rate`, only accepted
        posts count, and a post counts toward neither limit unless both allow it.
        ``None`` switches it off.
        """
        with self._lock:
            self._workspace_rate = None if per_minute is None else (per_minute / 60.0, float(max(1, burst)))
            self._workspace_buckets.clear()

    # ------------------------------------------------------------------ reading calls

    @property
    def calls(self) -> list[Call]:
        """A snapshot of all recorded Web API calls, oldest first."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        """The recorded calls to ``method``, oldest first (failed and throttled ones included)."""
        with self._lock:
            return [call for call in self._calls if call.method == method]

    def last(self, method: str) -> Call:
        """The most recent call to ``method``; AssertionError when there is none."""
        calls = self.calls_to(method)
        if not calls:
            called = sorted({call.method for call in self.calls})
            raise AssertionError(f"no call to {method!r}; called: {called}")
        return calls[-1]

    def wait_for(self, method: str, count: int = 1, timeout: float = 2.0) -> list[Call]:
        """Wait until ``method`` was called ``count`` times (for listeners running after ``ack()``)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(calls := self.calls_to(method)) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"{method!r} called {len(calls)} times within {timeout}s, wanted {count}")
                self._changed.wait(remaining)
            return calls

    # ------------------------------------------------------------------ reading state

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """The live (not deleted) messages in ``channel`` (a ``C…``/``D…`` id or a user id), oldest first."""
        with self._lock:
            return [dict(m) for m in self._messages.get(self._resolve_channel(channel), [])]

    def message(self, channel: str, ts: str) -> dict[str, Any]:
        """One live message; KeyError when absent."""
        for message in self.messages(channel):
            if message["ts"] == ts:
                return message
        raise KeyError((channel, ts))

    @property
    def posted(self) -> list[dict[str, Any]]:
        """Every accepted ``chat.postMessage`` as first posted (message fields plus ``channel``)."""
        with self._lock:
            return [dict(m) for m in self._posted]

    @property
    def updated(self) -> list[dict[str, Any]]:
        """Every accepted ``chat.update``: the message after the update, plus ``channel``."""
        with self._lock:
            return [dict(m) for m in self._updated]

    @property
    def deleted(self) -> list[dict[str, Any]]:
        """Every message removed by ``chat.delete``, plus ``channel``."""
        with self._lock:
            return [dict(m) for m in self._deleted]

    @property
    def ephemerals(self) -> list[dict[str, Any]]:
        """Every accepted ``chat.postEphemeral``: ``channel``, ``user``, ``text``, ``blocks``, ``message_ts``."""
        with self._lock:
            return [dict(m) for m in self._ephemerals]

    @property
    def scheduled(self) -> dict[str, dict[str, Any]]:
        """Pending ``chat.scheduleMessage`` messages by ``scheduled_message_id``."""
        with self._lock:
            return {k: dict(v) for k, v in self._scheduled.items()}

    @property
    def dms(self) -> dict[str, str]:
        """User id → DM channel id, for every DM opened or posted to so far."""
        with self._lock:
            return dict(self._dms)

    @property
    def views(self) -> dict[str, dict[str, Any]]:
        """Every modal view by id, in its latest state (opened, pushed, updated)."""
        with self._lock:
            return {k: dict(v) for k, v in self._views.items()}

    @property
    def opened_views(self) -> list[dict[str, Any]]:
        """The views opened with ``views.open`` or ``views.push``, in order, as first answered."""
        with self._lock:
            return [dict(v) for v in self._opened_views]

    @property
    def home_views(self) -> dict[str, dict[str, Any]]:
        """The Home tab last published per user id."""
        with self._lock:
            return {k: dict(v) for k, v in self._home_views.items()}

    @property
    def uploaded_files(self) -> dict[str, UploadedFile]:
        """Files by id, from ``files.getUploadURLExternal`` on; ``content`` holds the uploaded bytes."""
        with self._lock:
            return dict(self._files)

    @property
    def responses(self) -> list[dict[str, Any]]:
        """Posts to :meth:`response_url` URLs: ``name``, ``body`` (parsed JSON or text), ``headers``."""
        with self._lock:
            return [dict(r) for r in self._responses]

    # ------------------------------------------------------------------ HTTP plumbing

    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        """Route one HTTP request: ``/api/<method>``, ``/upload/v1/<file>``, ``/respond/<name>``."""
        url = urlsplit(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        headers = Headers(request.headers.items())
        if url.path.startswith("/api/"):
            status, extra, body = self._api(url.path[len("/api/"):], url.query, raw, headers)
            self._write(request, status, json.dumps(body).encode(), "application/json; charset=utf-8", extra)
        elif url.path.startswith("/upload/v1/"):
            status, text = self._upload(url.path[len("/upload/v1/"):], raw)
            self._write(request, status, text.encode(), "text/plain; charset=utf-8")
        elif url.path.startswith("/respond/"):
            self._record_response(url.path[len("/respond/"):], raw, headers)
            self._write(request, 200, b"ok", "text/plain; charset=utf-8")
        elif url.path.startswith("/files-pri/"):
            content = self._downloads.get(url.path[len("/files-pri/"):])
            authorised = headers.get("Authorization", "").startswith("Bearer xox")
            if content is None or not authorised:
                self._write(request, 404 if content is None else 403, b"no", "text/plain; charset=utf-8")
            else:
                self._write(request, 200, content, "application/octet-stream")
        else:
            self._write(request, 404, b"not found", "text/plain; charset=utf-8")

    @staticmethod
    def _write(request: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str,
               headers: dict[str, str] | None = None) -> None:
        request.send_response(status)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(body)

    @staticmethod
    def _parse_params(query: str, raw: bytes, headers: Headers) -> dict[str, Any]:
        """Query string plus body (JSON, form or multipart), JSON-valued form fields decoded."""
        params: dict[str, Any] = {}

        def add_form(pairs: dict[str, list[str]]) -> None:
            for key, values in pairs.items():
                params[key] = values[0] if len(values) == 1 else values

        add_form(parse_qs(query, keep_blank_values=True))
        content_type = (headers.get("Content-Type") or "").lower()
        if raw and content_type.startswith("application/json"):
            params.update(json.loads(raw))
            return params
        if raw and content_type.startswith("multipart/form-data"):
            message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                b"Content-Type: " + headers["Content-Type"].encode() + b"\r\n\r\n" + raw)
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                payload = part.get_payload(decode=True)
                params[name] = payload if part.get_filename() else payload.decode("utf-8")
        elif raw:
            add_form(parse_qs(raw.decode("utf-8"), keep_blank_values=True))
        for key in JSON_FIELDS & params.keys():
            value = params[key]
            if isinstance(value, str) and value[:1] in ("[", "{"):
                try:
                    params[key] = json.loads(value)
                except ValueError:
                    pass
        return params

    def _api(self, method: str, query: str, raw: bytes, headers: Headers) -> tuple[int, dict[str, str], dict]:
        received = time.time()
        params = self._parse_params(query, raw, headers)
        auth = headers.get("Authorization") or ""
        token = auth[len("Bearer "):] if auth.startswith("Bearer ") else params.get("token")
        with self._changed:
            status, extra, body = self._answer(method, params, token)
            self._calls.append(Call(method, params, headers, token, received, status, body))
            self._changed.notify_all()
        if self.latency > 0:
            time.sleep(self.latency)
        return status, extra, body

    def _answer(self, method: str, params: dict[str, Any], token: str | None) -> tuple[int, dict[str, str], dict]:
        if not token:
            return 200, {}, {"ok": False, "error": "not_authed"}
        if token in self.revoked_tokens:
            return 200, {}, {"ok": False, "error": "invalid_auth"}
        try:
            rule = next((r for r in self._rules if r.matches(method, params)), None)
            if rule is not None:
                if rule.times is not None:
                    rule.times -= 1
                if rule.retry_after is not None:
                    raise _Throttled(rule.retry_after)
                raise SlackError(rule.error or "unknown_error")
            handler = self._handlers.get(method)
            if handler is None:
                raise SlackError("unknown_method")
            self._token = token
            return 200, {}, {"ok": True, **handler(params)}
        except SlackError as error:
            return 200, {}, {"ok": False, "error": error.error}
        except _Throttled as throttled:
            self.rate_limited += 1
            return 429, {"Retry-After": str(throttled.retry_after)}, {"ok": False, "error": "ratelimited"}

    def _upload(self, file_id: str, raw: bytes) -> tuple[int, str]:
        with self._lock:
            upload = self._files.get(file_id)
            if upload is None:
                return 404, "file not found"
            upload.content = raw
            return 200, f"OK - {len(raw)}"

    def _record_response(self, name: str, raw: bytes, headers: Headers) -> None:
        text = raw.decode("utf-8")
        try:
            body: Any = json.loads(text)
        except ValueError:
            body = text
        with self._changed:
            self._responses.append({"name": name, "body": body, "headers": headers})
            self._changed.notify_all()

    # ------------------------------------------------------------------ helpers for handlers

    def _new_ts(self) -> str:
        micros = 1_700_000_000_000_000 + 100 * next(self._ts_counter)
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}0{next(self._id_counter):08d}"

    def _resolve_channel(self, channel: str) -> str:
        """User ids (``U…``/``W…``) post into their DM channel, like Slack does."""
        return self.dm_channel(channel) if channel[:1] in ("U", "W") else channel

    def _channel_info(self, channel: str) -> dict[str, Any]:
        kind = channel[:1]
        info: dict[str, Any] = {
            "id": channel,
            "created": 1_690_000_000,
            "is_channel": kind == "C",
            "is_group": False,
            "is_im": kind == "D",
            "is_mpim": False,
            "is_private": kind in ("G", "D"),
            "is_archived": False,
            "is_general": False,
            "is_member": True,
            "context_team_id": self.team_id,
        }
        if kind == "D":
            user = next((u for u, d in self._dms.items() if d == channel), None)
            info.update(user=user, is_user_deleted=False)
        else:
            info.update(name=f"kanaal-{channel.lower()}", is_shared=False, is_ext_shared=False,
                        topic={"value": "", "creator": "", "last_set": 0},
                        purpose={"value": "", "creator": "", "last_set": 0})
        info.update(self._channels.get(channel, {}))
        return info

    def _writable_channel(self, params: dict[str, Any]) -> str:
        channel = params.get("channel")
        if not channel:
            raise SlackError("channel_not_found")
        channel = self._resolve_channel(str(channel))
        info = self._channel_info(channel)
        if info.get("exists") is False:
            raise SlackError("channel_not_found")
        if info["is_archived"]:
            raise SlackError("is_archived")
        if not info["is_member"]:
            raise SlackError("not_in_channel")
        return channel

    @staticmethod
    def _check_content(params: dict[str, Any]) -> None:
        if not (params.get("text") or params.get("blocks") or params.get("attachments")):
            raise SlackError("no_text")
        blocks = params.get("blocks")
        if blocks is not None and (not isinstance(blocks, list) or len(blocks) > 50):
            raise SlackError("invalid_blocks")

    def _find(self, channel: str, ts: Any) -> dict[str, Any]:
        for message in self._messages.get(channel, []):
            if message["ts"] == ts:
                return message
        raise SlackError("message_not_found")

    def _default_user(self, user_id: str) -> dict[str, Any]:
        is_bot = user_id == self.bot_user_id
        name = "goedwerk" if is_bot else f"gebruiker.{user_id.lower()}"
        real_name = "Goedwerk" if is_bot else f"Gebruiker {user_id}"
        return {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "real_name": real_name,
            "deleted": False,
            "color": "9f69e7",
            **self._tz_fields("Europe/Amsterdam"),
            "locale": "nl-NL",
            "is_admin": False,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": 1_690_000_000,
            "profile": {"real_name": real_name, "display_name": name, "team": self.team_id,
                        **({"bot_id": self.bot_id} if is_bot else {})},
        }

    @staticmethod
    def _tz_fields(tz: str) -> dict[str, Any]:
        now = datetime.now(UTC).astimezone(ZoneInfo(tz))
        offset = now.utcoffset()
        return {"tz": tz, "tz_label": now.tzname(), "tz_offset": int(offset.total_seconds()) if offset else 0}

    # ------------------------------------------------------------------ method handlers

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": f"https://{self.team_domain}.slack.com/",
            "team": "Goedwerk Test",
            "user": "goedwerk",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "bot_user_id": self.bot_user_id,
            "app_id": self.app_id,
            "is_enterprise_install": False,
        }

    def _chat_post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._writable_channel(params)
        self._check_content(params)
        self._take_post_slot(channel, self._token)
        ts = self._new_ts()
        message: dict[str, Any] = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
            "text": params.get("text") or "",
            "ts": ts,
        }
        for key in ("blocks", "attachments", "metadata"):
            if params.get(key):
                message[key] = params[key]
        thread_ts = params.get("thread_ts")
        if thread_ts:
            message["thread_ts"] = thread_ts
            parent = next((m for m in self._messages.get(channel, []) if m["ts"] == thread_ts), None)
            if parent is not None:
                parent.setdefault("thread_ts", thread_ts)
                parent["reply_count"] = parent.get("reply_count", 0) + 1
            if _truthy(params.get("reply_broadcast")):
                message["subtype"] = "thread_broadcast"
        self._messages.setdefault(channel, []).append(message)
        self._posted.append({**message, "channel": channel})
        return {"channel": channel, "ts": ts, "message": dict(message)}

    def _take_post_slot(self, channel: str, token: str | None) -> None:
        """Count a post toward the enforced limits, or raise :class:`_Throttled` (counting nothing)."""
        now = time.monotonic()
        channel_wait = workspace_wait = 0.0
        if self._channel_rate:
            channel_wait = self._last_post.get(channel, -math.inf) + 1.0 / self._channel_rate - now
        if self._workspace_rate:
            rate, burst = self._workspace_rate
            left, then = self._workspace_buckets.get(token, (burst, now))
            left = min(burst, left + (now - then) * rate)
            workspace_wait = (1.0 - left) / rate
        if channel_wait > 0 or workspace_wait > 0:
            self.rate_limited_by["channel" if channel_wait >= workspace_wait else "workspace"] += 1
            raise _Throttled(max(1, math.ceil(max(channel_wait, workspace_wait))))
        if self._channel_rate:
            self._last_post[channel] = now
        if self._workspace_rate:
            self._workspace_buckets[token] = (left - 1.0, now)

    def _chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(str(params.get("channel") or ""))
        message = self._find(channel, params.get("ts"))
        if not (params.get("text") or params.get("blocks") or params.get("attachments") or params.get("metadata")):
            raise SlackError("no_text")
        if params.get("blocks") is not None:
            self._check_content({"text": "x", "blocks": params["blocks"]})
        for key in ("text", "blocks", "attachments", "metadata"):
            if key in params:
                message[key] = params[key]
        message["edited"] = {"user": self.bot_user_id, "ts": self._new_ts()}
        self._updated.append({**message, "channel": channel})
        return {"channel": channel, "ts": message["ts"], "text": message.get("text", ""), "message": dict(message)}

    def _chat_delete(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(str(params.get("channel") or ""))
        message = self._find(channel, params.get("ts"))
        self._messages[channel].remove(message)
        self._deleted.append({**message, "channel": channel})
        return {"channel": channel, "ts": message["ts"]}

    def _chat_post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._writable_channel(params)
        user = params.get("user")
        if not user:
            raise SlackError("user_not_found")
        if channel in self._members and user not in self._members[channel]:
            raise SlackError("user_not_in_channel")
        self._check_content(params)
        message_ts = self._new_ts()
        self._ephemerals.append({"channel": channel, "user": user, "text": params.get("text") or "",
                                 "blocks": params.get("blocks"), "thread_ts": params.get("thread_ts"),
                                 "message_ts": message_ts})
        return {"message_ts": message_ts}

    def _chat_get_permalink(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(str(params.get("channel") or ""))
        ts = str(params.get("message_ts") or "")
        self._find(channel, ts)
        return {"channel": channel,
                "permalink": f"https://{self.team_domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"}

    def _chat_schedule_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._writable_channel(params)
        self._check_content(params)
        post_at = int(float(params.get("post_at") or 0))
        now = time.time()
        if post_at <= now:
            raise SlackError("time_in_past")
        if post_at > now + 120 * 86_400:
            raise SlackError("time_too_far")
        scheduled_id = self._new_id("Q")
        message = {"text": params.get("text") or "", "type": "delayed_message", "user": self.bot_user_id,
                   "bot_id": self.bot_id, "team": self.team_id}
        if params.get("blocks"):
            message["blocks"] = params["blocks"]
        self._scheduled[scheduled_id] = {**message, "channel": channel, "post_at": post_at,
                                         "id": scheduled_id, "metadata": params.get("metadata")}
        return {"channel": channel, "scheduled_message_id": scheduled_id, "post_at": post_at, "message": message}

    def _chat_delete_scheduled_message(self, params: dict[str, Any]) -> dict[str, Any]:
        if self._scheduled.pop(str(params.get("scheduled_message_id")), None) is None:
            raise SlackError("invalid_scheduled_message_id")
        return {}

    def _conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel") or "")
        info = self._channel_info(channel)
        if not channel or info.pop("exists", True) is False:
            raise SlackError("channel_not_found")
        return {"channel": info}

    def _conversations_members(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel") or "")
        if not channel:
            raise SlackError("channel_not_found")
        members = self._members.get(channel, [self.bot_user_id])
        page, next_cursor = _page(members, params)
        return {"members": page, "response_metadata": {"next_cursor": next_cursor}}

    def _conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        users = params.get("users") or ""
        user_ids = [u.strip() for u in (users if isinstance(users, list) else str(users).split(",")) if u.strip()]
        if params.get("channel"):
            return {"channel": {"id": params["channel"]}}
        if not user_ids:
            raise SlackError("users_list_not_supplied")
        if len(user_ids) > 1:
            return {"channel": {"id": self._new_id("G"), "is_mpim": True}}
        already = user_ids[0] in self._dms
        channel = self.dm_channel(user_ids[0])
        if _truthy(params.get("return_im")):
            return {"no_op": already, "already_open": already, "channel": self._channel_info(channel)}
        return {"no_op": already, "already_open": already, "channel": {"id": channel}}

    def _history_page(self, messages: list[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
        oldest, latest = params.get("oldest"), params.get("latest")
        inclusive = _truthy(params.get("inclusive"))

        def within(ts: str) -> bool:
            low = oldest is None or (float(ts) >= float(oldest) if inclusive else float(ts) > float(oldest))
            high = latest is None or (float(ts) <= float(latest) if inclusive else float(ts) < float(latest))
            return low and high

        with_metadata = _truthy(params.get("include_all_metadata"))
        selected = [m for m in messages if within(m["ts"])]
        page, next_cursor = _page(selected, params)
        shown = [dict(m) if with_metadata else {k: v for k, v in m.items() if k != "metadata"} for m in page]
        return {"messages": shown, "has_more": bool(next_cursor),
                "response_metadata": {"next_cursor": next_cursor}}

    def _conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(str(params.get("channel") or ""))
        if not channel:
            raise SlackError("channel_not_found")
        top_level = [m for m in self._messages.get(channel, [])
                     if m.get("thread_ts") in (None, m["ts"]) or m.get("subtype") == "thread_broadcast"]
        return {**self._history_page(list(reversed(top_level)), params), "pin_count": 0}

    def _conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(str(params.get("channel") or ""))
        parent = self._find(channel, params.get("ts"))
        thread = [m for m in self._messages.get(channel, [])
                  if m is parent or m.get("thread_ts") == parent["ts"]]
        return self._history_page(thread, params)

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user_id = str(params.get("user") or "")
        if not user_id:
            raise SlackError("user_not_found")
        user = dict(self._users.get(user_id) or self._default_user(user_id))
        if not _truthy(params.get("include_locale")):
            user.pop("locale", None)
        return {"user": user}

    def _take_trigger(self, params: dict[str, Any]) -> None:
        trigger_id = params.get("trigger_id") or params.get("interactivity_pointer")
        if not trigger_id:
            raise SlackError("invalid_arguments")
        if self.single_use_triggers:
            if trigger_id in self._used_triggers:
                raise SlackError("expired_trigger_id")
            self._used_triggers.add(trigger_id)

    def _make_view(self, view: Any, **extra: Any) -> dict[str, Any]:
        if not isinstance(view, dict) or "type" not in view:
            raise SlackError("invalid_arguments")
        blocks = view.get("blocks") or []
        if len(blocks) > 100:
            raise SlackError("invalid_arguments")
        view_id = extra.pop("id", None) or self._new_id("V")
        return {
            "id": view_id,
            "team_id": self.team_id,
            "type": view["type"],
            "blocks": blocks,
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{next(self._id_counter):08d}",
            "title": view.get("title"),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "external_id": view.get("external_id", ""),
            "app_id": self.app_id,
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
            "previous_view_id": None,
            "root_view_id": view_id,
            **extra,
        }

    def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        view = self._make_view(params.get("view"))
        self._take_trigger(params)
        self._views[view["id"]] = view
        self._opened_views.append(dict(view))
        return {"view": view}

    def _views_push(self, params: dict[str, Any]) -> dict[str, Any]:
        view = self._make_view(params.get("view"))
        self._take_trigger(params)
        self._views[view["id"]] = view
        self._opened_views.append(dict(view))
        return {"view": view}

    def _views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        view_id, external_id = params.get("view_id"), params.get("external_id")
        current = self._views.get(view_id) if view_id else next(
            (v for v in self._views.values() if external_id and v.get("external_id") == external_id), None)
        if current is None:
            raise SlackError("not_found")
        if params.get("hash") and params["hash"] != current["hash"]:
            raise SlackError("hash_conflict")
        view = self._make_view(params.get("view"), id=current["id"], root_view_id=current["root_view_id"],
                               previous_view_id=current["previous_view_id"])
        self._views[view["id"]] = view
        return {"view": view}

    def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        user_id = params.get("user_id")
        if not user_id:
            raise SlackError("invalid_arguments")
        view = params.get("view")
        if not isinstance(view, dict) or view.get("type") != "home":
            raise SlackError("invalid_arguments")
        current = self._home_views.get(user_id)
        if current and params.get("hash") and params["hash"] != current["hash"]:
            raise SlackError("hash_conflict")
        published = self._make_view(view, id=current["id"] if current else None)
        self._home_views[user_id] = published
        return {"view": published}

    def _files_get_upload_url(self, params: dict[str, Any]) -> dict[str, Any]:
        filename, length = params.get("filename"), params.get("length")
        if not filename or length in (None, ""):
            raise SlackError("invalid_arguments")
        file_id = self._new_id("F")
        self._files[file_id] = UploadedFile(file_id, str(filename), int(length), alt_txt=params.get("alt_txt"),
                                            snippet_type=params.get("snippet_type"))
        return {"upload_url": f"{self.origin}/upload/v1/{file_id}", "file_id": file_id}

    def _files_complete_upload(self, params: dict[str, Any]) -> dict[str, Any]:
        entries = params.get("files")
        if not isinstance(entries, list) or not entries:
            raise SlackError("invalid_arguments")
        wanted = params.get("channels") or params.get("channel_id") or ""
        channels = [c.strip() for c in (wanted if isinstance(wanted, list) else str(wanted).split(",")) if c.strip()]
        answered = []
        for entry in entries:
            upload = self._files.get(entry.get("id"))
            if upload is None or upload.content is None:
                raise SlackError("file_not_found")
            upload.title = entry.get("title") or upload.filename
            upload.completed = True
            upload.channels = channels
            upload.initial_comment = params.get("initial_comment")
            upload.thread_ts = params.get("thread_ts")
            answered.append({
                "id": upload.id,
                "created": int(time.time()),
                "name": upload.filename,
                "title": upload.title,
                "mimetype": "application/octet-stream",
                "filetype": upload.filename.rsplit(".", 1)[-1] if "." in upload.filename else "binary",
                "size": len(upload.content),
                "user": self.bot_user_id,
                "channels": channels,
                "url_private": f"https://files.slack.com/files-pri/{self.team_id}-{upload.id}/{upload.filename}",
                "permalink": f"https://{self.team_domain}.slack.com/files/{self.bot_user_id}/{upload.id}/"
                             f"{upload.filename}",
            })
        return {"files": answered}


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """A running :class:`FakeSlack`, stopped after the test (import it into a conftest or test module)."""
    with FakeSlack() as fake:
        yield fake
