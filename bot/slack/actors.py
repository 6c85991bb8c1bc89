"""Who acts where, read from Slack payloads (ids only; Slack signed the request)."""

from __future__ import annotations

import logging
import threading

from cachetools import TTLCache
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from flows.events import Actor

PLATFORM = "slack"
log = logging.getLogger("goedwerk.slack")
PROFILE_SECONDS = 120
"""How long a person's ``users.info`` answer is reused for their display name: a renamed person
shows the new name within two minutes, and a busy channel asks Slack once, not per contribution."""
_profiles: TTLCache = TTLCache(maxsize=10_000, ttl=PROFILE_SECONDS)
_profiles_lock = threading.Lock()


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


def profile_of(client: WebClient, user: str) -> dict | None:
    """Slack's ``users.info`` of ``user`` as seen with ``client``'s token, reused for
    :data:`PROFILE_SECONDS`; None when Slack will not say (not remembered)."""
    key = (client.token, user)
    with _profiles_lock:
        profile = _profiles.get(key)
    if profile is not None:
        return profile
    try:
        profile = client.users_info(user=user)["user"]
    except SlackApiError as error:
        log.info("users.info failed (%s)", error.response.get("error"))
        return None
    with _profiles_lock:
        _profiles[key] = profile
    return profile


def forget_profiles() -> None:
    """Forget every remembered ``users.info`` answer (tests that rename people)."""
    with _profiles_lock:
        _profiles.clear()


def display_name(client: WebClient, user: str) -> str | None:
    """The person's display name (shown with named contributions); None when Slack will not say."""
    profile = profile_of(client, user)
    if profile is None:
        return None
    details = profile.get("profile") or {}
    return details.get("display_name") or details.get("real_name") or profile.get("real_name") or profile.get("name")


def is_admin(client: WebClient, user: str) -> bool:
    """Workspace admins and owners may facilitate any round (asked afresh: rights change at once)."""
    try:
        profile = client.users_info(user=user)["user"]
    except SlackApiError:
        return False
    return bool(profile.get("is_admin") or profile.get("is_owner") or profile.get("is_primary_owner"))
