"""Message shortcuts: edit or delete your own contribution from its message menu.

Editing opens a form, so its row in the requests inbox is urgent (see :mod:`.forms`).
"""

from __future__ import annotations

import logging

from slack_bolt import App
from sqlalchemy import select

from bot.slack import actors, requests
from bot.slack.requests import SlackRequest
from bot.slack.services import SlackServices
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
    def handle(ack, body, verb):
        services.intake.submit(requests.shortcut(body, verb, traits.choice_opens_form(verb)))
        ack()

    @app.shortcut(EDIT_SHORTCUT)
    def on_edit(ack, body):
        handle(ack, body, "edit")

    @app.shortcut(DELETE_SHORTCUT)
    def on_delete(ack, body):
        handle(ack, body, "delete")


def run_shortcut(request: SlackRequest) -> None:
    """The work behind a message shortcut: edit or delete the contribution at that message."""
    body, services = request.body, request.services
    verb = "edit" if body.get("goedwerk_verb") == "edit" else "delete"
    team, user = actors.team_of(body), body.get("user", {}).get("id", "")
    channel = (body.get("channel") or {}).get("id", "")
    ts = (body.get("message") or {}).get("ts", "")
    number = contribution_at(services, team, channel, ts)
    who = actors.actor(team, channel, user)
    request.deliver(request.handle(Choose(who, verb, str(number))), respond=None)
