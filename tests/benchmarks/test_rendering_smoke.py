"""benchmarks/rendering.py still runs: draft, card, PDF and PNG for both round sizes."""

from __future__ import annotations

from tests.benchmarks.support import run_quick


def test_rendering_runs_in_quick_mode() -> None:
    out = run_quick("rendering.py")
    assert "baseline: small" in out
    for stage in ("draft", "card", "pdf", "png"):
        assert f" {stage} " in out, stage
    assert "per round ms" in out and "PDF bytes" in out
    assert "1200×" in out  # the card's PNG has its default width
