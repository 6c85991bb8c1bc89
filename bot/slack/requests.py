"""Slack's side of the requests inbox: what a listener records, and the work a claimed row does.

A listener turns Slack's request into an :class:`bot.runtime.inbox.Request`
(:func:`command`, :func:`action`, :func:`view`, :func:`shortcut`, :func:`home_opened`),
hands it to the intake, which writes it to the database, and only then calls ``ack()``.
A worker in any process later runs :class:`SlackRequestRunner` on the claimed row: it
rebuilds the Web API client from the team's token and the ``respond`` of the request
from its ``response_url``, and calls the kind's work function with a
:class:`SlackRequest`, through which the engine is asked and its effects delivered.

Slack's context expires: a ``trigger_id`` after 3 seconds, a ``response_url`` after 30
minutes. Work that comes up later still does its database part; a form that can no
longer open becomes a private note asking to click again, and answers go as ephemeral
messages through the Web API instead of the response URL.
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from bot.runtime import inbox
from bot.slack import actors
from bot.slack.sender import ERROR_TEXTS
from bot.slack.services import SlackServices
from flows.effects import Effect, Ephemeral, OpenForm
from flows.engine.core import HandledElsewhere
from flows.events import Event
from flows.i18n import t
from flows.views import Notice

log = logging.getLogger("goedwerk.slack")

TRIGGER_BUDGET = 2.5
"""Seconds after its arrival that a request may still open a form: Slack's trigger id lives
3 s, and the request reached us a little after Slack made it."""
RESPONSE_URL_BUDGET = 29 * 60.0
"""Seconds after its arrival that a request's ``response_url`` is still used (Slack: 30 minutes)."""

COMMAND, ACTION, SHORTCUT, HOME = "command", "action", "shortcut", "home"
VIEW_CONTRIBUTE, VIEW_IMAGE, VIEW_START = "view:contribute", "view:image", "view:start"
WORK = {
    COMMAND: "bot.slack.listeners.interactions:run_command",
    ACTION: "bot.slack.listeners.interactions:run_action",
    SHORTCUT: "bot.slack.listeners.shortcuts:run_shortcut",
    HOME: "bot.slack.listeners.events:publish_home",
    VIEW_CONTRIBUTE: "bot.slack.listeners.views:run_contribution",
    VIEW_IMAGE: "bot.slack.listeners.views:run_image",
    VIEW_START: "bot.slack.listeners.views:run_start",
}
"""The work function of each kind of row: ``work(request: SlackRequest)``."""


# --- what listeners record ---------------------------------------------------------------

def _lane(team: str, channel: str, user: str) -> str:
    return f"{team}/{channel}" if channel else f"{team}/@{user}"


def command(body: dict, urgent: bool) -> inbox.Request:
    """A slash command; unique by its trigger id (Slack never retries a command)."""
    team, channel, user = body.get("team_id", ""), body.get("channel_id", ""), body.get("user_id", "")
    key = body.get("trigger_id") or f"{team}:{channel}:{user}:{time.time_ns()}"
    return inbox.Request(actors.PLATFORM, f"command:{key}", COMMAND, _lane(team, channel, user), body, urgent)


def action(body: dict, channel: str, urgent: bool) -> inbox.Request:
    """A click on one of our buttons or menus: a double click on the same element while the
    first is waiting is one row."""
    team, user = actors.team_of(body), (body.get("user") or {}).get("id", "")
    clicked = (body.get("actions") or [{}])[0]
    where = (body.get("container") or {}).get("message_ts") or (body.get("view") or {}).get("id", "")
    key = f"action:{user}:{clicked.get('action_id')}:{clicked.get('value') or clicked.get('selected_option')}:{where}"
    return inbox.Request(actors.PLATFORM, key, ACTION, _lane(team, channel, user), body, urgent)


def view(kind: str, body: dict, channel: str) -> inbox.Request:
    """A form submission; unique by the view's id (a form is submitted once)."""
    team, user = actors.team_of(body), (body.get("user") or {}).get("id", "")
    return inbox.Request(actors.PLATFORM, f"view:{(body.get('view') or {}).get('id')}", kind,
                         _lane(team, channel, user), body)


