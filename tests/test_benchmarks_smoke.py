"""The benchmark scripts still run (their figures are checked by people, not by tests)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def test_db_work_runs_in_quick_mode() -> None:
    result = subprocess.run([sys.executable, str(BENCHMARKS / "db_work.py"), "--quick"], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "largest statement ratio to the baseline" in result.stdout
    assert "new contribution" in result.stdout
