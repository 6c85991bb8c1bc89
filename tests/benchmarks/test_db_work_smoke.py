"""benchmarks/db_work.py still runs: statements per interaction, with the ratio to the smallest round."""

from __future__ import annotations

from tests.benchmarks.support import run_quick


def test_db_work_runs_in_quick_mode() -> None:
    out = run_quick("db_work.py")
    assert "largest statement ratio to the baseline" in out
    assert "new contribution" in out
