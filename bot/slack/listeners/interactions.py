"""Slash command, buttons and menus: record, acknowledge; later translate, call the engine, send.

Every listener writes the request to the inbox (:mod:`bot.slack.requests`) and then
calls ``ack()``, so what Slack was told we received is in the database; a worker in
any process does the rest. A click or command that opens a form is urgent (see
:mod:`.forms`).
"""

from __future__ import annotations

import logging

from slack_bolt import App

from bot.slack import actors, requests
from bot.slack.blocks import ACTION_PATTERN, decode_action
from bot.slack.blocks.home import HOME_DELETE, HOME_EDIT
from bot.slack.requests import SlackRequest
from bot.slack.services import SlackServices
from flows.effects import Ephemeral, Place
from flows.engine import traits
from flows.events import Choose, Command
from flows.i18n import N_, t
from flows.views import Notice

log = logging.getLogger("goedwerk.slack")
USE_IN_CHANNEL = N_("goedwerk works in a team channel: type /goedwerk there (invite me first with /invite @goedwerk).")


def register(app: App, services: SlackServices) -> None:
    @app.command("/goedwerk")
    def on_command(ack, command):
        services.intake.submit(requests.command(command, traits.command_opens_form(command.get("text", "") or "")))
        ack()

    @app.action(ACTION_PATTERN)
    def on_action(ack, body, action):
        choice = _choice(body, action)
        if choice is None:
            ack()
            log.info("ignored unknown action id %r", str(action.get("action_id"))[:80])
            return
        services.intake.submit(requests.action(body, choice[2], traits.choice_opens_form(choice[0])))
        ack()


def run_command(request: SlackRequest) -> None:
    """The work behind a slash command (after ``ack()``)."""
    command, client = request.body, request.client
    team, channel, user = command.get("team_id", ""), command.get("channel_id", ""), command.get("user_id", "")
    text = command.get("text", "") or ""
    defaults = request.services.defaults
    if channel.startswith("D") or command.get("channel_name") == "directmessage":
        note = Notice(defaults.language, t(defaults.language, USE_IN_CHANNEL), error=True)
        request.deliver([Ephemeral(Place(actors.PLATFORM, team, channel), user, note)])
        return
    needs = traits.of_command(text)
    admin = actors.is_admin(client, user) if needs.facilitator_or_admin else False
    name = actors.display_name(client, user) if needs.needs_name else command.get("user_name")
    who = actors.actor(team, channel, user, user_name=name, channel_name=command.get("channel_name"),
                       is_admin=admin)
    request.deliver(request.handle(Command(who, text)))


def run_action(request: SlackRequest) -> None:
    """The work behind a button or menu of ours (after ``ack()``)."""
    body, client, services = request.body, request.client, request.services
    action = (body.get("actions") or [{}])[0]
    choice = _choice(body, action)
    team, user = actors.team_of(body), body.get("user", {}).get("id", "")
    if choice is None:
        log.info("ignored unknown action id %r", str(action.get("action_id"))[:80])
        return
    name, value, channel = choice
    from_home = action.get("action_id") in (HOME_EDIT, HOME_DELETE)
    if not channel:
        log.info("action %s without a channel ignored", name)
        return
    user_name = actors.display_name(client, user) if name == "pass" else body.get("user", {}).get("username")
    who = actors.actor(team, channel, user, user_name=user_name)
    request.deliver(request.handle(Choose(who, name, value)), respond=None if from_home else True)
    if name == "delete" and (body.get("view") or {}).get("type") == "home":
        services.sender.publish_home(client, services.engine.home(actors.PLATFORM, team, user))


def _choice(body: dict, action: dict) -> tuple[str, str, str] | None:
    """``(name, value, channel)`` of one of our actions for the engine's ``Choose``; None when not ours."""
    decoded = decode_action(action)
    if decoded is None:
        return None
    name, value = decoded
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id", "")
    if action.get("action_id") in (HOME_EDIT, HOME_DELETE):  # from the App Home: "C123:40"
        channel, _, value = value.partition(":")
        name = "edit" if action.get("action_id") == HOME_EDIT else "delete"
    if "@" in value:  # a button in a private reminder names its team channel
        value, _, channel = value.rpartition("@")
    return name, value, channel

