"""Building the Bolt app from settings: single workspace (bot token) or many (OAuth)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

from bot.services import Services
from bot.settings import Settings
from bot.slack import actors, installation_tables, request_guard
from bot.slack.clients import TeamClients, build_client
from bot.slack.installation_store import BatchInstallationStore, describe_installer, forget_installer
from bot.slack.listeners import events, interactions, shortcuts, views
from bot.slack.members import members_of
from bot.slack.pacing import WorkspaceCooldown
from bot.slack.requests import SlackRequestRunner
from bot.slack.sender import SlackSender
from bot.slack.services import SlackServices
from bot.slack.shared_paces import SharedPaces
from bot.slack.token_crypto import EncryptedInstallationStore, TokenCipher, TokenKeyError

log = logging.getLogger("goedwerk.slack")


class _ClientCarriesTheToken(logging.Filter):
    """Drops Bolt's start-up warning that ``token`` "will be unused".

    Bolt reads SLACK_BOT_TOKEN from the environment itself and warns whenever a client
    is given as well; our client is built with that very token (and our base URL and
    retry handlers), so the warning only misleads whoever reads the log.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


_client_carries_the_token = _ClientCarriesTheToken()
BOT_SCOPES = ["commands", "chat:write", "channels:read", "groups:read", "users:read", "im:write", "im:history",
              "files:write", "channels:history", "groups:history"]
OAUTH_STATE_SECONDS = 600
ACK_THREADS = 16
"""Bolt's listener threads; they only check, record and acknowledge (work goes to the requests inbox)."""


@dataclass
class SlackApp:
    app: App
    services: SlackServices
    clients: TeamClients
    runner: SlackRequestRunner
    """Does the work of the requests the listeners recorded (a worker's runner for ``slack`` rows)."""


def _installation_store(settings: Settings, services: Services) -> BatchInstallationStore:
    """Tokens encrypted at rest with GOEDWERK_SECRET_KEY; there is no store that keeps them
    in plain text (the settings refuse OAuth without a key, and so does this)."""
    if not settings.secret_key:
        raise ValueError("GOEDWERK_SECRET_KEY is needed to store the workspaces' tokens")
    return EncryptedInstallationStore(client_id=settings.slack_client_id or "", engine=services.db.engine,
                                      bots_table_name=installation_tables.BOTS_TABLE,
                                      installations_table_name=installation_tables.INSTALLATIONS_TABLE,
                                      cipher=TokenCipher(settings.secret_key))


def build_app(settings: Settings, services: Services, *, socket_mode: bool = False) -> SlackApp:
    """The Bolt app with every listener registered; tokens from settings or the install store."""
    client = build_client(settings.slack_api_url, settings.slack_bot_token)
    bolt_log = logging.getLogger("slack_bolt.App")
    if _client_carries_the_token not in bolt_log.filters:
        bolt_log.addFilter(_client_carries_the_token)
    common: dict[str, Any] = dict(client=client, signing_secret=settings.slack_signing_secret,
                  request_verification_enabled=not socket_mode, process_before_response=False,
                  raise_error_for_unhandled_request=False,
                  listener_executor=ThreadPoolExecutor(max_workers=ACK_THREADS, thread_name_prefix="goedwerk-ack"))
    if settings.slack_client_id:
        store = _installation_store(settings, services)
        state_store = SQLAlchemyOAuthStateStore(expiration_seconds=OAUTH_STATE_SECONDS, engine=services.db.engine,
                                                table_name=installation_tables.OAUTH_STATES_TABLE)
        app = App(**common, installation_store=store, installation_store_bot_only=True,
                  oauth_settings=OAuthSettings(client_id=settings.slack_client_id,
                                               client_secret=settings.slack_client_secret,
                                               scopes=BOT_SCOPES, installation_store=store, state_store=state_store,
                                               install_path="/slack/install", redirect_uri_path="/slack/oauth_redirect",
                                               installation_store_bot_only=True))
        # Bolt runs only the first listener matching an event, so its own uninstall listener
        # (delete the tokens) would hide events.py's (mark the workspace): do both here.
        # Both also drop this process's cached token (``clients`` is built below).
        services.engine.on_person_forgotten(forget_installer)
        services.engine.on_person_described(describe_installer)
        revoke_tokens = app.default_tokens_revoked_event_listener()
        forget_tokens = app.default_app_uninstalled_event_listener()

        @app.event("tokens_revoked")
        def on_tokens_revoked(event, context, body):
            revoke_tokens(event, context)
            clients.forget(actors.team_of(body))
            log.warning("tokens revoked in team %s", actors.team_of(body))

        @app.event("app_uninstalled")
        def on_uninstalled(context, body):
            forget_tokens(context)
            clients.forget(actors.team_of(body))
            events.mark_uninstalled(services.db, actors.team_of(body))

        def token_for(team: str) -> str | None:
            try:
                bot = store.find_bot(enterprise_id=None, team_id=team)
            except TokenKeyError as error:
                log.error("team %s: %s", team, error)
                return None
            return bot.bot_token if bot else None

        def bots_tokens(teams: list[str]) -> dict[str, str]:
            return {team: bot.bot_token for team, bot in store.find_bots(teams).items()}

        tokens_for: Callable[[list[str]], dict[str, str]] | None = bots_tokens
    else:
        app = App(**common, token_verification_enabled=False)  # the client carries the bot token

        def token_for(team: str) -> str | None:
            return settings.slack_bot_token

        tokens_for = None  # one token, nothing to look up

    request_guard.quiet_bolt_loggers()  # Bolt's loggers exist now; none may log a request body
    # A 429 in one thread holds the workspace's other posts back, then spaces them; on
    # PostgreSQL (where several processes scale out) the processes share those paces.
    # Not on SQLite: a 429 met inside a transaction would wait there for the write lock.
    cooldown = WorkspaceCooldown(board=SharedPaces(services.db) if services.db.dialect == "postgresql" else None)
    clients = TeamClients(settings.slack_api_url, token_for, tokens_for=tokens_for,
                          on_rate_limited=cooldown.hold, wait_turn=cooldown.wait)
    services.engine.members_of = members_of(clients.for_team)
    sender = SlackSender(services.db, services.content, services.engine.clock, settings.zone, clients.for_team,
                         clients.refresh, cooldown)
    slack_services = SlackServices(services.db, services.engine, sender, services.engine.defaults)
    for listeners in (interactions, views, shortcuts, events):
        listeners.register(app, slack_services)

    @app.error
    def on_error(error, body, response):
        log.error("listener failed: %s", type(error).__name__, exc_info=error)
        if isinstance(error, (TypeError, AttributeError, KeyError, IndexError, ValueError)) and response is not None:
            return BoltResponse(status=400, body="")  # a payload of the wrong shape (e.g. an action_id list)
        return None

    return SlackApp(app, slack_services, clients, SlackRequestRunner(slack_services, clients.for_team))
