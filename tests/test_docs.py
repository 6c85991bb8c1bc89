"""The README, ``.env.example`` and ``goedwerk --help`` agree with the code, so they cannot drift.

- every subcommand ``goedwerk --help`` lists (and each of its actions) is in the README's
  commands table, and the table names no command the program lacks;
- every setting is in the README's settings table and in ``.env.example``, with the
  default the code uses, and neither names a variable the program does not read.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import AliasChoices

from bot.cli import main
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
ENV_EXAMPLE = (ROOT / ".env.example").read_text(encoding="utf-8")
VARIABLE = re.compile(r"\b(?:GOEDWERK|SLACK)_[A-Z_]+\b|\bDATABASE_URL\b")


def _variable(name: str) -> str:
    alias = Settings.model_fields[name].validation_alias
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return str(alias) if alias else name.upper()


SETTINGS = {_variable(name): field.default for name, field in Settings.model_fields.items()}


def _section(heading: str) -> str:
    """The README's text under ``## heading``, up to the next heading of that level."""
    found = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## )", README, flags=re.S | re.M)
    assert found, f"the README has no '## {heading}' section"
    return found.group(1)


def _help(capsys: pytest.CaptureFixture[str], *words: str) -> list[str]:
    """The subcommand (or action) names ``goedwerk [words] --help`` lists."""
    with pytest.raises(SystemExit) as exited:
        main([*words, "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    if "positional arguments:" not in out:
        return []
    listed = out.split("positional arguments:", 1)[1].split("options:", 1)[0]
    return re.findall(r"^    ([a-z][a-z-]*)", listed, flags=re.M)


def _documented_commands() -> set[str]:
    """``goedwerk <command> [action]`` as the README's commands table writes them."""
    table = _section("Commands")
    named = set()
    for cell in re.findall(r"^\| (.+?) \|", table, flags=re.M):
        for usage in re.findall(r"`goedwerk ([a-z][a-z -]*?)(?: \[|`| --| [A-Z])", cell):
            named.add(usage.strip())
    return named


def test_every_command_of_goedwerk_help_is_in_the_readme(capsys: pytest.CaptureFixture[str]) -> None:
    commands = _help(capsys)
    assert {"run", "console", "keys", "workspace"} <= set(commands), commands  # the parse itself works
    documented = _documented_commands()
    expected = set()
    for command in commands:
        actions = _help(capsys, command)
        expected |= {f"{command} {action}" for action in actions} if actions else {command}
    assert sorted(expected - documented) == [], "in `goedwerk --help` but not in the README's commands table"
    assert sorted(documented - expected) == [], "in the README's commands table but not a goedwerk command"


def test_every_setting_is_in_the_readme_with_its_default() -> None:
    table = _section("Settings")
    rows = re.findall(r"^\| `([A-Z_]+)`(?:, `([A-Z_]+)`)? \| (.+?) \|", table, flags=re.M)
    documented = {variable: default for first, second, default in rows for variable in (first, second) if variable}
    assert sorted(SETTINGS.keys() - documented.keys()) == [], "settings missing from the README's table"
    assert sorted(documented.keys() - SETTINGS.keys()) == [], "variables in the README the program does not read"
    for variable, default in SETTINGS.items():
        if default is not None:
            assert documented[variable] in (f"`{default}`", f"`{default:g}`" if isinstance(default, float) else ""), \
                f"{variable}: the README says {documented[variable]}, the code {default!r}"


def test_env_example_lists_every_setting_with_its_default() -> None:
    assigned = dict(re.findall(r"^([A-Z_]+)=(.*)$", ENV_EXAMPLE, flags=re.M))
    assert sorted(SETTINGS.keys() - assigned.keys()) == [], ".env.example lacks these settings"
    mentioned = set(VARIABLE.findall(ENV_EXAMPLE))
    assert sorted(mentioned - SETTINGS.keys()) == [], "variables in .env.example the program does not read"
    for variable, value in assigned.items():
        default = SETTINGS[variable]
        if value and default is not None:
            assert value in (str(default), f"{default:g}" if isinstance(default, float) else ""), \
                f"{variable}: .env.example says {value}, the code's default is {default!r}"
