"""The requests inbox on SQLite and PostgreSQL: one row per request, claimed in order per
lane, urgent rows first, leases that run out, handled rows that only deliver again."""

from __future__ import annotations

import threading
import time

from sqlalchemy import select

from bot.runtime import inbox
from bot.runtime.inbox import Request
from bot.runtime.workers import InboxWorkers
from flows.store.db import Database

NOW = 1_000_000.0


def request(key: str, lane: str = "T/C1", urgent: bool = False, platform: str = "slack") -> Request:
    return Request(platform, key, "command", lane, {"text": key}, urgent)


def test_a_retried_request_is_one_row_until_it_is_done(db: Database) -> None:
    assert inbox.record(db, request("a"), NOW)
    assert not inbox.record(db, request("a"), NOW + 1)  # Slack's retry, a double click
    assert inbox.record(db, request("a", platform="teams"), NOW)  # the key is per platform
    [row] = inbox.claim(db, "me", 30, 10, ("slack",), NOW)
    assert inbox.finish(db, [row.id], "me") == 1
    assert inbox.record(db, request("a"), NOW + 2)  # done and gone: a new request may use the key


def test_a_lane_runs_one_row_at_a_time_in_arrival_order_and_others_go_on(db: Database) -> None:
    for key, lane in (("start", "T/C1"), ("contribute", "T/C1"), ("other", "T/C2")):
        inbox.record(db, request(key, lane), NOW)
    first = inbox.claim(db, "me", 30, 10, ("slack",), NOW)
    assert [row.payload["text"] for row in first] == ["start", "other"]
    assert inbox.claim(db, "you", 30, 10, ("slack",), NOW) == []  # C1's second waits for its first
    inbox.finish(db, [first[0].id], "me")
    [row] = inbox.claim(db, "you", 30, 10, ("slack",), NOW)
    assert row.payload["text"] == "contribute"


def test_form_requests_go_first_across_lanes(db: Database) -> None:
    inbox.record(db, request("status", "T/C1"), NOW)
    inbox.record(db, request("form", "T/C2", urgent=True), NOW)
    rows = inbox.claim(db, "me", 30, 1, ("slack",), NOW)
    assert [row.payload["text"] for row in rows] == ["form"]


def test_a_dead_claimers_rows_come_back_after_the_lease_counted(db: Database) -> None:
    inbox.record(db, request("a"), NOW)
    [row] = inbox.claim(db, "dead", 30, 10, ("slack",), NOW)
    assert inbox.claim(db, "me", 30, 10, ("slack",), NOW + 29) == []
    [again] = inbox.claim(db, "me", 30, 10, ("slack",), NOW + 31)
    assert (again.id, again.attempts, again.effects) == (row.id, 2, None)
    assert inbox.finish(db, [row.id], "dead") == 0  # no longer the dead one's to clear


def test_the_engines_part_is_saved_with_its_effects_and_only_delivered_again(db: Database) -> None:
    inbox.record(db, request("a"), NOW)
    [row] = inbox.claim(db, "dead", 30, 10, ("slack",), NOW)
    with db.transaction() as session:
        assert inbox.mark_handled(session, row.id, "dead", ["a thread reply"])
    [again] = inbox.claim(db, "me", 30, 10, ("slack",), NOW + 31)
    assert again.effects == ["a thread reply"]
    with db.transaction() as session:
        assert not inbox.mark_handled(session, row.id, "dead", [])  # the dead claimer lost it


def test_released_rows_are_claimed_at_once_and_uncounted(db: Database) -> None:
    inbox.record(db, request("a"), NOW)
    [row] = inbox.claim(db, "stopping", 30, 10, ("slack",), NOW)
    assert inbox.release(db, [row.id], "stopping") == 1
    [again] = inbox.claim(db, "me", 30, 10, ("slack",), NOW)
    assert again.attempts == 1


def test_workers_run_every_row_once_and_clear_it(db: Database) -> None:
    seen: list[str] = []
    lock = threading.Lock()

    def run(row: inbox.Claimed, owner: str) -> None:
        with lock:
            seen.append(row.payload["text"])

    workers = InboxWorkers(db, {"slack": run}, threads=4, poll=0.05)
    workers.start()
    try:
        for number in range(30):
            inbox.record(db, request(f"r{number}", lane=f"T/C{number % 3}"))
            workers.wake()
        deadline = time.monotonic() + 20
        while inbox.waiting(db) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert inbox.waiting(db) == 0
    finally:
        assert workers.stop() == 0
    assert sorted(seen) == sorted(f"r{number}" for number in range(30))
    for lane in range(3):  # each lane in arrival order
        assert [key for key in seen if int(key[1:]) % 3 == lane] == [f"r{n}" for n in range(lane, 30, 3)]
    with db.transaction() as session:
        assert session.execute(select(inbox.requests.c.id)).all() == []


def test_a_form_request_gets_a_thread_while_every_other_thread_is_busy(db: Database) -> None:
    release, started, ran = threading.Event(), threading.Event(), []

    def run(row: inbox.Claimed, owner: str) -> None:
        if row.payload["text"] == "slow":
            started.set()
            release.wait(20)
        ran.append(row.payload["text"])

    workers = InboxWorkers(db, {"slack": run}, threads=1, poll=0.05)
    workers.start()
    try:
        inbox.record(db, request("slow", lane="T/C1"))
        workers.wake()
        assert started.wait(10)
        inbox.record(db, request("status", lane="T/C2"))
        inbox.record(db, request("form", lane="T/C3", urgent=True))
        workers.wake()
        deadline = time.monotonic() + 10
        while "form" not in ran and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ran == ["form"]  # the status waits for the one ordinary thread
    finally:
        release.set()
        workers.stop()
