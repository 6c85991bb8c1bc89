"""Who acts where, read from Slack payloads (ids only; Slack signed the request)."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from flows.events import Actor

PLATFORM = "slack"
log = logging.getLogger("goedwerk.slack")


def actor(team: str, channel: str, user: str, *, user_name: str | None = None,
          channel_name: str | None = None, is_admin: bool = False) -> Actor:
    return Actor(PLATFORM, team, channel, user, user_name=user_name, is_admin=is_admin,
                 channel_name=channel_name)


def team_of(body: dict) -> str:
    """The workspace of an interaction payload or event."""
    team = body.get("team")
    if isinstance(team, dict) and team.get("id"):
        return str(team["id"])
    return str(body.get("team_id") or (body.get("view") or {}).get("team_id")
               or body.get("user", {}).get("team_id", ""))


def display_name(client: WebClient, user: str) -> str | None:
    """The person's display name (shown with named contributions); None when Slack will not say."""
    try:
        profile = client.users_info(user=user)["user"]
    except SlackApiError as error:
        log.info("users.info failed (%s)", error.response.get("error"))
        return None
    details = profile.get("profile") or {}
    return details.get("display_name") or details.get("real_name") or profile.get("real_name") or profile.get("name")


def is_admin(client: WebClient, user: str) -> bool:
    """Workspace admins and owners may facilitate any round."""
    try:
        profile = client.users_info(user=user)["user"]
    except SlackApiError:
        return False
    return bool(profile.get("is_admin") or profile.get("is_owner") or profile.get("is_primary_owner"))
