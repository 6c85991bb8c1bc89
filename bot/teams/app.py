"""Building the Teams adapter from settings and the shared services."""

from __future__ import annotations

from bot.services import Services
from bot.settings import Settings
from bot.teams import members
from bot.teams.auth import ActivityAuth, SigningKeys
from bot.teams.connector import BotConnector
from bot.teams.inbound import TeamsServices
from bot.teams.sender import FileLinks, TeamsSender
from bot.teams.tokens import BotTokens


def missing_settings(settings: Settings) -> list[str]:
    """The Teams settings `goedwerk run` still needs (empty when Teams can be served)."""
    required = {"TEAMS_APP_ID": settings.teams_app_id, "TEAMS_APP_PASSWORD": settings.teams_app_password,
                "TEAMS_TENANT_ID": settings.teams_tenant_id, "GOEDWERK_PUBLIC_URL": settings.public_url}
    return [name for name, value in required.items() if not value]


def build_teams(settings: Settings, services: Services) -> TeamsServices:
    """The Teams adapter's parts; the settings must be complete (:func:`missing_settings`)."""
    assert settings.teams_app_id and settings.teams_app_password and settings.teams_tenant_id and settings.public_url
    tokens = BotTokens(settings.teams_login_url, settings.teams_tenant_id, settings.teams_app_id,
                       settings.teams_app_password)
    connector = BotConnector(tokens)
    sender = TeamsSender(services.db, connector, services.engine.clock, settings.zone,
                         FileLinks(settings.public_url, settings.file_link_days, settings.language))
    services.engine.members_of = members.per_platform(members.members_of(connector),
                                                      services.engine.members_of)
    auth = ActivityAuth(SigningKeys(settings.teams_openid_metadata_url), settings.teams_app_id,
                        settings.teams_tenants)
    return TeamsServices(services.db, services.engine, auth, sender, services.engine.defaults,
                         services.engine.clock)
