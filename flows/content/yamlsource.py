"""Reading one YAML file while keeping the line of every key and item.

``read_yaml`` parses a file once into both its node tree (which knows lines) and
its plain Python data, so later checks can point at the line of an offending key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .problems import Problem

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Source:
    """A parsed YAML file: its display name, its data and its node tree."""

    name: str
    data: Any
    root: yaml.Node | None

    def line(self, loc: Loc) -> int | None:
        """The 1-based line of the deepest node along ``loc`` that exists."""
        return line_of(self.root, loc)

    def problem(self, loc: Loc, message: str, shown: Loc | None = None) -> Problem:
        """A problem at the line of ``loc``, its message prefixed with a dotted key path.

        The path is ``loc`` itself unless ``shown`` gives another (e.g. the parent
        when the message already names the key).
        """
        where = dotted(loc if shown is None else shown)
        return Problem(self.name, self.line(loc), f"{where}: {message}" if where else message)


def dotted(loc: Loc) -> str:
    """``('rich_a4', 0, 'name')`` -> ``'rich_a4[0].name'``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _child(node: yaml.Node, part: str | int) -> tuple[yaml.Node, yaml.Node] | None:
    """``(marker, value)`` for key or index ``part`` below ``node``.

    The marker is the node whose line is reported: the key node in a mapping,
    the item itself in a sequence.
    """
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                return key, value
    elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
        if 0 <= part < len(node.value):
            item = node.value[part]
            return item, item
    return None


def line_of(root: yaml.Node | None, loc: Loc) -> int | None:
    """Line of the deepest existing node along ``loc``; the root's line for ``()``."""
    if root is None:
        return None
    node, line = root, root.start_mark.line + 1
    for part in loc:
        found = _child(node, part)
        if found is None:
            break
        marker, node = found
        line = marker.start_mark.line + 1
    return int(line)


def _duplicate_keys(node: yaml.Node | None, name: str, path: Loc = ()) -> list[Problem]:
    """Keys written twice in one mapping (YAML would silently keep the last)."""
    problems: list[Problem] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                if key.value in seen:
                    where = dotted(path)
                    prefix = f"{where}: " if where else ""
                    problems.append(Problem(name, key.start_mark.line + 1,
                                            f"{prefix}duplicate key '{key.value}'"))
                seen.add(key.value)
                problems += _duplicate_keys(value, name, path + (key.value,))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            problems += _duplicate_keys(item, name, path + (index,))
    return problems


def read_yaml(path: Path, name: str) -> tuple[Source | None, list[Problem]]:
    """Parse ``path``; return its Source (None when unusable) and any problems."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(name, None, f"cannot read file: {exc}")]
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        detail = "; ".join(part for part in (exc.context, exc.problem) if part)
        return None, [Problem(name, line, f"YAML syntax error: {detail or exc}")]
    except yaml.YAMLError as exc:
        return None, [Problem(name, None, f"YAML error: {exc}")]
    finally:
        loader.dispose()
    if root is None:
        return None, [Problem(name, None, "file is empty")]
    if not isinstance(data, dict):
        return None, [Problem(name, root.start_mark.line + 1,
                              "expected a mapping of keys to values at the top level")]
    return Source(name, data, root), _duplicate_keys(root, name)
