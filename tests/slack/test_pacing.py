"""The per-channel pacer: bursts pass, sustained sending is spaced to the rate."""

from __future__ import annotations

import time
from zoneinfo import ZoneInfo

import pytest

from bot.slack.clients import TeamClients
from bot.slack.pacing import (
    INITIAL_SPACING,
    MAX_SPACING,
    SPACING_HALF_LIFE,
    WORKSPACE_IN_FLIGHT,
    ChannelPacer,
    WorkspaceCooldown,
)
from bot.slack.sender import SlackSender
from flows.clock import SystemClock
from flows.content import load_pack
from flows.effects import Place, Post
from flows.views import Notice
from tests.slack.fake_slack import FakeSlack


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_a_burst_passes_then_one_per_second() -> None:
    time = FakeTime()
    pacer = ChannelPacer(rate=1.0, burst=3, clock=time.clock, sleep=time.sleep)
    for _ in range(3):
        pacer.wait("C1")
    assert time.now == 0.0
    for expected in (1.0, 2.0, 3.0):
        pacer.wait("C1")
        assert time.now == pytest.approx(expected)


def test_channels_do_not_wait_for_each_other_and_buckets_refill() -> None:
    time = FakeTime()
    pacer = ChannelPacer(rate=1.0, burst=1, clock=time.clock, sleep=time.sleep)
    pacer.wait("C1")
    pacer.wait("C2")
    assert time.now == 0.0
    time.now = 5.0
    pacer.wait("C1")
    assert time.now == 5.0


def test_ten_sends_take_the_rate_bound() -> None:
    time = FakeTime()
    pacer = ChannelPacer(rate=2.0, burst=2, clock=time.clock, sleep=time.sleep)
    for _ in range(10):
        pacer.wait("C1")
    assert time.now == pytest.approx((10 - 2) / 2.0)


def test_a_workspace_held_back_waits_out_the_longest_hold_others_do_not() -> None:
    fake_time = FakeTime()
    cooldown = WorkspaceCooldown(clock=fake_time.clock, sleep=fake_time.sleep)
    cooldown.hold("T1", 2.0)
    cooldown.hold("T1", 1.0)  # a shorter hold does not shorten the first
    cooldown.wait("T2")
    assert fake_time.now == 0.0
    cooldown.wait("T1")
    assert fake_time.now == pytest.approx(2.0)
    assert cooldown.remaining("T1") == 0.0


def test_after_a_hold_the_waiting_posts_go_one_by_one_not_all_at_once() -> None:
    fake_time = FakeTime()
    cooldown = WorkspaceCooldown(clock=fake_time.clock, sleep=fake_time.sleep)
    cooldown.hold("T1", 1.0)
    slots = [cooldown.delay_for("T1") for _ in range(4)]  # four threads about to post, at t=0
    assert slots == pytest.approx([1.0, 1.0 + INITIAL_SPACING, 1.0 + 2 * INITIAL_SPACING, 1.0 + 3 * INITIAL_SPACING])


def test_each_new_429_doubles_the_spacing_a_burst_of_them_counts_once_and_it_fades() -> None:
    fake_time = FakeTime()
    cooldown = WorkspaceCooldown(clock=fake_time.clock, sleep=fake_time.sleep)

    def gap() -> float:
        """The spacing now: the wait between two posts reserved back to back."""
        return -cooldown.delay_for("T1") + cooldown.delay_for("T1")

    for _ in range(3):  # three 429s of one burst, within the hold the first one set
        cooldown.hold("T1", 1.0)
    fake_time.now = 1.0
    assert gap() == pytest.approx(INITIAL_SPACING * 0.5 ** (1.0 / SPACING_HALF_LIFE))
    fake_time.now = 1.5
    cooldown.hold("T1", 1.0)  # a new 429 after the hold: twice the (faded) spacing
    fake_time.now = 2.5
    assert gap() == pytest.approx(2 * INITIAL_SPACING * 0.5 ** (2.5 / SPACING_HALF_LIFE))
    fake_time.now = 2.5 + 10 * SPACING_HALF_LIFE  # long without a 429: posting is free again
    assert gap() == 0.0
    assert cooldown.delay_for("T1") == 0.0


def test_the_spacing_never_grows_past_its_maximum() -> None:
    fake_time = FakeTime()
    cooldown = WorkspaceCooldown(clock=fake_time.clock, sleep=fake_time.sleep)
    for _ in range(20):
        cooldown.hold("T1", 0.5)
        fake_time.now += 1.0  # each 429 a new one
    assert -cooldown.delay_for("T1") + cooldown.delay_for("T1") == pytest.approx(MAX_SPACING, rel=0.1)


