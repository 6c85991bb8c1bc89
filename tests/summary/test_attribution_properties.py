"""Property tests: every quote in the draft carries its own author, and every voice is there.

Random rounds (who writes where, named or anonymous, passes, deletions) are composed into
a draft and rendered as the console shows it; whatever the round, a quote is never
followed by another person's name and everyone who wrote in the body is quoted.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.console.render import render
from flows.engine.image import attributed
from flows.store.models import Contribution
from flows.summary.draft import compose, shorten
from tests.harness import content

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PEOPLE = ("Anna", "Bob", "Carl", "Dirk", "Eva", "Fleur")
BODY = ("handelingen", "kennis", "waarden", "vrijheid", "identiteit")
QUOTE = re.compile(r"[„“](q\d+ [^”]*)” — (\S+)")

contribution = st.tuples(st.sampled_from(PEOPLE), st.sampled_from(("kop", *BODY, "staart")), st.booleans(),
                         st.integers(0, 9), st.booleans())
rounds = st.lists(contribution, min_size=1, max_size=40)


def _rows(drawn) -> list[Contribution]:
    rows = []
    for number, (person, topic, anonymous, kind, long) in enumerate(drawn, start=1):
        text = f"q{number} by someone" + (" who had a lot to say" * 4 if long else "") + "."
        rows.append(Contribution(id=number, round_id=1, topic=topic, author_id=person.lower(), author_name=person,
                                 text="" if kind == 0 else text, anonymous=anonymous, passed=kind == 0,
                                 idempotency_key=f"k{number}", created_at=NOW, deleted_at=NOW if kind == 1 else None,
                                 virtues=[]))
    return rows


def _expected_author(row: Contribution, language: str) -> str:
    return "anoniem" if row.anonymous and language == "nl" else "anonymous" if row.anonymous else row.author_name


@settings(max_examples=150, deadline=None)
@given(rounds, st.sampled_from(("nl", "en")))
def test_no_quote_is_followed_by_another_persons_name(drawn, language) -> None:
    rows = _rows(drawn)
    by_number = {f"q{row.id}": row for row in rows}
    draft = compose(content(), language, 1, content().situation(7), rows, final=True)
    for section in draft.sections:
        for quote, author in section.quotes:
            row = by_number[quote.split()[0]]
            assert author == (None if row.anonymous else row.author_name)
            assert row.deleted_at is None and not row.passed
    shown = "\n".join(render(draft, ZoneInfo("Europe/Amsterdam")))
    pairs = QUOTE.findall(" ".join(shown.split()))
    assert len(pairs) == sum(len(section.quotes) for section in draft.sections)
    for quote, who in pairs:
        assert who == _expected_author(by_number[quote.split()[0]], language), (quote, who)


@settings(max_examples=150, deadline=None)
@given(rounds)
def test_everyone_who_wrote_in_the_body_is_quoted_in_the_body(drawn) -> None:
    rows = _rows(drawn)
    live = [row for row in rows if row.deleted_at is None and not row.passed]
    writers = {row.author_id for row in live if row.topic in BODY}
    draft = compose(content(), "nl", 1, content().situation(7), rows)
    by_number = {f"q{row.id}": row for row in rows}
    quoted = {by_number[quote.split()[0]].author_id
              for section in draft.sections if section.topic in BODY for quote, _ in section.quotes}
    assert quoted == writers
    for section in draft.sections:  # beyond everyone once: at most three quotes per perspective
        writers_here = {row.author_id for row in live if row.topic == section.topic}
        assert len(section.quotes) <= max(3, len(writers_here))


def test_balance_prefers_a_quiet_voice_over_a_third_quote_of_the_same_person() -> None:
    drawn = [("Anna", "kennis", False, 5, False)] * 3 + [("Bob", "kennis", False, 5, False),
                                                        ("Anna", "handelingen", False, 5, False)]
    draft = compose(content(), "en", 1, content().situation(7), _rows(drawn))
    kennis = next(section for section in draft.sections if section.topic == "kennis")
    assert [author for _, author in kennis.quotes].count("Bob") == 1
    assert [author for _, author in kennis.quotes].count("Anna") == 2


@given(st.text(min_size=1, max_size=300))
def test_titles_and_quotes_are_never_cut_mid_word(text) -> None:
    cut = shorten(text, 40)
    if cut.endswith("…"):
        first = " ".join(text.split())
        kept = cut[:-1]
        assert first.startswith(kept)
        following = first[len(kept):len(kept) + 1]
        assert " " not in first[:40] or following in (" ", "") or kept.endswith((",", ";", ":"))


def test_attributed_uses_dutch_and_english_quotation_marks() -> None:
    assert attributed("nl", "Eerst luisteren.", "anoniem") == "„Eerst luisteren.” — anoniem"
    assert attributed("en", "Listen first.", "anna") == "“Listen first.” — anna"


def test_forgetting_a_person_strips_only_their_quotes_from_a_published_dutch_text() -> None:
    from flows.engine.privacy import strip_quotes_by

    text = "\n".join([attributed("nl", "Eerst luisteren.", "anna"), attributed("nl", "Dan zeggen.", "anoniem"),
                      attributed("nl", "Samen verder.", "bob")])
    assert strip_quotes_by(text, {"anna"}) == "„Dan zeggen.” — anoniem\n„Samen verder.” — bob"
    assert strip_quotes_by(text, {"bob"}) == "„Eerst luisteren.” — anna\n„Dan zeggen.” — anoniem"
