"""The Dutch catalogue keeps up with the code: complete, clean and with intact placeholders.

Every message marked in ``bot/`` and ``flows/`` (``t(lang, "…")`` or ``N_("…")``) needs a
Dutch translation in ``flows/i18n/locales/nl/LC_MESSAGES/goedwerk.po``, and the catalogue
holds nothing else.
"""

from __future__ import annotations

import io
import re
import string
import tokenize

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from flows.i18n import LOCALE_DIR, t
from flows.i18n.extract import extract_messages, main, source_roots

PO_PATH = LOCALE_DIR / "nl" / "LC_MESSAGES" / "goedwerk.po"
EXTRACT_COMMAND = (".venv/bin/pybabel extract -k N_ -k t:2 --no-default-keywords --no-location "
                   "-o /tmp/goedwerk.pot bot flows")
HOW_TO_FIX = (
    f"To fix: in the repository root run\n    {EXTRACT_COMMAND}\n"
    f"(or: .venv/bin/python -m flows.i18n.extract > /tmp/goedwerk.pot), then add or update the "
    f"entries in {PO_PATH.relative_to(PO_PATH.parents[5])} so that it holds a Dutch translation "
    f"for exactly the msgids in that template. Keep every {{placeholder}}, and use "
    f"the Dutch command words (bijdrage, pas, bewerk, verwijder, volgende, sluit, …)."
)


@pytest.fixture(scope="module")
def extracted() -> dict[str, list[str]]:
    messages = extract_messages(source_roots())
    assert messages, "no messages were extracted from bot/ and flows/"
    return messages


@pytest.fixture(scope="module")
def dutch() -> Catalog:
    with PO_PATH.open("rb") as handle:
        return read_po(handle, locale="nl", abort_invalid=True)


def _entries(catalog: Catalog) -> list:
    return [message for message in catalog if message.id]


def _shorten(text: str, width: int = 100) -> str:
    text = text.replace("\n", "\\n")
    return text if len(text) <= width else text[: width - 1] + "…"


def _fields(text: str) -> set[str]:
    """The names of the ``str.format`` fields in ``text`` (``{number}`` → ``number``)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


# (a) ------------------------------------------------------------------------------------

def test_every_message_has_a_dutch_translation(extracted, dutch):
    missing = []
    for msgid, locations in extracted.items():
        message = dutch.get(msgid)
        if message is None or not isinstance(message.string, str) or not message.string.strip():
            missing.append(f"  {_shorten(msgid)!r}  ({', '.join(locations[:3])})")
    assert not missing, (f"{len(missing)} message(s) have no Dutch translation:\n" + "\n".join(missing)
                         + "\n" + HOW_TO_FIX)


# (b) ------------------------------------------------------------------------------------

def test_translations_keep_the_placeholders(dutch):
    problems = []
    for message in _entries(dutch):
        if not message.string:
            continue
        try:
            wanted, found = _fields(message.id), _fields(message.string)
        except ValueError as error:  # unbalanced braces
            problems.append(f"  {_shorten(message.id)!r}: cannot parse the translation ({error})")
            continue
        if wanted != found:
            problems.append(f"  {_shorten(message.id)!r}: expects {sorted(wanted)}, translation has "
                            f"{sorted(found)}")
        if "<@" in message.id or "<@" in message.string:
            problems.append(f"  {_shorten(message.id)!r}: writes Slack's mention markup; pass "
                            f"flows.i18n.mention_marker(user) as a placeholder's value instead")
    assert not problems, "Placeholders differ between msgid and translation:\n" + "\n".join(problems)


def test_translations_can_be_filled_in(dutch):
    """Formatting a translation with its msgid's fields never fails."""
    for message in _entries(dutch):
        fields = _fields(message.id)
        if fields and message.string:
            message.string.format(**{name: "x" for name in fields})


# (c) ------------------------------------------------------------------------------------

def test_catalogue_parses_cleanly_without_fuzzy_entries(dutch):
    assert str(dutch.locale) == "nl"
    assert dutch.charset.lower() == "utf-8"
    assert dutch.plural_forms == "nplurals=2; plural=(n != 1);"
    assert not dutch.fuzzy, "the header of goedwerk.po is marked fuzzy; review it and remove the flag"
    fuzzy = [_shorten(message.id) for message in _entries(dutch) if message.fuzzy]
    assert not fuzzy, ("Fuzzy entries are ignored at run time; review them and remove the "
                       "'#, fuzzy' flag:\n  " + "\n  ".join(fuzzy))
    errors = [f"{_shorten(message.id)!r}: {error}" for message, errors in dutch.check() for error in errors]
    assert not errors, "\n".join(errors)


def test_every_entry_is_unique(dutch):
    text = PO_PATH.read_text(encoding="utf-8")
    entries = len(re.findall(r"^msgid ", text, flags=re.M)) - 1  # the header is msgid ""
    assert entries == len(_entries(dutch)), "goedwerk.po has duplicate msgids; keep one of each"