def shortcut(body: dict, verb: str, urgent: bool) -> inbox.Request:
    """A message shortcut (edit or delete a contribution); unique by its trigger id."""
    team, user = actors.team_of(body), (body.get("user") or {}).get("id", "")
    channel = (body.get("channel") or {}).get("id", "")
    return inbox.Request(actors.PLATFORM, f"shortcut:{body.get('trigger_id')}", SHORTCUT,
                         _lane(team, channel, user), {**body, "goedwerk_verb": verb}, urgent)


def home_opened(body: dict) -> inbox.Request:
    """The App Home tab opened; unique by the event's id (Slack retries events)."""
    team, user = actors.team_of(body), (body.get("event") or {}).get("user", "")
    return inbox.Request(actors.PLATFORM, f"event:{body.get('event_id')}", HOME, _lane(team, "", user), body)


# --- what a worker runs -----------------------------------------------------------------

@dataclass
class SlackRequest:
    """One claimed request being worked on: the payload and what its work needs."""

    services: SlackServices
    body: dict
    client: WebClient
    respond: Respond | None
    trigger_id: str | None
    """None when the request's trigger is too old to open a form."""
    record_handled: Callable[[object, list[Effect]], None]
    resend: bool = False
    delivered: list[Effect] = field(default_factory=list)

    def handle(self, event: Event) -> list[Effect]:
        """Ask the engine; the row is marked handled (with these effects) in the same transaction."""
        return self.services.engine.handle(event, within=self.record_handled)

    def deliver(self, effects: Sequence[Effect], *, respond: Respond | None | bool = True) -> list[str]:
        """Send ``effects`` (``respond=None``: not through the response URL)."""
        effects = self.in_time(effects)
        self.delivered.extend(effects)
        return self.services.sender.deliver(effects, client=self.client, trigger_id=self.trigger_id,
                                            respond=self.respond if respond is True else (respond or None),
                                            resend=self.resend)

    def in_time(self, effects: Sequence[Effect]) -> list[Effect]:
        """``effects``, with forms whose trigger expired replaced by a note asking to try again."""
        if self.trigger_id is not None:
            return list(effects)
        return [too_late(effect) if isinstance(effect, OpenForm) else effect for effect in effects]


def too_late(form: OpenForm) -> Ephemeral:
    """The private note that replaces a form that could not open in time."""
    language = getattr(form.view, "language", None) or "nl"
    return Ephemeral(form.place, form.user, Notice(language, t(language, ERROR_TEXTS["expired_trigger_id"]),
                                                   error=True))


def _work(kind: str) -> Callable[[SlackRequest], None]:
    module, _, name = WORK[kind].partition(":")
    return getattr(importlib.import_module(module), name)


class SlackRequestRunner:
    """Runs claimed Slack rows (a :data:`bot.runtime.workers.Runner`) with ``services`` and
    the team's Web API client from ``client_for_team``."""

    def __init__(self, services: SlackServices, client_for_team: Callable[[str], WebClient | None],
                 clock: Callable[[], float] = time.time) -> None:
        self.services = services
        self.client_for_team = client_for_team
        self.clock = clock

    def __call__(self, row: inbox.Claimed, owner: str) -> None:
        body = row.payload
        team = body.get("team_id") or actors.team_of(body)
        client = self.client_for_team(str(team))
        if client is None:
            log.error("request %s of team %s: no token; dropped", row.id, team)
            return
        age = self.clock() - row.received_at
        url = body.get("response_url") or next(
            (item.get("response_url") for item in body.get("response_urls") or [] if item.get("response_url")), None)
        respond = Respond(response_url=url) if url and age < RESPONSE_URL_BUDGET else None
        trigger_id = body.get("trigger_id") if age <= TRIGGER_BUDGET else None
        if body.get("trigger_id") and trigger_id is None:
            log.warning("request %s (%s) came up %.1f s after it arrived: too late for a form", row.id, row.kind, age)
        resend = row.attempts > 1

        def record_handled(session, effects: list[Effect]) -> None:
            if not inbox.mark_handled(session, row.id, owner, effects):
                raise HandledElsewhere(f"request {row.id}")

        request = SlackRequest(self.services, body, client, respond, trigger_id, record_handled, resend)
        if row.effects is not None:  # the engine's part was done before a crash: only deliver
            request.deliver(row.effects)
            return
        try:
            _work(row.kind)(request)
        except HandledElsewhere:
            log.warning("request %s was taken over by another process", row.id)
