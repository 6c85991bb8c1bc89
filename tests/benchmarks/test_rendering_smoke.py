"""benchmarks/rendering.py still runs: draft, card, PDF and PNG for both round sizes."""

from __future__ import annotations

import pytest

from tests.benchmarks.support import run_quick

# A benchmark's quick mode starts servers and subprocesses and runs for tens of seconds
# (minutes on a busy machine): slow, with room beyond the default per-test timeout.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def test_rendering_runs_in_quick_mode() -> None:
    out = run_quick("rendering.py")
    assert "baseline: small" in out
    for stage in ("draft", "card", "pdf", "png"):
        assert f" {stage} " in out, stage
    assert "per round ms" in out
    assert "PDF bytes" in out
    assert "1200×" in out  # the card's PNG has its default width
