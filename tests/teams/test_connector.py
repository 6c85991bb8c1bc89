"""The Bot Connector client against the fake connector and login host, over HTTPS."""

from __future__ import annotations

import pytest

from bot.teams.connector import ATTEMPTS, BotConnector, ConnectorError
from bot.teams.tokens import BotTokens
from tests.teams.conftest import APP_ID, APP_PASSWORD, TENANT
from tests.teams.fake_connector import personal_chat_id

CHANNEL = "19:retro@thread.tacv2"


def card_activity(text: str) -> dict:
    return {"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive",
                                                "content": {"type": "AdaptiveCard", "version": "1.5",
                                                            "body": [{"type": "TextBlock", "text": text}]}}]}


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def connector(fake_login, sleeps) -> BotConnector:
    tokens = BotTokens(fake_login.base_url, TENANT, APP_ID, APP_PASSWORD)
    return BotConnector(tokens, sleep=sleeps)


def new_post(connector: BotConnector, fake_connector, text: str) -> dict:
    return connector.create_conversation(fake_connector.service_url, TENANT, {
        "isGroup": True, "channelData": {"channel": {"id": CHANNEL}, "tenant": {"id": TENANT}},
        "tenantId": TENANT, "activity": card_activity(text)})


def test_a_new_channel_post_a_reply_an_update_and_a_delete(connector, fake_connector):
    created = new_post(connector, fake_connector, "kickoff")
    thread = created["id"]
    reply = connector.send(fake_connector.service_url, TENANT, thread, card_activity("a reply"))
    connector.update(fake_connector.service_url, TENANT, thread, created["activityId"], card_activity("kickoff 2"))
    connector.delete(fake_connector.service_url, TENANT, thread, reply)

    (post,) = fake_connector.top_level(CHANNEL)
    assert thread == f"{CHANNEL};messageid={created['activityId']}"
    assert post.texts == ["kickoff 2"] and post.versions[0]["attachments"][0]["content"]["body"][0]["text"] == "kickoff"
    assert fake_connector.replies(CHANNEL, created["activityId"]) == []
    assert [method for method, _ in fake_connector.calls] == ["POST", "POST", "PUT", "DELETE"]


def test_calls_keep_the_service_urls_path_and_encode_ids(connector, fake_connector):
    created = new_post(connector, fake_connector, "kickoff")
    connector.send(fake_connector.service_url, TENANT, created["id"], card_activity("reply"))

    assert fake_connector.path == "/emea/"
    thread = f"19%3Aretro%40thread.tacv2%3Bmessageid%3D{created['activityId']}"
    assert fake_connector.calls[1][1] == f"v3/conversations/{thread}/activities"


def test_a_1_to_1_chat_is_created_and_written_to(connector, fake_connector):
    chat = connector.create_conversation(fake_connector.service_url, TENANT, {
        "isGroup": False, "members": [{"id": "29:1alice"}], "tenantId": TENANT,
        "channelData": {"tenant": {"id": TENANT}}})["id"]
    connector.send(fake_connector.service_url, TENANT, chat, {"type": "message", "text": "hello"})

    assert chat == personal_chat_id("29:1alice")
    assert [post.texts for post in fake_connector.chat("29:1alice")] == [["hello"]]


def test_the_token_is_fetched_once_and_reused(connector, fake_connector, fake_login):
    for number in range(3):
        new_post(connector, fake_connector, f"post {number}")

    assert len(fake_login.issued) == 1
    assert fake_login.count(f"/{TENANT}/oauth2/v2.0/token") == 1


def test_429_is_retried_after_retry_after(connector, fake_connector, sleeps):
    fake_connector.throttle(2, retry_after="3")

    new_post(connector, fake_connector, "kickoff")

    assert len(fake_connector.top_level(CHANNEL)) == 1
    assert sleeps.count(3.0) == 2


@pytest.mark.parametrize("status", [412, 502, 504])
def test_busy_answers_are_retried_with_backoff(connector, fake_connector, sleeps, status):
    fake_connector.throttle(1, status=status, retry_after=None)

    new_post(connector, fake_connector, "kickoff")

    assert len(fake_connector.top_level(CHANNEL)) == 1
    assert len([seconds for seconds in sleeps if 0 < seconds <= 1]) >= 1


def test_throttled_past_the_attempts_gives_up_with_the_status(connector, fake_connector):
    fake_connector.throttle(ATTEMPTS)

    with pytest.raises(ConnectorError) as raised:
        new_post(connector, fake_connector, "kickoff")

    assert raised.value.status == 429
    assert fake_connector.top_level(CHANNEL) == []


def test_a_refused_token_is_replaced_once(connector, fake_connector, fake_login):
    new_post(connector, fake_connector, "first")
    fake_login.issued.clear()  # the connector no longer accepts the token msal cached

    new_post(connector, fake_connector, "second")

    assert len(fake_connector.top_level(CHANNEL)) == 2
    assert len(fake_login.issued) == 1


def test_an_update_of_an_unknown_activity_is_a_404(connector, fake_connector):
    with pytest.raises(ConnectorError) as raised:
        connector.update(fake_connector.service_url, TENANT, f"{CHANNEL};messageid=1", "1", card_activity("x"))

    assert (raised.value.status, raised.value.code) == (404, "NotFound")


def test_a_wrong_client_secret_gives_no_token(fake_login, fake_connector, sleeps):
    connector = BotConnector(BotTokens(fake_login.base_url, TENANT, APP_ID, "wrong"), sleep=sleeps)

    with pytest.raises(ConnectorError) as raised:
        new_post(connector, fake_connector, "kickoff")

    assert raised.value.code == "no_token:invalid_client"
    assert fake_connector.calls == []


def test_a_plain_http_service_url_is_never_called(connector):
    with pytest.raises(ConnectorError):
        connector.send("http://127.0.0.1:9/", TENANT, "a:1", {"type": "message", "text": "x"})


def test_a_roster_is_read_page_by_page(connector, fake_connector):
    fake_connector.set_roster("19:team@thread.tacv2", [f"29:{number}" for number in range(5)])

    members = connector.members(fake_connector.service_url, TENANT, "19:team@thread.tacv2", page_size=2)

    assert [member["id"] for member in members] == [f"29:{number}" for number in range(5)]
    assert sum(1 for _, path in fake_connector.calls if "pagedmembers" in path) == 3
