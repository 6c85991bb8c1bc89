"""Who is in a Slack channel (for reminders): conversations.members, without the bot itself."""

from __future__ import annotations

from collections.abc import Callable

from slack_sdk import WebClient

from flows.effects import Place

PAGE = 200


def members_of(client_for_team: Callable[[str], WebClient | None]) -> Callable[[Place], list[str]]:
    """A member lookup for the engine; raises when Slack cannot be asked (the engine falls back)."""
    bot_users: dict[str, str] = {}

    def lookup(place: Place) -> list[str]:
        client = client_for_team(place.workspace)
        if client is None:
            raise LookupError(f"no token for team {place.workspace}")
        if place.workspace not in bot_users:
            bot_users[place.workspace] = client.auth_test().get("user_id", "")
        users: list[str] = []
        for page in client.conversations_members(channel=place.channel, limit=PAGE):
            users += page.get("members", [])
        return [user for user in dict.fromkeys(users) if user != bot_users[place.workspace]]

    return lookup
