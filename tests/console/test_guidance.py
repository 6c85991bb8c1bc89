"""Guidance at the right moment: the facilitator's private notes, the prompts' introductions,
the staart's rich A4 and example images, and what a grenswerker is."""

from __future__ import annotations

from flows.clock import ManualClock
from flows.store.db import Database
from tests.console.transcript import blocks, channel_text, private_to
from tests.harness import MONDAY, QUICK_PLAN, Console


def console(db: Database) -> Console:
    return Console(db, ManualClock(MONDAY), plan=QUICK_PLAN)


def dm_to(out: str, user: str) -> list[str]:
    return [body for heading, body in blocks(out) if heading == f"[DM → {user}]"]


def test_the_facilitator_is_guided_privately_at_the_start_and_before_each_step(db: Database) -> None:
    session = console(db)
    out = session.run("/as anna\n/goedwerk taal en\n/goedwerk start 5")
    notes = dm_to(out, "anna")
    assert len(notes) == 1 and not dm_to(out, "bob")
    assert "You are the facilitator of this round" in notes[0]
    assert "there is no right answer" in notes[0]  # what a situation is for
    assert "How the round goes:" in notes[0] and "• Actions and Knowledge, from Mon 30 Nov 10:01 until" in notes[0]
    assert "Now starting: Head (your own experiences)" in notes[0]
    assert "let everybody tell something before anyone responds" in notes[0]
    assert "You are the facilitator" not in channel_text(out)

    out = session.run("/as bob\n/goedwerk bijdrage kop Last week the mayor decided alone while the whole room "
                      "stayed silent.\n/tick 1m")
    notes = [note for note in dm_to(out, "anna") if "Now starting" in note]  # (a reminder may come too)
    assert len(notes) == 1 and "Now starting: Actions and Knowledge" in notes[0]
    assert "all five perspectives" in notes[0], notes[0]
    assert "the quieter ones" in notes[0], notes[0]
    assert "Stay with real experiences" in notes[0], notes[0]
    assert "So far 1 person has taken part." in notes[0]

    out = session.run("/as carl\n/goedwerk bijdrage kennis Know the mandate of each party.\n/tick 1m")
    notes = [note for note in dm_to(out, "anna") if "Now starting" in note]
    assert "So far 2 people have taken part." in notes[0]
    assert "Perspectives still without a contribution: Actions. You could ask" in notes[0]
    out = session.run("/tick 2m")
    tail_note = dm_to(out, "anna")[-1]
    assert "Now starting: Tail (our image of good work)" in tail_note and "'truths'" in tail_note
    assert "Actions, Values and virtues, Freedom and Identity" in tail_note


def test_prompts_say_what_each_step_is_about_and_the_staart_shows_the_rich_a4_and_examples(db: Database) -> None:
    session = console(db)
    out = session.run("/as anna\n/goedwerk start 5\n/tick 1m")
    channel = channel_text(out)
    assert "Nu verkennen we de afwegingen" in channel  # the body's introduction, once
    assert channel.index("Nu verkennen we") < channel.index("== Handelingen ==")
    handelingen = channel[channel.index("== Handelingen =="):]
    assert handelingen.startswith("== Handelingen == Wat je concreet kunt doen in deze situatie")
    out = session.run("/tick 1m")
    assert "Nu verkennen we" not in out  # not again for the second body step
    assert "== Waarden en deugden == Wat je belangrijk vindt en wat er op het spel staat" in channel_text(out)
    out = session.run("/tick 2m")
    staart = channel_text(out)[channel_text(out).index("== Staart (ons beeld van goed werk) =="):]
    assert "Breng daarom alles samen tot één samenhangend en bondig beeld van goed werk" in staart
    assert "De onderdelen van het beeld van goed werk:" in staart
    for field in ("Pakkende titel —", "Kenmerkende ervaring —", "Beeld van goed werk — ", "Afbeelding —"):
        assert field in staart
    assert "vakkundig (excellent), moreel juist (ethisch) en geeft energie (energiek)" in staart
    assert "Ter inspiratie, beelden van goed werk van anderen:" in staart
    assert "Als haarlemmerolie fungeren" in staart and "Iedereen tot zijn recht laten komen" in staart


def test_help_and_the_first_message_in_a_channel_explain_grenswerker_and_image_of_good_work(db: Database) -> None:
    session = console(db)
    out = session.run("/as anna\n/goedwerk help")
    assert "Een grenswerker is iemand" in private_to(out, "anna")
    assert "Een beeld van goed werk is" in private_to(out, "anna")
    out = session.run("/goedwerk start 2")
    channel = channel_text(out)
    assert "Een grenswerker is iemand" in channel and channel.index("Een grenswerker") < channel.index("Ronde 1")
    out = session.run("/goedwerk stop\n/goedwerk taal en\n/goedwerk start 3")
    assert "A grenswerker" not in channel_text(out)  # only the channel's first message
    out = session.run("/in other\n/goedwerk taal en\n/goedwerk help")
    assert "A grenswerker (boundary worker) is someone" in out and "An image of good work is" in out


def test_dutch_output_names_the_picture_and_the_state_in_dutch(db: Database) -> None:
    session = console(db)
    session.run("/as anna\n/goedwerk start 7\n/goedwerk bijdrage kop Vorige week belde de wethouder ons op "
                "vrijdagavond.\n/tick 6m")
    out = session.run("/goedwerk beeld plaatje kompas\n/goedwerk status\n/goedwerk samenvatting")
    assert "Plaatje: kompas" in out and "compass" not in out
    assert "gesloten" in out and "closed" not in out
