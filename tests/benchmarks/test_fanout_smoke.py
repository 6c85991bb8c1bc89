"""benchmarks/fanout.py still runs.

On PostgreSQL when the test server is up (as in CI), else on SQLite files: the script
supports both, and the figure of issue 8 is taken on PostgreSQL by hand.
"""

from __future__ import annotations

import re

import pytest

from tests.benchmarks.support import run_quick
from tests.conftest import _pg_url, pg_available

# A benchmark's quick mode starts servers and subprocesses and runs for tens of seconds
# (minutes on a busy machine): slow, with room beyond the default per-test timeout.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def test_fanout_runs_in_quick_mode() -> None:
    out = run_quick("fanout.py", *(["--database-url", _pg_url()] if pg_available() else []))
    assert "wall/bound" in out
    assert "wall/base" in out
    assert "CPU ms/action" in out
    rows = re.findall(r"^\s+(\d+)\s+(\d+)\s+([\d.]+)\*?\s", out, flags=re.MULTILINE)
    assert [processes for processes, _, _ in rows] == ["1", "2"]
    assert "1..1" in out  # every channel got its weekly prompt, once
    assert "duplicates: 0" in out
    shares = re.findall(r"^  (\d) process\(es\): dispatchers [\d.]+ \+ PostgreSQL (?:[\d.]+|unseen) \+ "
                        r"fake Slack [\d.]+ = [\d.]+; baseline: clients [\d.]+ \+ fake Slack [\d.]+ = [\d.]+; "
                        r"[\d.]+x$", out, flags=re.MULTILINE)
    # where the CPU went, for each run (PostgreSQL's is 0 on SQLite, unseen on another machine)
    assert shares == ["1", "2"]


def test_fanout_runs_with_a_round_trip_to_wait_for() -> None:
    """``--latency``: every call to the fake Slack waits, and the baseline waits with as
    many threads as the dispatcher has workers."""
    out = run_quick("fanout.py", "--processes", "1", "--latency", "0.05", "--workers", "3")
    assert "3 thread(s) each" in out
    assert "every call answered after 50 ms" in out
    assert "1..1" in out
    assert "duplicates: 0" in out
