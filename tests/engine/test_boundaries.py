"""flows/ is the platform-free core: it imports nothing from bot/ or any platform SDK."""

from __future__ import annotations

import ast
from pathlib import Path

FLOWS = Path(__file__).resolve().parents[2] / "flows"
FORBIDDEN = ("bot", "slack_bolt", "slack_sdk", "slack", "botbuilder", "waitress")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_flows_imports_nothing_platform_specific() -> None:
    offenders = {str(path.relative_to(FLOWS)): sorted(imported_modules(path) & set(FORBIDDEN))
                 for path in FLOWS.rglob("*.py")}
    assert {name: found for name, found in offenders.items() if found} == {}
