"""The kop, everyone first: stories stay unseen until the head ends, then appear together.

Short or abstract first stories get one private follow-up question, never a public one.
"""

from __future__ import annotations

from flows.clock import ManualClock
from flows.store.db import Database
from tests.console.transcript import channel_text, private_to
from tests.harness import MONDAY, QUICK_PLAN, Console

ANNA_STORY = "Too short to say much."
BOB_STORY = ("Last spring a manager decided alone in a meeting with the province, while everybody "
             "else in the room kept quiet and looked at the table.")
ABSTRACT = ("I think collaboration always needs openness and trust between the parties, and good "
            "communication about the interests and the roles that everybody brings along.")


def console(db: Database) -> Console:
    return Console(db, ManualClock(MONDAY), plan=QUICK_PLAN)


def test_head_stories_stay_unseen_until_the_head_ends_then_appear_together(db: Database) -> None:
    session = console(db)
    session.run("/as anna\n/goedwerk taal en\n/goedwerk start 5")
    out = session.run(f"/goedwerk bijdrage kop {ANNA_STORY}\n/as bob\n/goedwerk bijdrage kop {BOB_STORY}")
    channel = channel_text(out)
    assert ANNA_STORY not in channel and BOB_STORY not in channel  # nobody sees a story yet
    assert "1 story has come in so far" in channel and "2 stories have come in so far" in channel
    assert ANNA_STORY in private_to(out, "anna") and ANNA_STORY not in private_to(out, "bob")
    assert BOB_STORY in private_to(out, "bob")
    assert "Only you can see it for now" in private_to(out, "bob")

    out = session.run("/tick 1m")  # the clock ends the head
    channel = channel_text(out)
    assert "The head has ended" in channel
    reveal = channel[channel.index("The head has ended"):]
    assert reveal.index(ANNA_STORY) < reveal.index(BOB_STORY)
    assert channel.index("== Actions ==") < channel.index("The head has ended")  # the next step is not held up
    assert channel.count("↳ prompt:1:kop") == 3  # the notice and both stories, in the head's thread

    out = session.run("/as carl\n/goedwerk bijdrage kop A late story, posted at once now the head is over.")
    assert "A late story" in channel_text(out) and "Only you can see it" not in out


def test_volgende_reveals_the_stories_and_edits_and_deletes_stay_private(db: Database) -> None:
    session = console(db)
    session.run("/as anna\n/goedwerk start 3")
    out = session.run(f"/as bob\n/goedwerk bijdrage kop {BOB_STORY}\n/goedwerk bewerk 1 {BOB_STORY} Een toevoeging.")
    assert "Een toevoeging" not in channel_text(out) and "Een toevoeging" in private_to(out, "bob")
    assert "Bijdrage 1 is gewijzigd." in private_to(out, "bob")
    assert "↻ contribution:1" not in out  # nothing in the channel to change
    out = session.run("/as carl\n/goedwerk bijdrage kop Kort verhaal.\n/goedwerk verwijder 2")
    assert "✗ contribution:2" not in out
    assert "Er is tot nu toe 1 verhaal binnen" in channel_text(out)
    assert "Kort verhaal" not in channel_text(out)

    out = session.run("/as anna\n/goedwerk volgende")
    channel = channel_text(out)
    assert "De kop is voorbij" in channel and "Een toevoeging." in channel
    assert "Kort verhaal" not in channel  # deleted before the reveal: never shown


def test_short_or_abstract_first_stories_get_one_private_follow_up(db: Database) -> None:
    session = console(db)
    session.run("/as anna\n/goedwerk taal en\n/goedwerk start 6")
    out = session.run(f"/goedwerk bijdrage kop {ANNA_STORY}")
    assert "Would you like to tell a little more?" in private_to(out, "anna")
    assert "What in this story moves you" in private_to(out, "anna")  # a head question from the pack
    assert "tell a little more" not in channel_text(out)
    out = session.run("/goedwerk bijdrage kop Another one, still short.")
    assert "tell a little more" not in out  # once per person and round

    out = session.run(f"/as bob\n/goedwerk bijdrage kop {ABSTRACT}")
    assert "one moment you can put your finger on" in private_to(out, "bob")
    assert "Which moment from your own work" in private_to(out, "bob")
    assert "finger on" not in channel_text(out)

    out = session.run(f"/as carl\n/goedwerk bijdrage kop {BOB_STORY}")
    assert "tell a little more" not in out and "finger on" not in out  # concrete and long enough


def test_dutch_follow_up_and_a_close_during_the_head_reveals_first(db: Database) -> None:
    session = console(db)
    session.run("/as anna\n/goedwerk start 2")
    out = session.run("/goedwerk bijdrage kop Herkenbaar.")
    assert "Wil je er iets meer over vertellen?" in private_to(out, "anna")
    assert "Wat in dit verhaal grijpt je aan" in private_to(out, "anna")
    out = session.run("/as bob\n/goedwerk bijdrage kop Ik vind dat we altijd open moeten zijn over wat we "
                      "wel en niet kunnen delen met de andere partijen in het netwerk.")
    assert "Is er één moment dat je kunt aanwijzen" in private_to(out, "bob")
    assert "Herkenbaar." not in channel_text(out)


def test_the_draft_during_the_head_shows_no_one_elses_story(db: Database) -> None:
    session = console(db)
    session.run(f"/as anna\n/goedwerk taal en\n/goedwerk start 4\n/goedwerk bijdrage kop {BOB_STORY}")
    out = session.run("/as bob\n/goedwerk summary")
    assert BOB_STORY not in out
    out = session.run("/as anna\n/goedwerk summary")
    assert BOB_STORY in " ".join(out.split())
    out = session.run("/as bob\n/goedwerk bijdrage kop")
    assert "Use: contribute" in out
    out = session.run("/goedwerk bijdrage kennis Too early to say.")
    assert "not started yet" in out
