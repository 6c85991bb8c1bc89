"""PooledWebClient: calls reuse kept-alive connections and fail exactly as slack_sdk's own
``urlopen`` path does, so the retry handlers and the sender treat them the same."""

from __future__ import annotations

import socket
from urllib.error import URLError

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.clients import build_client
from bot.slack.transport import PooledWebClient
from tests.slack.fake_slack import FakeSlack

TOKEN = "xoxb-transport"


def pooled(fake: FakeSlack, **kwargs) -> PooledWebClient:
    """A bare PooledWebClient (no retry handlers, so every failure shows)."""
    return PooledWebClient(token=TOKEN, base_url=fake.base_url, timeout=5, retry_handlers=[], **kwargs)


def stock(fake: FakeSlack) -> WebClient:
    return WebClient(token=TOKEN, base_url=fake.base_url, timeout=5, retry_handlers=[])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_many_calls_go_over_one_connection(fake_slack: FakeSlack) -> None:
    client = pooled(fake_slack)
    for number in range(20):
        assert client.chat_postMessage(channel="C1", text=f"bericht {number}")["ok"]
    assert [call.params["text"] for call in fake_slack.calls_to("chat.postMessage")] == [
        f"bericht {number}" for number in range(20)]
    assert fake_slack.connections_made == 1


def test_the_stock_client_connects_per_call(fake_slack: FakeSlack) -> None:
    """The baseline the pool improves on (if slack_sdk ever pools itself, this tells us)."""
    client = stock(fake_slack)
    for _ in range(5):
        client.auth_test()
    assert fake_slack.connections_made == 5


def test_the_built_client_is_pooled(fake_slack: FakeSlack) -> None:
    client = build_client(fake_slack.base_url, TOKEN)
    assert isinstance(client, PooledWebClient)
    for _ in range(5):
        client.auth_test()
    assert fake_slack.connections_made == 1


def test_a_dropped_connection_is_replaced(fake_slack: FakeSlack) -> None:
    client = build_client(fake_slack.base_url, TOKEN)
    client.auth_test()
    fake_slack.drop_connections()
    assert client.chat_postMessage(channel="C1", text="na de onderbreking")["ok"]
    assert fake_slack.connections_made == 2
    assert fake_slack.last("chat.postMessage").params["text"] == "na de onderbreking"


def test_slack_errors_read_as_with_the_stock_client(fake_slack: FakeSlack) -> None:
    fake_slack.fail("chat.postMessage", "channel_not_found", times=2)
    errors = []
    for client in (stock(fake_slack), pooled(fake_slack)):
        with pytest.raises(SlackApiError) as raised:
            client.chat_postMessage(channel="C9", text="x")
        errors.append((raised.value.response.status_code, raised.value.response["error"]))
    assert errors == [(200, "channel_not_found")] * 2


def test_a_429_shows_its_status_and_retry_after(fake_slack: FakeSlack) -> None:
    fake_slack.rate_limit("chat.postMessage", retry_after=7, times=2)
    seen = []
    for client in (stock(fake_slack), pooled(fake_slack)):
        with pytest.raises(SlackApiError) as raised:
            client.chat_postMessage(channel="C1", text="x")
        response = raised.value.response
        seen.append((response.status_code, response.headers.get("Retry-After"), response["error"]))
    assert seen == [(429, "7", "ratelimited")] * 2


def test_a_429_reaches_the_rate_limit_handler_and_is_retried(fake_slack: FakeSlack) -> None:
    heard: list[float] = []
    fake_slack.rate_limit("chat.postMessage", retry_after=0, times=1)
    client = build_client(fake_slack.base_url, TOKEN, on_rate_limited=heard.append)
    assert client.chat_postMessage(channel="C1", text="tweede poging")["ok"]
    assert heard == [0.0]
    assert [call.status for call in fake_slack.calls_to("chat.postMessage")] == [429, 200]
    assert fake_slack.connections_made == 1  # the 429's connection stays usable


def test_a_non_json_error_page_reads_as_with_the_stock_client(fake_slack: FakeSlack) -> None:
    outcomes = []
    for make in (WebClient, PooledWebClient):
        client = make(token=TOKEN, base_url=fake_slack.origin + "/nergens/", timeout=5, retry_handlers=[])
        with pytest.raises(Exception) as raised:
            client.auth_test()
        outcomes.append((type(raised.value), getattr(getattr(raised.value, "response", None), "status_code", None)))
    assert outcomes[0] == outcomes[1]
    assert outcomes[1][1] == 404


def test_an_unreachable_slack_raises_url_error_as_urlopen_does() -> None:
    url = f"http://127.0.0.1:{free_port()}/api/"
    for make in (WebClient, PooledWebClient):
        client = make(token=TOKEN, base_url=url, timeout=2, retry_handlers=[])
        with pytest.raises(URLError):
            client.auth_test()
