"""A local fake of the Teams Bot Connector service, over HTTPS, for offline end-to-end tests.

It answers the REST calls goedwerk makes as the real service does (shapes from Microsoft's
documentation and :file:`shared/design/teams.md` §4) and keeps what a test wants to read:

- ``POST {path}v3/conversations``: with ``isGroup`` and ``channelData.channel.id`` and an
  ``activity``, a new top-level channel post → ``{"id": "<channel>;messageid=<n>",
  "activityId": "<n>"}``; with one member, the 1:1 chat with that person →
  ``{"id": "a:1personal-<member>"}`` (the same chat every time).
- ``POST {path}v3/conversations/{id}/activities``: a reply in a channel thread
  (``<channel>;messageid=<root>``) or a message in a chat → ``{"id": "<n>"}``.
- ``PUT``/``DELETE {path}v3/conversations/{id}/activities/{activityId}``: only activities
  the bot sent in that conversation (else 404 ``NotFound``).
- ``GET {path}v3/conversations/{teamId}/pagedmembers``: the roster a test set
  (:meth:`FakeConnector.set_roster`), in pages with a ``continuationToken``.

Every call needs ``Authorization: Bearer <token>`` with a token the fake login host issued
(else 401). ``path`` is the serviceUrl's own path (``/emea/``): other paths are 404.
:meth:`FakeConnector.throttle` makes the next calls answer 429 (or 412, 502, 504) with a
``Retry-After``. Activity ids are increasing numbers across the whole fake.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote

from tests.teams.https_server import Answer, HttpsFake, Request

ADAPTIVE = "application/vnd.microsoft.card.adaptive"


@dataclass
class Posted:
    """One activity the bot sent; ``conversation`` is where it is (a thread or a chat)."""

    conversation: str
    activity_id: str
    activity: dict
    versions: list[dict] = field(default_factory=list)
    deleted: bool = False

    @property
    def cards(self) -> list[dict]:
        return [attachment["content"] for attachment in self.activity.get("attachments") or []
                if attachment.get("contentType") == ADAPTIVE]

    @property
    def card(self) -> dict:
        (card,) = self.cards
        return card

    @property
    def texts(self) -> list[str]:
        """Every TextBlock/RichText text of the activity's cards, in order (for assertions)."""
        found: list[str] = []
        for card in self.cards:
            _collect_texts(card, found)
        if self.activity.get("text"):
            found.insert(0, self.activity["text"])
        return found


def _collect_texts(node, found: list[str]) -> None:
    if isinstance(node, dict):
        if node.get("type") in ("TextBlock", "TextRun") and isinstance(node.get("text"), str):
            found.append(node["text"])
        for value in node.values():
            _collect_texts(value, found)
    elif isinstance(node, list):
        for item in node:
            _collect_texts(item, found)


class FakeConnector(HttpsFake):
    def __init__(self, *, path: str = "/emea/", valid_token: Callable[[str], bool]) -> None:
        self.path = path
        self.valid_token = valid_token
        self.posted: list[Posted] = []
        self._ids = itertools.count(1765000000001)
        self._throttles: list[tuple[int, str | None]] = []
        self.rosters: dict[str, list[dict]] = {}
        """Members per team id (or chat), as ``pagedmembers`` lists them (:meth:`set_roster`)."""
        self.calls: list[tuple[str, str]] = []
        """(method, path below the serviceUrl) of every call, throttled ones included."""
        super().__init__()

    @property
    def service_url(self) -> str:
        return self.base_url + self.path

    def throttle(self, times: int = 1, *, status: int = 429, retry_after: str | None = "0") -> None:
        """Answer the next ``times`` calls with ``status`` (and ``Retry-After``)."""
        with self.lock:
            self._throttles.extend([(status, retry_after)] * times)

    def set_roster(self, team: str, users: list[str]) -> None:
        """The team's members: the ``29:`` ids given, plus the bot itself as Teams lists it."""
        with self.lock:
            self.rosters[team] = [{"id": user, "name": user.split(":")[-1], "aadObjectId": f"aad-{user}",
                                   "tenantId": "t", "userRole": "user"} for user in users]

    # -- what a test reads ----------------------------------------------------------------

    def top_level(self, channel: str) -> list[Posted]:
        """The bot's new posts in a channel, oldest first."""
        with self.lock:
            return [post for post in self.posted if post.conversation == f"{channel};messageid={post.activity_id}"
                    and not post.deleted]

    def replies(self, channel: str, root: str) -> list[Posted]:
        with self.lock:
            return [post for post in self.posted if post.conversation == f"{channel};messageid={root}"
                    and post.activity_id != root and not post.deleted]

    def chat(self, user: str) -> list[Posted]:
        """What the bot sent the person in their 1:1 chat."""
        with self.lock:
            return [post for post in self.posted if post.conversation == personal_chat_id(user) and not post.deleted]

    def all_cards(self) -> list[dict]:
        """Every card the bot sent, every version of it."""
        with self.lock:
            return [card for post in self.posted for activity in [*post.versions, post.activity]
                    for card in Posted(post.conversation, post.activity_id, activity).cards]

    # -- the service ------------------------------------------------------------------------

    def answer(self, request: Request) -> Answer:
        if not request.path.startswith(self.path + "v3/"):
            return _error(404, "NotFound", "unknown path")
        rest = request.path[len(self.path):]
        with self.lock:
            self.calls.append((request.method, rest))
            throttled = self._throttles.pop(0) if self._throttles else None
        authorization = request.headers.get("authorization", "")
        if not authorization.startswith("Bearer ") or not self.valid_token(authorization[len("Bearer "):]):
            return _error(401, "Unauthorized", "Authorization has been denied for this request.")
        if throttled is not None:
            status, retry_after = throttled
            headers = (("Retry-After", retry_after),) if retry_after is not None else ()
            return Answer(status, {"error": {"code": "Throttled" if status == 429 else "ServiceError",
                                             "message": "slow down"}}, headers)
        parts = [unquote(part) for part in rest.split("/")]  # v3, conversations, {id}, activities, {id}
        with self.lock:
            if parts == ["v3", "conversations"] and request.method == "POST":
                return self._create(request.json())
            if len(parts) == 4 and parts[3] == "activities" and request.method == "POST":
                return self._send(parts[2], request.json())
            if len(parts) == 5 and parts[3] == "activities" and request.method == "POST":
                return self._send(parts[2], request.json())  # a reply to an activity: same place
            if len(parts) == 5 and parts[3] == "activities" and request.method == "PUT":
                return self._update(parts[2], parts[4], request.json())
            if len(parts) == 5 and parts[3] == "activities" and request.method == "DELETE":
                return self._delete(parts[2], parts[4])
            if len(parts) == 4 and parts[3] == "pagedmembers" and request.method == "GET":
                return self._members(parts[2], request.query)
        return _error(404, "NotFound", "unknown operation")

    def _create(self, body: dict) -> Answer:
        if not isinstance(body, dict) or not (body.get("tenantId") or (body.get("channelData") or {}).get("tenant")):
            return _error(400, "BadArgument", "tenant missing")
        channel = ((body.get("channelData") or {}).get("channel") or {}).get("id")
        activity = body.get("activity")
        if body.get("isGroup") and channel:
            if not _has_content(activity):
                return _error(400, "BadArgument", "a channel post needs an activity")
            activity_id = str(next(self._ids))
            conversation = f"{channel};messageid={activity_id}"
            self.posted.append(Posted(conversation, activity_id, activity))
            return Answer(201, {"id": conversation, "activityId": activity_id})
        members = body.get("members") or []
        if body.get("isGroup") or len(members) != 1 or not str(members[0].get("id", "")).startswith("29:"):
            return _error(400, "BadArgument", "a 1:1 chat needs exactly one member")
        conversation = personal_chat_id(members[0]["id"])
        answer = {"id": conversation}
        if _has_content(activity):
            activity_id = str(next(self._ids))
            self.posted.append(Posted(conversation, activity_id, activity))
            answer["activityId"] = activity_id
        return Answer(201, answer)

    def _send(self, conversation: str, activity: dict) -> Answer:
        if not _has_content(activity):
            return _error(400, "BadArgument", "Unknown activity type or empty message")
        if not (";messageid=" in conversation or conversation.startswith("a:")):
            return _error(404, "ConversationNotFound", "Conversation not found.")
        activity_id = str(next(self._ids))
        self.posted.append(Posted(conversation, activity_id, activity))
        return Answer(201, {"id": activity_id})

    def _find(self, conversation: str, activity_id: str) -> Posted | None:
        channel = conversation.split(";messageid=")[0]
        for post in self.posted:
            if post.activity_id == activity_id and not post.deleted and (
                    post.conversation == conversation or post.conversation.split(";messageid=")[0] == channel):
                return post
        return None

    def _update(self, conversation: str, activity_id: str, activity: dict) -> Answer:
        post = self._find(conversation, activity_id)
        if post is None:
            return _error(404, "NotFound", "The requested resource was not found.")
        if not _has_content(activity):
            return _error(400, "BadArgument", "empty message")
        post.versions.append(post.activity)
        post.activity = activity
        return Answer(200, {"id": activity_id})

    def _delete(self, conversation: str, activity_id: str) -> Answer:
        post = self._find(conversation, activity_id)
        if post is None:
            return _error(404, "NotFound", "The requested resource was not found.")
        post.deleted = True
        return Answer(200, None)


    def _members(self, team: str, query: dict) -> Answer:
        if team not in self.rosters:
            return _error(404, "ConversationNotFound", "Conversation not found.")
        size = int((query.get("pageSize") or ["200"])[0])
        start = int((query.get("continuationToken") or ["0"])[0])
        page = self.rosters[team][start:start + size]
        answer = {"members": page}
        if start + size < len(self.rosters[team]):
            answer["continuationToken"] = str(start + size)
        return Answer(200, answer)


def personal_chat_id(user: str) -> str:
    return f"a:1personal-{user}"


def _has_content(activity) -> bool:
    return isinstance(activity, dict) and activity.get("type") == "message" and bool(
        activity.get("text") or activity.get("attachments"))


def _error(status: int, code: str, message: str) -> Answer:
    return Answer(status, {"error": {"code": code, "message": message}})
