"""benchmarks/footprint.py still runs: start-up, idle memory and a short soak."""

from __future__ import annotations

import pytest

from tests.benchmarks.support import run_quick

# A benchmark's quick mode starts servers and subprocesses and runs for tens of seconds
# (minutes on a busy machine): slow, with room beyond the default per-test timeout.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def test_footprint_runs_in_quick_mode() -> None:
    out = run_quick("footprint.py")
    assert "bare Bolt app on waitress (baseline)" in out
    assert "goedwerk run (sqlite)" in out
    assert "soak on sqlite: 200 actions" in out
    assert "growth from" in out
    assert "settled" in out
    assert "exit code after SIGTERM: 0" in out
