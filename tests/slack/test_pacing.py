"""The per-channel pacer: bursts pass, sustained sending is spaced to the rate."""

from __future__ import annotations

import pytest

from bot.slack.pacing import ChannelPacer


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
