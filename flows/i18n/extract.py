"""Find every user-facing string in the code, for translators and for the catalogue tests.

A string is a message when it is the second argument of ``t(language, "…")`` or the only
argument of ``N_("…")``. This is the same extraction as::

    pybabel extract -k N_ -k t:2 -k tn:2,3 -k tell_n:1,2 --no-default-keywords -o goedwerk.pot bot flows

Maintainers can write a template with ``python -m flows.i18n.extract > goedwerk.pot``
(or ``python -m flows.i18n.extract goedwerk.pot``) and merge it into the catalogues with
``pybabel update``.

Note: on Python 3.11 Babel cannot look inside f-strings, so ``f"{t(lang, 'Round')}"`` is
not extracted. Call ``t`` outside the f-string and interpolate the result instead.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import write_po

KEYWORDS: dict[str, tuple[int, ...] | None] = {"N_": None, "t": (2,), "tn": (2, 3), "tell_n": (1, 2)}
METHOD_MAP = [("**.py", "python")]
REPOSITORY = Path(__file__).resolve().parents[2]


def source_roots() -> list[Path]:
    """The folders whose code holds user-facing strings: ``bot/`` and ``flows/``."""
    return [REPOSITORY / "bot", REPOSITORY / "flows"]


def extract_messages(roots: Iterable[Path]) -> dict[str, list[str]]:
    """Map each message id found under ``roots`` to its locations (``"bot/x.py:12"``).

    Message ids appear in the order they are first found; empty strings are skipped.
    """
    messages: dict[str, list[str]] = {}
    for root in roots:
        root = Path(root)
        found = extract_from_dir(str(root), method_map=METHOD_MAP, keywords=KEYWORDS)
        for filename, lineno, message, _comments, _context in found:
            if isinstance(message, tuple):  # plural forms: the singular is the id
                message = message[0]
            if not message:
                continue
            location = f"{root.name}/{Path(filename).as_posix()}:{lineno}"
            messages.setdefault(message, []).append(location)
    return messages


def template(messages: dict[str, list[str]]) -> Catalog:
    """A translation template (.pot) holding ``messages`` with their locations."""
    pot = Catalog(project="goedwerk", domain="goedwerk", charset="utf-8", fuzzy=False)
    for msgid, locations in messages.items():
        spots = []
        for location in locations:
            path, _, line = location.rpartition(":")
            spots.append((path, int(line)))
        pot.add(msgid, locations=spots)
    return pot


def main(argv: list[str] | None = None) -> int:
    """Write the template to the path in ``argv`` or to standard output."""
    argv = sys.argv[1:] if argv is None else argv
    pot = template(extract_messages(source_roots()))
    if argv:
        with open(argv[0], "wb") as handle:
            write_po(handle, pot, width=76)
    else:
        write_po(sys.stdout.buffer, pot, width=76)
        sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
