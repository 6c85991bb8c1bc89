"""benchmarks/fanout_parts.py still runs: the dispatcher's CPU per weekly prompt, part by part."""

from __future__ import annotations

import re

import pytest

from tests.benchmarks.support import run_quick
from tests.conftest import _pg_url, pg_available

# A benchmark's quick mode starts servers and subprocesses and runs for tens of seconds
# (minutes on a busy machine): slow, with room beyond the default per-test timeout.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def test_fanout_parts_runs_in_quick_mode() -> None:
    out = run_quick("fanout_parts.py", *(["--database-url", _pg_url()] if pg_available() else []))
    for part in ("prepare and record, per prompt", "post, bare client (baseline)", "post, goedwerk sender",
                 "token look-up, per workspace"):
        assert re.search(rf"^{re.escape(part)}.*\s[\d.]+\s+[\d.]+\s+[\d.]+$", out, flags=re.MULTILINE), out
    assert "dispatcher CPU per prompt, parts summed" in out
