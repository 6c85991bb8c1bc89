"""The one table of what adapters must know about a command before the engine runs it."""

from __future__ import annotations

import pytest

from flows.engine import commands, traits


def test_the_table_names_only_commands_that_exist() -> None:
    assert set(traits.COMMAND_TRAITS) <= set(commands.ALIASES.values())


@pytest.mark.parametrize("text", ["volgende", "next", "Close now", "stop", "facilitator <@U1>", "experience 3",
                                  "publish", "collection share on"])
def test_facilitator_commands_in_either_language_ask_for_the_admin_check(text: str) -> None:
    assert traits.of_command(text).facilitator_or_admin


@pytest.mark.parametrize("text", ["bijdrage kop Iets", "contribute kop Something", "pass kop", "begin 3"])
def test_commands_that_store_words_under_a_name_ask_for_it(text: str) -> None:
    assert traits.of_command(text).needs_name


@pytest.mark.parametrize("text", ["status", "help", "", "frobnicate", "   "])
def test_other_commands_ask_for_nothing(text: str) -> None:
    needs = traits.of_command(text)
    assert not needs.facilitator_or_admin
    assert not needs.needs_name
