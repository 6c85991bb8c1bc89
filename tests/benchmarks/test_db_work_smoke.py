"""benchmarks/db_work.py still runs: statements per interaction, with the ratio to the smallest round."""

from __future__ import annotations

import pytest

from tests.benchmarks.support import run_quick

# A benchmark's quick mode starts servers and subprocesses and runs for tens of seconds
# (minutes on a busy machine): slow, with room beyond the default per-test timeout.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def test_db_work_runs_in_quick_mode() -> None:
    out = run_quick("db_work.py")
    assert "largest statement ratio to the baseline" in out
    assert "new contribution" in out
