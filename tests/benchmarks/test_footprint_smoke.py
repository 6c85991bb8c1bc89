"""benchmarks/footprint.py still runs (its figures are checked by people, not by tests)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "footprint.py"


def test_footprint_runs_in_quick_mode() -> None:
    result = subprocess.run([sys.executable, str(SCRIPT), "--quick"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "bare Bolt app on waitress (baseline)" in out
    assert "goedwerk run (sqlite)" in out
    assert "soak on sqlite: 200 actions" in out
    assert "growth from" in out and "settled" in out
    assert "exit code after SIGTERM: 0" in out
