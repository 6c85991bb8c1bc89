"""Message keys: one spelling, and a contribution's key read back to its id."""

from __future__ import annotations

import pytest

from flows.engine import keys


def test_a_contribution_key_reads_back_to_its_id() -> None:
    assert keys.contribution_of(keys.contribution(42)) == 42


@pytest.mark.parametrize("key", [None, "", keys.kickoff(1), keys.prompt(1, "kop"), "contribution:", "contribution:x1"])
def test_other_keys_name_no_contribution(key: str | None) -> None:
    assert keys.contribution_of(key) is None
