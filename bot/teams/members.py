"""Who is in a Teams channel (for reminders): the team's roster, without the bot itself.

A standard channel's members are its team's members, listed by the Bot Connector's
``pagedmembers`` under the team id the channel's activities named (stored with the
conversation). A group chat lists its own members.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.teams import conversations
from bot.teams.connector import BotConnector
from flows.effects import Place


def members_of(connector: BotConnector) -> Callable[[Place], list[str]]:
    """A member lookup for the engine; raises when Teams cannot be asked (the engine falls back to
    the people it has seen). The channel's serviceUrl and team come from what this process last
    read of it (the step's prompt, posted before any reminder, reads it)."""

    def lookup(place: Place) -> list[str]:
        channel = conversations.seen(place.workspace, place.channel)  # asked inside the engine's transaction
        if channel is None:
            raise LookupError("conversation not seen by this process")
        roster = channel.team or channel.conversation
        members = connector.members(channel.service_url, channel.tenant, roster)
        ids = [str(member.get("id", "")) for member in members]
        return [user for user in dict.fromkeys(ids) if user and user != channel.bot and not user.startswith("28:")]

    return lookup


def per_platform(teams: Callable[[Place], list[str]], others: Callable[[Place], list[str]] | None):
    """The engine's member lookup: Teams' for Teams channels, the other platform's (if any) for the rest."""

    def lookup(place: Place) -> list[str]:
        if place.platform == "teams":
            return teams(place)
        if others is None:
            raise LookupError(f"no member list for {place.platform}")
        return others(place)

    return lookup
