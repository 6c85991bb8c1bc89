"""benchmarks/rendering.py still runs (its figures are checked by people, not by tests)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "rendering.py"


def test_rendering_runs_in_quick_mode() -> None:
    result = subprocess.run([sys.executable, str(SCRIPT), "--quick"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "baseline: small" in out
    for stage in ("draft", "card", "pdf", "png"):
        assert f" {stage} " in out, stage
    assert "per round ms" in out and "PDF bytes" in out
    assert "1200×" in out  # the card's PNG has its default width
