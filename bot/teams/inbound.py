"""One inbound Teams activity: checked, remembered, turned into an engine event, answered.

:func:`handle_activity` is the seam between HTTP and the rest: the raw body and the
``Authorization`` header in, a :class:`Reply` (HTTP status and JSON body) out. It is
synchronous: the engine's effects are sent before it returns (the durable request inbox
will take that part over). Nothing is stored and nothing is done for an activity whose
token or tenant is refused (:mod:`bot.teams.auth`); only the reason is logged.

What comes in:

- a ``message`` with text: a command. In a channel (or group chat) only when it mentions
  the bot, the text after that mention (as its mention entity marks it); in the 1:1 chat
  the person is pointed to their team channel;
- a ``message`` with ``value`` and no text: a card button (``Action.Submit``), the
  engine's ``Choose``;
- anything else (conversation updates, reactions, unknown invokes): remembered and
  answered with an empty 202 (200 for an invoke), never an error.
"""

from __future__ import annotations

import html
import json
import logging
from dataclasses import dataclass

from microsoft_agents.activity import Activity
from pydantic import ValidationError

from bot.teams import actors, cards, conversations
from bot.teams.auth import ActivityAuth, Refused
from bot.teams.sender import TeamsSender, Turn
from flows.clock import Clock
from flows.effects import Ephemeral, Place
from flows.engine.core import Defaults, Engine
from flows.events import Choose, Command
from flows.i18n import N_, t
from flows.store.db import Database
from flows.views import Notice

log = logging.getLogger("goedwerk.teams")
MAX_BODY = 256 * 1024
"""The largest activity accepted (Teams' messages are capped far below this)."""
USE_IN_CHANNEL = N_("goedwerk works in a team channel: mention me there, for example '@goedwerk start'.")


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict | None = None


@dataclass
class TeamsServices:
    """What inbound handling needs, in one place."""

    db: Database
    engine: Engine
    auth: ActivityAuth
    sender: TeamsSender
    defaults: Defaults
    clock: Clock


def handle_activity(services: TeamsServices, authorization: str | None, body: bytes) -> Reply:
    """Check, remember and act on one activity (see the module's docstring)."""
    if len(body) > MAX_BODY:
        return Reply(413)
    try:
        raw = json.loads(body)
    except ValueError:
        log.warning("teams activity refused (400): not JSON")
        return Reply(400)
    if not isinstance(raw, dict):
        log.warning("teams activity refused (400): not an object")
        return Reply(400)
    try:
        claims = services.auth.check(authorization, raw)
    except Refused as refused:
        log.warning("teams activity refused (%s): %s", refused.status, refused.reason)
        return Reply(refused.status)
    try:
        activity = Activity.model_validate(raw)
    except ValidationError as error:
        log.warning("teams activity refused (400): %d field(s) of the wrong shape", error.error_count())
        return Reply(400)
    where = actors.conversation_of(activity, claims.tenant)
    if where is None:
        log.info("teams activity without a conversation ignored")
        return _empty(activity)
    conversations.remember(services.db, where, services.clock.now())
    if activity.type == "message":
        _message(services, activity, where)
        return Reply(202)
    return _empty(activity)


def _empty(activity: Activity) -> Reply:
    """The answer to an activity goedwerk does nothing with: 200 for an invoke, else 202."""
    return Reply(200) if activity.type == "invoke" else Reply(202)


def _message(services: TeamsServices, activity: Activity, where: conversations.ConversationRef) -> None:
    turn = Turn(where, actors.user_of(activity))
    value = activity.value if isinstance(activity.value, dict) else None
    if value is not None and not (activity.text or "").strip():
        _click(services, activity, where, value, turn)
        return
    if where.kind == "personal":
        language = services.defaults.language
        note = Notice(language, t(language, USE_IN_CHANNEL), error=True)
        services.sender.deliver([Ephemeral(Place(actors.PLATFORM, where.tenant, where.conversation),
                                           turn.user, note)], turn)
        return
    if not activity.is_recipient_mentioned():
        return  # channel chatter that does not address us (Teams sends it only with extra permissions)
    text = " ".join(html.unescape(activity.remove_recipient_mention()).split())
    who = actors.actor(activity, where)
    services.sender.deliver(services.engine.handle(Command(who, text)), turn)


def _click(services: TeamsServices, activity: Activity, where: conversations.ConversationRef, value: dict,
           turn: Turn) -> None:
    """A card button: ``value`` names the engine's action (untrusted; the engine checks it)."""
    action, choice = value.get(cards.ACTION), value.get(cards.VALUE, "")
    if not isinstance(action, str) or not isinstance(choice, str) or len(action) > 64 or len(choice) > 200:
        log.info("card submit without an action of ours ignored")
        return
    channel = value.get(cards.CHANNEL) if where.kind == "personal" else None
    if where.kind == "personal" and not isinstance(channel, str):
        log.info("card submit in a 1:1 chat without its channel ignored")
        return
    who = actors.actor(activity, where, channel=channel)
    services.sender.deliver(services.engine.handle(Choose(who, action, choice)), turn)