def test_a_429_holds_back_every_post_in_that_workspace(db, fake_slack: FakeSlack) -> None:
    """One thread's 429 makes the other posts of the workspace wait, through the real client."""
    cooldown, holds = WorkspaceCooldown(), []

    def rate_limited(team: str, seconds: float) -> None:
        holds.append((team, seconds))
        cooldown.hold(team, seconds)

    clients = TeamClients(fake_slack.base_url, lambda team: f"xoxb-{team}", on_rate_limited=rate_limited)
    sender = SlackSender(db, load_pack(), SystemClock(), ZoneInfo("Europe/Amsterdam"), clients.for_team,
                         clients.refresh, cooldown)
    fake_slack.rate_limit("chat.postMessage", retry_after=1, times=1)

    assert sender.deliver([Post(Place("slack", "T1", "C1"), Notice("en", "first"))]) == []
    assert holds == [("T1", 1.0)]  # Slack's Retry-After, shared with the workspace's other posts
    cooldown.hold("T1", 0.5)
    started = time.monotonic()
    assert sender.deliver([Post(Place("slack", "T1", "C2"), Notice("en", "second"))]) == []
    assert time.monotonic() - started >= 0.45
    assert cooldown.remaining("T2") == 0.0
    calls = fake_slack.calls_to("chat.postMessage")
    assert [call.status for call in calls] == [429, 200, 200]


def test_a_retry_after_a_429_waits_for_the_workspaces_next_slot(db, fake_slack: FakeSlack) -> None:
    """The client's retry takes a paced slot (as the app wires it), not Retry-After plus a random second."""
    cooldown, turns = WorkspaceCooldown(), []

    def wait_turn(team: str) -> None:
        turns.append((team, cooldown.remaining(team)))
        cooldown.wait(team)

    clients = TeamClients(fake_slack.base_url, lambda team: f"xoxb-{team}", on_rate_limited=cooldown.hold,
                          wait_turn=wait_turn)
    sender = SlackSender(db, load_pack(), SystemClock(), ZoneInfo("Europe/Amsterdam"), clients.for_team,
                         clients.refresh, cooldown)
    fake_slack.rate_limit("chat.postMessage", retry_after=1, times=2)
    started = time.monotonic()
    assert sender.deliver([Post(Place("slack", "T1", "C1"), Notice("en", "hello"))]) == []
    elapsed = time.monotonic() - started
    assert [team for team, _ in turns] == ["T1", "T1"]  # once per 429
    assert all(0.5 < held <= 1.0 for _, held in turns)  # each retry waited out the hold its 429 set
    assert 2.0 <= elapsed < 2.0 + 4 * INITIAL_SPACING + 0.5  # no random extra second per retry
    assert [call.status for call in fake_slack.calls_to("chat.postMessage")] == [429, 429, 200]


def test_a_workspace_has_a_few_posts_under_way_at_most_others_go_on(db, fake_slack: FakeSlack) -> None:
    """Twelve threads posting at once: eight into one workspace's channels go at most
    :data:`WORKSPACE_IN_FLIGHT` at a time (more would only collect its 429s); the four
    into another workspace do not wait for them."""
    import threading

    fake_slack.latency = 0.25  # every answer takes a round trip
    clients = TeamClients(fake_slack.base_url, lambda team: f"xoxb-{team}")
    sender = SlackSender(db, load_pack(), SystemClock(), ZoneInfo("Europe/Amsterdam"), clients.for_team,
                         clients.refresh)
    posts = [Post(Place("slack", "T1", f"C1{number}"), Notice("en", "busy")) for number in range(8)]
    posts += [Post(Place("slack", "T2", f"C2{number}"), Notice("en", "quiet")) for number in range(4)]
    threads = [threading.Thread(target=sender.deliver, args=([post],)) for post in posts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    calls = [call for call in fake_slack.calls_to("chat.postMessage") if call.ok]
    busy = sorted(call.time for call in calls if call.token == "xoxb-T1")
    quiet = sorted(call.time for call in calls if call.token == "xoxb-T2")
    assert len(busy) == 8
    assert len(quiet) == 4
    assert busy[WORKSPACE_IN_FLIGHT] - busy[0] >= 0.2, "the fifth waited for one of the first four to finish"
    assert quiet[-1] - busy[0] < 0.2, "the other workspace went on meanwhile"