# (d) ------------------------------------------------------------------------------------

def test_t_translates_for_dutch_and_falls_back_to_the_msgid_for_english():
    assert t("nl", "Contribute") == "Bijdragen"
    assert t("en", "Contribute") == "Contribute"
    assert t("nl", "Contribution {number} was changed.", number=7) == "Bijdrage 7 is gewijzigd."
    assert t("en", "Contribution {number} was changed.", number=7) == "Contribution 7 was changed."
    assert t("nl", "This channel now speaks English.") == "Dit kanaal spreekt nu Nederlands."


def test_dutch_help_uses_the_dutch_command_words(dutch):
    from flows.engine.catalog import HELP

    help_nl = t("nl", HELP)
    for word in ("bijdrage <stap>", "pas <stap>", "bewerk", "verwijder", "volgende", "sluit",
                 "samenvatting", "situaties", "toon", "begeleider", "taal", "willekeurig", "anoniem"):
        assert word in help_nl, f"the Dutch help does not mention '{word}'"


# (e) ------------------------------------------------------------------------------------

def test_no_obsolete_translations(extracted, dutch):
    obsolete = [f"  {_shorten(message.id)!r}" for message in _entries(dutch) if message.id not in extracted]
    obsolete += [f"  #~ {_shorten(str(msgid))!r}" for msgid in dutch.obsolete]
    assert not obsolete, (
        f"{len(obsolete)} translation(s) in goedwerk.po are no longer used in bot/ or flows/. Remove "
        "them, or, when the English text changed, move the Dutch to the new msgid:\n"
        + "\n".join(obsolete) + "\n" + HOW_TO_FIX)


# the extractor ---------------------------------------------------------------------------

def test_source_roots_are_the_bot_and_flows_folders():
    roots = source_roots()
    assert [root.name for root in roots] == ["bot", "flows"]
    assert all(root.is_dir() for root in roots)


def test_extract_messages_finds_t_and_n_markers_with_locations(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "mod.py").write_text(
        "from flows.i18n import N_, t\n"
        "A = N_('Marked for later')\n"
        "def f(lang):\n"
        "    return t(lang, 'Hello {name}', name='x') + t(lang, 'Marked for later')\n"
        "gettext = _ = print\n"
        "_('not ours')\n",
        encoding="utf-8",
    )
    messages = extract_messages([package])
    assert messages == {"Marked for later": ["pkg/mod.py:2", "pkg/mod.py:4"], "Hello {name}": ["pkg/mod.py:4"]}


def test_main_writes_a_template(tmp_path, extracted):
    target = tmp_path / "goedwerk.pot"
    assert main([str(target)]) == 0
    with target.open("rb") as handle:
        template = read_po(handle)
    assert {message.id for message in template if message.id} == set(extracted)


# strings the extractor cannot see ---------------------------------------------------------

_HIDDEN_CALL = re.compile(r"""\b(?:t\([^,()]+,\s*|N_\(\s*)[rRuU]?(['"])(.*?)(?<!\\)\1""")
_UNMARKED_SCOPE_T = re.compile(r"""\.t\(\s*[rRuU]?(['"])(.*?)(?<!\\)\1""")


def _hidden_messages(extracted: dict[str, list[str]]) -> list[str]:
    """Messages Babel misses: ``t(...)`` inside f-strings (Python < 3.12) or ``scope.t("…")``.

    A message that is also extracted somewhere else is translated anyway and not reported.
    """
    found = []
    for root in source_roots():
        for path in sorted(root.rglob("*.py")):
            source = path.read_text(encoding="utf-8")
            where = path.relative_to(root.parent)
            for token in tokenize.generate_tokens(io.StringIO(source).readline):
                if token.type != tokenize.STRING:
                    continue
                prefix = token.string[: len(token.string) - len(token.string.lstrip("rRbBuUfF"))]
                if "f" not in prefix.lower():
                    continue
                for match in _HIDDEN_CALL.finditer(token.string):
                    if match.group(2) not in extracted:
                        found.append(f"  {where}:{token.start[0]}: {match.group(2)!r} (t(...) inside an f-string)")
            for number, line in enumerate(source.splitlines(), start=1):
                for match in _UNMARKED_SCOPE_T.finditer(line):
                    found.append(f"  {where}:{number}: {match.group(2)!r} (.t(\"...\") without N_)")
    return found


def test_no_messages_hidden_from_the_extractor(extracted):
    hidden = _hidden_messages(extracted)
    assert not hidden, (
        "These messages are never extracted, so Dutch readers see English. Call t(...) outside "
        "the f-string (label = t(lang, 'Round'); f'{label} …') and wrap scope.t texts in N_(...); "
        "then translate them:\n" + "\n".join(hidden))
