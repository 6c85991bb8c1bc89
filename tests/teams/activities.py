"""Activities as Teams sends them (shapes from Microsoft's documentation, see
:file:`shared/design/teams.md` §3), for the end-to-end tests."""

from __future__ import annotations

import itertools

from tests.teams.conftest import APP_ID, TENANT

BOT = f"28:{APP_ID}"
CHANNEL = "19:retro@thread.tacv2"
TEAM = "19:team-general@thread.tacv2"
_ids = itertools.count(1762074000001)


def _envelope(service_url: str, user: str, name: str, tenant: str) -> dict:
    return {"channelId": "msteams", "serviceUrl": service_url, "timestamp": "2026-12-07T09:00:00.000Z",
            "localTimezone": "Europe/Amsterdam", "locale": "en-GB",
            "from": {"id": user, "name": name, "aadObjectId": f"aad-{user}"},
            "recipient": {"id": BOT, "name": "goedwerk"}}


def _in_channel(tenant: str, root: str, channel: str) -> dict:
    return {"conversation": {"isGroup": True, "conversationType": "channel", "tenantId": tenant,
                             "id": f"{channel};messageid={root}"},
            "channelData": {"teamsChannelId": channel, "teamsTeamId": TEAM,
                            "channel": {"id": channel, "name": "retro"},
                            "team": {"id": TEAM, "name": "Team A"}, "tenant": {"id": tenant}}}


def mention(service_url: str, text: str, *, user: str = "29:1alice", name: str = "Alice", tenant: str = TENANT,
            channel: str = CHANNEL) -> dict:
    """``@goedwerk <text>`` posted in a channel (a new post, so its own thread)."""
    activity_id = str(next(_ids))
    return {**_envelope(service_url, user, name, tenant), **_in_channel(tenant, activity_id, channel),
            "type": "message", "id": activity_id, "textFormat": "plain", "text": f"<at>goedwerk</at> {text}",
            "entities": [{"type": "mention", "text": "<at>goedwerk</at>", "mentioned": {"id": BOT, "name": "goedwerk"}},
                         {"type": "clientInfo", "locale": "en-GB", "timezone": "Europe/Amsterdam"}]}


def channel_message(service_url: str, text: str, *, user: str = "29:1alice", tenant: str = TENANT) -> dict:
    """A channel message that does not mention the bot."""
    activity = mention(service_url, text, user=user, tenant=tenant)
    activity["text"] = text
    activity["entities"] = [{"type": "clientInfo", "locale": "en-GB"}]
    return activity


def personal(service_url: str, text: str, *, user: str = "29:1alice", name: str = "Alice",
             tenant: str = TENANT) -> dict:
    """A message in the person's 1:1 chat with the bot (no mention)."""
    return {**_envelope(service_url, user, name, tenant), "type": "message", "id": str(next(_ids)),
            "text": text, "conversation": {"conversationType": "personal", "tenantId": tenant,
                                           "id": f"a:1personal-{user}"},
            "channelData": {"tenant": {"id": tenant}}}


def click(service_url: str, root: str, data: dict, *, user: str = "29:1bob", name: str = "Bob",
          tenant: str = TENANT, channel: str = CHANNEL) -> dict:
    """An Action.Submit button on a card in a channel thread: a message with ``value`` and no text."""
    return {**_envelope(service_url, user, name, tenant), **_in_channel(tenant, root, channel),
            "type": "message", "id": str(next(_ids)), "replyToId": root, "value": data}


def install(service_url: str, *, tenant: str = TENANT) -> dict:
    """The bot added to a team (conversationUpdate with membersAdded)."""
    return {**_envelope(service_url, "29:1alice", "Alice", tenant), "type": "conversationUpdate",
            "id": f"f:{next(_ids)}",
            "conversation": {"isGroup": True, "conversationType": "channel", "tenantId": tenant, "id": TEAM},
            "membersAdded": [{"id": BOT}],
            "channelData": {"eventType": "teamMemberAdded", "team": {"id": TEAM}, "tenant": {"id": tenant}}}


def invoke(service_url: str, name: str, value: dict, *, root: str = "1000", user: str = "29:1alice",
           user_name: str = "Alice", tenant: str = TENANT) -> dict:
    return {**_envelope(service_url, user, user_name, tenant), **_in_channel(tenant, root, CHANNEL),
            "type": "invoke", "name": name, "id": f"f:{next(_ids)}", "replyToId": root, "value": value}


def dialog_fetch(service_url: str, root: str, button_data: dict, **who) -> dict:
    """A button with ``msteams.type = task/fetch`` clicked: Teams asks for the dialog."""
    return invoke(service_url, "task/fetch", {"type": "task/fetch", "data": button_data,
                                              "context": {"theme": "default"}}, root=root, **who)


def dialog_submit(service_url: str, root: str, submit_data: dict, fields: dict, **who) -> dict:
    """The dialog sent: its fields merged with its submit button's data, as Teams does."""
    return invoke(service_url, "task/submit", {"type": "task/submit", "data": {**submit_data, **fields},
                                               "context": {"theme": "default"}}, root=root, **who)


def personal_click(service_url: str, data: dict, *, user: str = "29:1bob", name: str = "Bob",
                   tenant: str = TENANT) -> dict:
    """A button on a card in the person's 1:1 chat with the bot."""
    activity = personal(service_url, "", user=user, name=name, tenant=tenant)
    del activity["text"]
    return {**activity, "value": data}


def removal(service_url: str, *, tenant: str = TENANT) -> dict:
    """The bot removed from a team (conversationUpdate with membersRemoved)."""
    activity = install(service_url, tenant=tenant)
    del activity["membersAdded"]
    activity["membersRemoved"] = [{"id": BOT}]
    activity["channelData"]["eventType"] = "teamMemberRemoved"
    return activity
