"""benchmarks/ack_latency.py still runs (its figures are checked by people, not by tests).

SQLite only and the two lower rates, two 1 s segments each: it starts the fake Slack, the bare Bolt
baseline and `goedwerk run`, sends signed load at both and prints the table.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "ack_latency.py"

# A benchmark's quick mode starts servers and subprocesses and runs for tens of seconds
# (minutes on a busy machine): slow, with room beyond the default per-test timeout.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def test_ack_latency_runs_in_quick_mode() -> None:
    result = subprocess.run([sys.executable, str(SCRIPT), "--quick", "--database-url", "sqlite", "--rates", "10,50"],
                            capture_output=True, text=True, timeout=540)
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "p50 ms" in out
    assert "p99 ms" in out
    assert "max ms" in out
    assert "errors" in out
    assert "p99/base" in out
    assert any(line.startswith("baseline") and " all " in line for line in out.splitlines())
    assert any(line.startswith("goedwerk-sqlite") and " all " in line for line in out.splitlines())
    assert "goedwerk-sqlite at 50/s: p99" in out  # the verdict line, whatever it says
    opened = re.search(r"goedwerk-sqlite at 50/s: (\d+) of (\d+) forms opened", out)
    assert opened and opened.group(1) == opened.group(2), out  # every click's form reached the fake Slack
    assert "CPU per request" in out and "drain" in out
