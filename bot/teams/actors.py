"""Who acts where, read from a checked Teams activity.

A Teams channel is ``Place("teams", <tenant id>, <channel id 19:…@thread.tacv2>)``: the
tenant is the isolation boundary (as a Slack workspace), the channel id is the part of
the conversation id before ``;messageid=`` (a channel conversation is one thread). A
person is their ``29:…`` id, which is what a 1:1 chat is created with.
"""

from __future__ import annotations

from microsoft_agents.activity import Activity

from bot.teams.conversations import ConversationRef
from flows.events import Actor

PLATFORM = "teams"
THREAD_SEPARATOR = ";messageid="


def conversation_of(activity: Activity, tenant: str) -> ConversationRef | None:
    """The conversation the activity came from, as it is stored (None without one)."""
    conversation = activity.conversation
    if conversation is None or not conversation.id or not activity.service_url:
        return None
    kind = conversation.conversation_type or ("channel" if THREAD_SEPARATOR in conversation.id else "personal")
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    team = (data.get("team") or {}).get("id") if isinstance(data.get("team"), dict) else None
    bot = activity.recipient.id if activity.recipient else None
    if kind == "channel":
        given = data.get("channel")
        channel = given if isinstance(given, dict) else {}
        channel_id = channel.get("id") or conversation.id.split(THREAD_SEPARATOR)[0]
        return ConversationRef(tenant, str(channel_id)[:255], activity.service_url, "channel", team=team, bot=bot)
    user = user_of(activity) if kind == "personal" else None
    return ConversationRef(tenant, conversation.id[:255], activity.service_url, kind[:16], team=team, user=user,
                           bot=bot)


def user_of(activity: Activity) -> str:
    return activity.from_property.id if activity.from_property and activity.from_property.id else ""


def actor(activity: Activity, where: ConversationRef, *, channel: str | None = None) -> Actor:
    """The engine's actor; ``channel`` overrides the conversation's (a button in a 1:1 chat
    names its team channel)."""
    person = activity.from_property
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    channel_name = (data.get("channel") or {}).get("name") if isinstance(data.get("channel"), dict) else None
    return Actor(PLATFORM, where.tenant, channel or where.conversation, user_of(activity),
                 user_name=person.name if person else None, channel_name=channel_name)
