"""The card's labels and text helpers."""

from __future__ import annotations

from dataclasses import replace

from flows.summary.card import SOURCE, labels, paragraphs


def test_labels_follow_the_language(typical_card):
    dutch = labels(typical_card)
    assert dutch.situation == "Situatie" and dutch.date == "14 maart 2025"
    assert dutch.continued and dutch.with_ and dutch.credit.endswith(SOURCE)
    english = labels(replace(typical_card, language="en"))
    assert english.situation == "Situation" and english.date == "14 March 2025"
    assert english.experience == "Characteristic experience" and english.continued == "continued"
    assert english.credit == f"after: {SOURCE}"


def test_paragraphs_split_at_blank_lines_and_keep_single_breaks():
    text = "Eerste  alinea\nmet een regel.\n\n\n  Tweede alinea. \r\n\r\nDerde"
    assert paragraphs(text) == ["Eerste alinea\nmet een regel.", "Tweede alinea.", "Derde"]
    assert paragraphs("   \n\n ") == []
