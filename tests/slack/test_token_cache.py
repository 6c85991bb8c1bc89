"""A team's token is read once per while, and read again when Slack refuses it.

The weekly fan-out sends one message to each of thousands of channels; reading and
decrypting the team's token for every one cost more than the send. Tokens are now
kept for a while — but a token replaced since (the app reinstalled) must not cost a
message: the refused send is tried once more with the current token.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.slack.clients import TeamClients
from bot.slack.sender import SlackSender
from flows.clock import SystemClock
from flows.content import load_pack
from flows.effects import Place, Post
from flows.views import Notice
from tests.slack.fake_slack import FakeSlack

PLACE = Place("slack", "T1", "C1")


class Store:
    """The installation store as TeamClients sees it: team -> token, counting the reads."""

    def __init__(self, token: str | None) -> None:
        self.token = token
        self.reads = 0

    def token_for(self, team: str) -> str | None:
        self.reads += 1
        return self.token


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def post(number: int) -> Post:
    return Post(PLACE, Notice("en", f"message {number}"), key=f"note:{number}")


def sender_for(db, fake: FakeSlack, clients: TeamClients) -> SlackSender:
    return SlackSender(db, load_pack(), SystemClock(), ZoneInfo("Europe/Amsterdam"), clients.for_team,
                       clients.refresh)


def test_the_token_is_read_once_per_while(db, fake_slack: FakeSlack) -> None:
    store, clock = Store("xoxb-one"), Clock()
    clients = TeamClients(fake_slack.base_url, store.token_for, ttl=300, clock=clock)
    sender = sender_for(db, fake_slack, clients)

    for number in range(5):
        assert sender.deliver([post(number)]) == []
    assert store.reads == 1
    clock.now += 301
    assert sender.deliver([post(5)]) == []
    assert store.reads == 2
    assert [call.token for call in fake_slack.calls_to("chat.postMessage")] == ["xoxb-one"] * 6


def test_a_token_replaced_since_it_was_read_costs_no_message(db, fake_slack: FakeSlack) -> None:
    store = Store("xoxb-old")
    clients = TeamClients(fake_slack.base_url, store.token_for, clock=Clock())
    sender = sender_for(db, fake_slack, clients)
    assert sender.deliver([post(1)]) == []

    store.token = "xoxb-new"  # reinstalled in another process; the old token is dead
    fake_slack.revoked_tokens.add("xoxb-old")
    assert sender.deliver([post(2)]) == []

    posted = [(call.token, call.ok) for call in fake_slack.calls_to("chat.postMessage")]
    assert posted == [("xoxb-old", True), ("xoxb-old", False), ("xoxb-new", True)]
    assert sender.deliver([post(3)]) == []  # and the new token is kept from now on
    assert store.reads == 2


def test_a_refused_token_that_is_still_current_is_not_tried_twice(db, fake_slack: FakeSlack) -> None:
    store = Store("xoxb-old")
    clients = TeamClients(fake_slack.base_url, store.token_for, clock=Clock())
    sender = sender_for(db, fake_slack, clients)
    fake_slack.revoked_tokens.add("xoxb-old")

    assert sender.deliver([post(1)]) == ["invalid_auth"]
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    store.token = None  # uninstalled since: still nothing to try again with
    assert sender.deliver([post(2)]) == ["invalid_auth"]
    assert len(fake_slack.calls_to("chat.postMessage")) == 2


def test_forgetting_a_team_reads_its_token_again(fake_slack: FakeSlack) -> None:
    store = Store("xoxb-one")
    clients = TeamClients(fake_slack.base_url, store.token_for, clock=Clock())
    assert clients.for_team("T1") is clients.for_team("T1")
    clients.forget("T1")
    store.token = None
    assert clients.for_team("T1") is None
    assert store.reads == 2
