"""Slash command, buttons and menus: translate, call the engine, send.

Every listener calls ``ack()`` first and hands the rest (database, forms, Web API) to
the work queue (:mod:`bot.slack.work`), so acknowledgements never wait for work. A
click or command that opens a form goes to its form lane (see :mod:`.forms`).
"""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk import WebClient

from bot.slack import actors
from bot.slack.blocks import ACTION_PATTERN, decode_action
from bot.slack.blocks.home import HOME_DELETE, HOME_EDIT
from bot.slack.listeners import forms
from bot.slack.sender import Respond
from bot.slack.services import SlackServices
from bot.slack.work import Job
from flows.effects import Ephemeral, Place
from flows.engine import traits
from flows.events import Choose, Command
from flows.i18n import N_, t
from flows.views import Notice

log = logging.getLogger("goedwerk.slack")
USE_IN_CHANNEL = N_("goedwerk works in a team channel: type /goedwerk there (invite me first with /invite @goedwerk).")


def register(app: App, services: SlackServices) -> None:
    @app.command("/goedwerk")
    def on_command(ack, command, client, respond):
        ack()
        if traits.command_opens_form(command.get("text", "") or ""):
            services.work.submit_form(run_command, services, command, client, respond, too_late=Job(
                forms.too_late, (services, client, command.get("team_id", ""), command.get("channel_id", ""),
                                 command.get("user_id", ""), respond)))
        else:
            services.work.submit(run_command, services, command, client, respond)

    @app.action(ACTION_PATTERN)
    def on_action(ack, body, action, client, respond):
        ack()
        choice = _choice(body, action)
        if choice is not None and traits.choice_opens_form(choice[0]):
            team, user, channel = actors.team_of(body), body.get("user", {}).get("id", ""), choice[2]
            home = action.get("action_id") in (HOME_EDIT, HOME_DELETE)
            services.work.submit_form(run_action, services, body, action, client, respond, too_late=Job(
                forms.too_late, (services, client, team, channel, user, None if home else respond)))
        else:
            services.work.submit(run_action, services, body, action, client, respond)


def run_command(services: SlackServices, command: dict, client: WebClient, respond: Respond | None) -> None:
    """The work behind a slash command (after ``ack()``)."""
    engine, sender = services.engine, services.sender
    team, channel, user = command.get("team_id", ""), command.get("channel_id", ""), command.get("user_id", "")
    text = command.get("text", "") or ""
    if channel.startswith("D") or command.get("channel_name") == "directmessage":
        note = Notice(services.defaults.language, t(services.defaults.language, USE_IN_CHANNEL), error=True)
        sender.deliver([Ephemeral(Place(actors.PLATFORM, team, channel), user, note)], client=client,
                       respond=respond)
        return
    needs = traits.of_command(text)
    admin = actors.is_admin(client, user) if needs.facilitator_or_admin else False
    name = actors.display_name(client, user) if needs.needs_name else command.get("user_name")
    who = actors.actor(team, channel, user, user_name=name, channel_name=command.get("channel_name"),
                       is_admin=admin)
    effects = engine.handle(Command(who, text))
    sender.deliver(effects, client=client, trigger_id=command.get("trigger_id"), respond=respond)


def run_action(services: SlackServices, body: dict, action: dict, client: WebClient,
               respond: Respond | None) -> None:
    """The work behind a button or menu of ours (after ``ack()``)."""
    engine, sender = services.engine, services.sender
    choice = _choice(body, action)
    team, user = actors.team_of(body), body.get("user", {}).get("id", "")
    if choice is None:
        log.info("ignored unknown action id %r", str(action.get("action_id"))[:80])
        return
    name, value, channel = choice
    if action.get("action_id") in (HOME_EDIT, HOME_DELETE):
        respond = None  # the App Home has no response URL
    if not channel:
        log.info("action %s without a channel ignored", name)
        return
    user_name = actors.display_name(client, user) if name == "pass" else body.get("user", {}).get("username")
    who = actors.actor(team, channel, user, user_name=user_name)
    effects = engine.handle(Choose(who, name, value))
    sender.deliver(effects, client=client, trigger_id=body.get("trigger_id"), respond=respond)
    if name == "delete" and (body.get("view") or {}).get("type") == "home":
        sender.publish_home(client, engine.home(actors.PLATFORM, team, user))


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
