"""flows/scheduling runs the engine's timed work without importing the engine (no import cycle)."""

from __future__ import annotations

import ast
from pathlib import Path

SCHEDULING = Path(__file__).resolve().parents[2] / "flows" / "scheduling"


def _imported(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
        elif isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
    return modules


def test_scheduling_imports_nothing_from_the_engine() -> None:
    found = {path.name: sorted(m for m in _imported(path) if m.startswith("flows.engine"))
             for path in sorted(SCHEDULING.glob("*.py"))}
    assert {name: modules for name, modules in found.items() if modules} == {}
