"""benchmarks/fanout.py still runs (its figures are checked by people, not by tests).

On PostgreSQL when the test server is up (as in CI), else on SQLite files: the script
supports both, and the figure of issue 8 is taken on PostgreSQL by hand.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import _pg_url, pg_available

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "fanout.py"


@pytest.mark.slow
def test_fanout_runs_in_quick_mode() -> None:
    database = ["--database-url", _pg_url()] if pg_available() else []
    result = subprocess.run([sys.executable, str(SCRIPT), "--quick", *database], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "wall/bound" in out and "wall/base" in out and "CPU ms/action" in out
    rows = re.findall(r"^\s+(\d+)\s+(\d+)\s+([\d.]+)\*?\s", out, flags=re.MULTILINE)
    assert [processes for processes, _, _ in rows] == ["1", "2"]
    assert "1..1" in out  # every channel got its weekly prompt, once
    assert "duplicates: 0" in out
