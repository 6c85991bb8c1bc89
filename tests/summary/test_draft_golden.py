"""Golden tests for composing the draft image of good work from fixed rounds."""

from __future__ import annotations

from datetime import UTC, datetime

from flows.store.models import Contribution, ContributionVirtue
from flows.summary.draft import compose, shorten
from tests.harness import content

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def row(number: int, topic: str, author: str, text: str, anonymous: bool = False, passed: bool = False,
        virtues: tuple[str, ...] = (), deleted: bool = False) -> Contribution:
    return Contribution(id=number, round_id=1, topic=topic, author_id=author.lower(), author_name=author, text=text,
                        anonymous=anonymous, passed=passed, idempotency_key=f"k{number}", created_at=NOW,
                        deleted_at=NOW if deleted else None,
                        virtues=[ContributionVirtue(virtue=v) for v in virtues])


ROUND = [
    row(1, "kop", "Anna", "Short story."),
    row(2, "kop", "Ben", "The longest story of the head, about the day we phoned the province first. Then we wrote."),
    row(3, "kop", "Cas", "", passed=True),
    row(4, "handelingen", "Anna", "Phone before you write. Always."),
    row(5, "kennis", "Ben", "Know the mandate of the people at the table.", anonymous=True),
    row(6, "waarden", "Cas", "Courage and patience.", virtues=("Moed", "Geduld")),
    row(7, "waarden", "Anna", "", virtues=("Moed",)),
    row(8, "vrijheid", "Ben", "Deleted words.", deleted=True),
    row(9, "staart", "Anna", "Talk early; be open about what we cannot share."),
]


def test_the_draft_of_a_fixed_round() -> None:
    pack = content()
    draft = compose(pack, "en", 1, pack.situation(6), ROUND, final=True)
    assert draft.experience == ROUND[1].text and draft.experience_author == "Ben"
    # titles come from the team's own words (the tail), never from the situation's text
    assert draft.title_suggestions == ("Talk early",)
    assert draft.narrative == ("In our view, good work in this situation means: talk early; be open about what we "
                               "cannot share. It asks of us: courage and patience.")
    sections = {section.topic: section.quotes for section in draft.sections}
    assert sections["handelingen"] == (("Phone before you write.", "Anna"),)
    assert sections["kennis"] == (("Know the mandate of the people at the table.", None),)  # anonymous
    assert sections["waarden"] == (("Courage and patience.", "Cas"),)
    assert sections["vrijheid"] == ()  # deleted words are gone
    assert sections["staart"] == (("Talk early; be open about what we cannot share.", "Anna"),)
    assert draft.virtues == (("Courage", 2), ("Patience", 1))
    assert (draft.participants, draft.contributions, draft.passes) == (3, 6, 1)
    assert draft.empty_topics == ("Freedom", "Identity")


def test_the_facilitator_picks_another_story_and_dutch_labels() -> None:
    pack = content()
    draft = compose(pack, "nl", 1, pack.situation(6), ROUND, experience_id=1)
    assert draft.experience == "Short story." and draft.experience_author == "Anna"
    assert draft.virtues == (("Moed", 2), ("Geduld", 1))
    assert draft.title_suggestions == ("Talk early",)
    assert draft.narrative.startswith("Volgens ons is dit goed werk in deze situatie: talk early;")
    without_tail = compose(pack, "nl", 1, pack.situation(6), ROUND[:-1])
    assert without_tail.title_suggestions == ("Moed en geduld, ook als het spannend wordt",)
    assert without_tail.narrative is None


def test_an_anonymous_story_is_never_attributed() -> None:
    pack = content()
    rows = [row(1, "kop", "Anna", "A story told anonymously and at length.", anonymous=True)]
    draft = compose(pack, "en", 1, pack.situation(1), rows)
    assert draft.experience_author is None
    assert "Anna" not in repr(draft)


def test_shorten_keeps_the_first_sentence_and_cuts_at_a_word() -> None:
    assert shorten("First sentence. Second one.") == "First sentence."
    long = "word " * 100
    cut = shorten(long, 50)
    assert len(cut) <= 50 and cut.endswith("…") and " wor…" not in cut
