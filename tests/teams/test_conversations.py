"""Stored Teams conversations: refreshed from every activity, found per tenant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.teams import conversations
from bot.teams.conversations import ConversationRef

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def test_a_conversation_is_stored_and_its_service_url_refreshed(db):
    channel = ConversationRef("t1", "19:retro@thread.tacv2", "https://smba.example/emea/", "channel",
                              team="19:team@thread.tacv2", bot="28:bot")
    conversations.remember(db, channel, NOW)
    conversations.remember(db, ConversationRef("t1", "19:retro@thread.tacv2", "https://smba.example/amer/",
                                               "channel"), NOW + timedelta(minutes=1))

    found = conversations.find(db, "t1", "19:retro@thread.tacv2")

    assert found.service_url == "https://smba.example/amer/"
    assert (found.team, found.bot) == ("19:team@thread.tacv2", "28:bot")  # kept when a later activity lacks them
    assert conversations.find(db, "t2", "19:retro@thread.tacv2") is None


def test_a_persons_1_to_1_chat_is_found_in_their_tenant_only(db):
    conversations.remember(db, ConversationRef("t1", "a:1alice", "https://smba.example/emea/", "personal",
                                               user="29:1alice"), NOW)

    assert conversations.personal_chat(db, "t1", "29:1alice").conversation == "a:1alice"
    assert conversations.personal_chat(db, "t2", "29:1alice") is None
    assert conversations.any_in_tenant(db, "t1").service_url == "https://smba.example/emea/"
