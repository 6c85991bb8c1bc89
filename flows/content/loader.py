"""Loading and checking content packs.

The built-in pack (``default_pack_dir()``) holds ``pack.yaml``, ``perspectives.yaml``,
``process.yaml``, ``virtues.yaml`` and ``situations/*.yaml``. An organisation may add
a folder of its own situations (``situations/*.yaml`` or ``*.yaml`` directly).
``load_pack`` returns a validated ``schema.ContentPack`` or raises ``ContentError``
listing every problem found, each with its file and, where known, its line.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, Field

import flows

from . import checks
from .problems import ContentError, Problem
from .schema import (
    PERSPECTIVE_KEYS,
    ContentPack,
    PackInfo,
    PerspectivesFile,
    Process,
    Situation,
    Strict,
    Virtue,
)
from .validation import validate
from .yamlsource import Source, read_yaml

__all__ = ["ContentError", "Problem", "check_dir", "default_pack_dir", "load_pack"]

M = TypeVar("M", bound=BaseModel)
PACK_FILES = ("pack.yaml", "perspectives.yaml", "process.yaml", "virtues.yaml")
SUFFIXES = (".yaml", ".yml")


class VirtuesFile(Strict):
    """The shape of ``virtues.yaml``."""

    virtues: list[Virtue] = Field(min_length=1)


def default_pack_dir() -> Path:
    """The built-in pack: packaged as ``flows/_content``, else the repository's ``content/``."""
    here = Path(flows.__file__).resolve().parent
    packaged = here / "_content"
    return packaged if packaged.is_dir() else here.parent / "content"


def _name(root: Path, path: Path) -> str:
    """How a file is shown in messages: relative to the folder above its pack."""
    try:
        return (Path(root.name) / path.relative_to(root)).as_posix()
    except ValueError:
        return path.as_posix()


def _yaml_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix in SUFFIXES and not p.name.startswith("."))


def _read(path: Path, name: str, model: type[M],
          check: Callable[[Source], list[Problem]] | None = None,
          ) -> tuple[M | None, Source | None, list[Problem]]:
    """Parse and validate one file; run ``check`` on its raw data as well."""
    if not path.is_file():
        return None, None, [Problem(name, None, "file is missing")]
    source, problems = read_yaml(path, name)
    if source is None:
        return None, None, problems
    value, invalid = validate(model, source)
    problems += invalid + (check(source) if check else [])
    return (value if not problems else None), source, problems


class _Situations:
    """Situation files read so far, and their numbers, to catch duplicates."""

    def __init__(self) -> None:
        self.valid: dict[int, Situation] = {}
        self.numbers: dict[int, list[tuple[str, int | None]]] = {}
        self.problems: list[Problem] = []

    def add(self, path: Path, name: str) -> None:
        situation, source, problems = _read(path, name, Situation, checks.situation_notes)
        self.problems += problems
        number = source.data.get("number") if source else None
        if source is not None and isinstance(number, int) and not isinstance(number, bool):
            self.numbers.setdefault(number, []).append((name, source.line(("number",))))
        if situation is not None:
            self.valid.setdefault(situation.number, situation)

    def duplicates(self) -> list[Problem]:
        problems = []
        for number, places in self.numbers.items():
            if len(places) < 2:
                continue
            for name, line in places:
                others = ", ".join(other for other, _ in places if other != name)
                problems.append(Problem(name, line,
                                        f"number: situation {number} is also defined in {others}"))
        return problems


def _base_files(base_dir: Path, situations: _Situations) -> tuple[dict[str, Any], list[Problem]]:
    """Read the four pack files and the base situations."""
    def name(path: Path) -> str:
        return _name(base_dir, path)

    parts: dict[str, Any] = {}
    problems: list[Problem] = []
    for key, file, model, check in (
        ("info", "pack.yaml", PackInfo, None),
        ("perspectives", "perspectives.yaml", PerspectivesFile, checks.perspectives),
        ("process", "process.yaml", Process, checks.process),
        ("virtues", "virtues.yaml", VirtuesFile, checks.virtues),
    ):
        parts[key], _, found = _read(base_dir / file, name(base_dir / file), model, check)
        problems += found
    folder = base_dir / "situations"
    files = _yaml_files(folder) if folder.is_dir() else []
    if not files:
        problems.append(Problem(name(folder), None, "no situation files (*.yaml) found"))
    for path in files:
        situations.add(path, name(path))
    return parts, problems


def _extra_files(extra_dir: Path, situations: _Situations) -> list[Problem]:
    """Read an organisation's situations: ``situations/*.yaml`` and ``*.yaml``."""
    shown = Path(extra_dir.name).as_posix()
    if not extra_dir.is_dir():
        return [Problem(extra_dir.as_posix(), None, "folder does not exist")]
    problems = [Problem(_name(extra_dir, extra_dir / file), None,
                        "an organisation's folder may only hold situations; "
                        "this file belongs to a full pack")
                for file in PACK_FILES if (extra_dir / file).exists()]
    files = [p for p in _yaml_files(extra_dir) if p.name not in PACK_FILES]
    if (extra_dir / "situations").is_dir():
        files += _yaml_files(extra_dir / "situations")
    if not files and not problems:
        problems.append(Problem(shown, None, "no situation files (*.yaml) found"))
    for path in files:
        situations.add(path, _name(extra_dir, path))
    return problems


def _collect(extra_dir: Path | None, base_dir: Path | None) -> tuple[ContentPack | None, list[Problem]]:
    """The pack and every problem found while reading it."""
    base_dir = Path(base_dir).resolve() if base_dir is not None else default_pack_dir()
    if not base_dir.is_dir():
        return None, [Problem(base_dir.as_posix(), None, "content folder does not exist")]
    situations = _Situations()
    parts, problems = _base_files(base_dir, situations)
    if extra_dir is not None:
        problems += _extra_files(Path(extra_dir).resolve(), situations)
    problems += situations.problems + situations.duplicates()
    if problems:
        return None, problems
    perspectives: PerspectivesFile = parts["perspectives"]
    by_key = {p.key: p for p in perspectives.perspectives}
    pack = ContentPack(
        info=parts["info"],
        perspectives={key: by_key[key] for key in PERSPECTIVE_KEYS},
        suggested_order=tuple(tuple(group) for group in perspectives.suggested_order),
        process=parts["process"],
        virtues=tuple(parts["virtues"].virtues),
        situations=dict(sorted(situations.valid.items())),
    )
    return pack, []


def load_pack(extra_dir: Path | None = None, base_dir: Path | None = None) -> ContentPack:
    """Load the base pack plus an organisation's extra situations.

    ``base_dir`` defaults to ``default_pack_dir()``. Raises ``ContentError`` with
    every problem found when anything is wrong.
    """
    pack, problems = _collect(extra_dir, base_dir)
    if pack is None:
        raise ContentError(problems)
    return pack


def check_dir(path: Path | None) -> list[Problem]:
    """Problems in a folder; ``[]`` when it is fine.

    ``None`` checks the built-in pack; a folder with ``pack.yaml`` is checked as a
    full pack; any other folder as an organisation's extra situations on top of
    the built-in pack.
    """
    if path is None:
        return _collect(None, None)[1]
    path = Path(path)
    if (path / "pack.yaml").is_file():
        return _collect(None, path)[1]
    return _collect(path, None)[1]
