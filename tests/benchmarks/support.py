"""Running a benchmark script's quick mode as a smoke test.

The scripts' figures are checked by people, not by tests; a smoke test only checks a
script still runs to the end and prints its table.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def run_quick(script: str, *args: str, timeout: float = 300) -> str:
    """Run ``benchmarks/<script> --quick *args``; its stdout (stderr's tail on failure)."""
    result = subprocess.run([sys.executable, str(BENCHMARKS / script), "--quick", *args], capture_output=True,
                            text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout
