"""The work queue: form work first, stale form work told instead of run, arrival order, close()."""

from __future__ import annotations

import logging
import threading

import pytest

from bot.slack.work import WorkQueue
from flows.engine import traits


def busy(queue: WorkQueue, workers: int = 1) -> threading.Event:
    """Occupy every worker until the returned event is set (and wait until they are occupied)."""
    release, started = threading.Event(), threading.Semaphore(0)

    def hold() -> None:
        started.release()
        release.wait(5)

    for _ in range(workers):
        queue.submit(hold)
    for _ in range(workers):
        assert started.acquire(timeout=5)
    return release


def test_form_work_goes_ahead_of_waiting_work_and_each_lane_keeps_its_order() -> None:
    queue, done = WorkQueue(workers=1), []
    release = busy(queue)
    for name in ("a", "b"):
        queue.submit(done.append, name)
    queue.submit_form(done.append, "form 1", too_late=lambda: done.append("late"))
    queue.submit(done.append, "c")
    queue.submit_form(done.append, "form 2", too_late=lambda: done.append("late"))
    release.set()
    queue.close()
    assert done == ["form 1", "form 2", "a", "b", "c"]


def test_form_work_that_comes_up_too_late_is_told_instead_of_run(caplog) -> None:
    now = [100.0]
    queue, done = WorkQueue(workers=1, clock=lambda: now[0]), []
    release = busy(queue)
    queue.submit_form(done.append, "stale form", too_late=lambda: done.append("told"))
    now[0] += 2.6  # past TRIGGER_BUDGET (2.5 s) while the worker was busy
    queue.submit_form(done.append, "fresh form", too_late=lambda: done.append("told too"))
    with caplog.at_level(logging.WARNING, logger="goedwerk.slack"):
        release.set()
        queue.close()
    assert done == ["told", "fresh form"]
    assert any("trigger too old" in record.getMessage() for record in caplog.records)


def test_close_finishes_queued_work_in_both_lanes_then_refuses_more() -> None:
    queue, done = WorkQueue(workers=2), []
    release = busy(queue, workers=2)
    for number in range(20):
        queue.submit(done.append, number)
        queue.submit_form(done.append, -number, too_late=lambda: None)
    threading.Timer(0.1, release.set).start()
    queue.close()  # returns only when everything queued before it has run
    assert sorted(done) == sorted([*range(20), *(-n for n in range(20))])
    assert queue.waiting == 0
    with pytest.raises(RuntimeError):
        queue.submit(done.append, "after close")


def test_a_failing_piece_of_work_is_logged_and_the_rest_goes_on(caplog) -> None:
    queue, done = WorkQueue(workers=1), []

    def boom() -> None:
        raise ValueError("boom")

    with caplog.at_level(logging.ERROR, logger="goedwerk.slack"):
        failed = queue.submit(boom)
        queue.submit_form(done.append, "form", too_late=lambda: None)
        queue.close()
    assert failed.result(timeout=1) is None
    assert done == ["form"]
    assert any("boom" in record.getMessage() or record.exc_info for record in caplog.records)


@pytest.mark.parametrize("text, opens", [
    ("start", True), ("begin plan=kop=1h", True), ("start 3", False), ("start random", False),
    ("status", False), ("", False), ("frobnicate", False), ("start nonsense", False),
])
def test_which_commands_open_a_form(text: str, opens: bool) -> None:
    assert traits.command_opens_form(text) is opens


@pytest.mark.parametrize("choice, opens", [
    ("contribute", True), ("edit", True), ("image_text", True), ("image_picture", True), ("image_vote", True),
    ("pass", False), ("delete", False), ("status", False), ("start", False), ("consent", False),
])
def test_which_choices_open_a_form(choice: str, opens: bool) -> None:
    assert traits.choice_opens_form(choice) is opens
