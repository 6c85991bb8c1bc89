"""Events: App Home, uninstall, token revocation — deduplicated on ``event_id``.

Slack retries an event it thinks we missed; Bolt does not deduplicate, so the first
delivery of an ``event_id`` is recorded in the database and later ones are acked and
dropped, in every process.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from slack_bolt import App, BoltResponse
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.slack import actors, requests
from bot.slack.requests import SlackRequest
from bot.slack.services import SlackServices
from flows.engine import retention
from flows.store.db import Database
from flows.store.models import ProcessedEvent, Workspace

log = logging.getLogger("goedwerk.slack")


def first_delivery(db: Database, event_id: str) -> bool:
    """Record ``event_id``; False when it was recorded before (a retry)."""
    try:
        with db.transaction() as session:
            session.add(ProcessedEvent(event_id=event_id[:128], received_at=datetime.now(UTC)))
        return True
    except IntegrityError:
        return False


def register(app: App, services: SlackServices) -> None:
    @app.middleware
    def drop_retried_events(body, next):
        event_id = body.get("event_id") if isinstance(body, dict) and body.get("type") == "event_callback" else None
        if event_id and not first_delivery(services.db, str(event_id)):
            log.info("event %s delivered again; ignored", event_id)
            return BoltResponse(status=200, body="")
        return next()

    @app.event("app_home_opened")
    def on_home(event, body):
        if event.get("tab", "home") != "home":
            return
        services.intake.submit(requests.home_opened(body))

    @app.event("app_uninstalled")
    def on_uninstalled(body):
        mark_uninstalled(services.db, actors.team_of(body))

    @app.event("tokens_revoked")
    def on_tokens_revoked(body):
        log.warning("tokens revoked in team %s", actors.team_of(body))


def publish_home(request: SlackRequest) -> None:
    """Draw the App Home of the person who opened it."""
    body, services = request.body, request.services
    team, user = actors.team_of(body), (body.get("event") or {}).get("user", "")
    services.sender.publish_home(request.client, services.engine.home(actors.PLATFORM, team, user))


def mark_uninstalled(db: Database, team: str) -> None:
    with db.transaction() as session:
        workspace = session.scalars(select(Workspace).where(
            Workspace.platform == actors.PLATFORM, Workspace.external_id == team)).first()
        if workspace is not None:  # and queue its purge 30 days on, unless it comes back
            retention.workspace_uninstalled(session, workspace, datetime.now(UTC))
    log.warning("goedwerk was uninstalled from team %s", team)
