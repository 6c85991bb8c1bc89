"""Message shortcuts: edit or delete your own contribution from its message menu.

Editing opens a form, so it goes to the work queue's form lane (see :mod:`.forms`).
"""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import select

from bot.slack import actors
from bot.slack.listeners import forms
from bot.slack.services import SlackServices
from bot.slack.work import Job
from flows.engine import keys, traits
from flows.events import Choose
from flows.store.models import Channel, MessageRef, Workspace

log = logging.getLogger("goedwerk.slack")
EDIT_SHORTCUT = "goedwerk_edit"
DELETE_SHORTCUT = "goedwerk_delete"
NOT_A_CONTRIBUTION = -1


def contribution_at(services: SlackServices, team: str, channel: str, ts: str) -> int:
    """The contribution whose thread reply is the message at ``ts`` (or -1)."""
    with services.db.transaction() as session:
        key = session.scalar(
            select(MessageRef.key).join(Channel, MessageRef.channel_id == Channel.id)
            .join(Workspace, Channel.workspace_id == Workspace.id)
            .where(Workspace.platform == actors.PLATFORM, Workspace.external_id == team,
                   Channel.external_id == channel, MessageRef.ref == ts))
    found = keys.contribution_of(key)
    return NOT_A_CONTRIBUTION if found is None else found


def register(app: App, services: SlackServices) -> None:
    def handle(ack, body, client, verb):
        ack()
        if traits.choice_opens_form(verb):
            team, user = actors.team_of(body), body.get("user", {}).get("id", "")
            channel = (body.get("channel") or {}).get("id", "")
            services.work.submit_form(run_shortcut, services, body, client, verb,
                                      too_late=Job(forms.too_late, (services, client, team, channel, user)))
        else:
            services.work.submit(run_shortcut, services, body, client, verb)

    @app.shortcut(EDIT_SHORTCUT)
    def on_edit(ack, body, client):
        handle(ack, body, client, "edit")

    @app.shortcut(DELETE_SHORTCUT)
    def on_delete(ack, body, client):
        handle(ack, body, client, "delete")


def run_shortcut(services: SlackServices, body: dict, client: WebClient, verb: str) -> None:
    """The work behind a message shortcut: ``verb`` (edit, delete) the contribution at that message."""
    team, user = actors.team_of(body), body.get("user", {}).get("id", "")
    channel = (body.get("channel") or {}).get("id", "")
    ts = (body.get("message") or {}).get("ts", "")
    number = contribution_at(services, team, channel, ts)
    who = actors.actor(team, channel, user)
    effects = services.engine.handle(Choose(who, verb, str(number)))
    services.sender.deliver(effects, client=client, trigger_id=body.get("trigger_id"))
