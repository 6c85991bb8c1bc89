"""Erasure removes everything of the person: a full database dump afterwards holds neither
their id, nor their name, nor any of their words, named or anonymous; the export listed
all of it beforehand; the published image is drawn again without them."""

from __future__ import annotations

import json
import re

from flows.store.db import Database
from tests.console.test_dialogues import console
from tests.console.test_image import pdf_text
from tests.harness import QUICK_PLAN
from tests.privacy.dump import full_dump

PERSON = "zorrozwijger"
MARKERS = ("ZEBRAMARKERONE", "ZEBRAMARKERTWO", "ZEBRAMARKERTHREE", "ZEBRAMARKERFOUR", "ZEBRAMARKERFIVE",
           "ZEBRAMARKERSIX", "ZEBRANARRATIVE", "ZEBRATITLE")
ROUNDS = f"""
/members anna {PERSON} bob
/as {PERSON}
/goedwerk taal en
/goedwerk start 6
/goedwerk bijdrage kop ZEBRAMARKERONE is my named story, long enough to be the characteristic experience.
/goedwerk herinneringen uit
/as anna
/goedwerk bijdrage kop Anna tells a short story.
/as {PERSON}
/goedwerk bijdrage kop anoniem ZEBRAMARKERTWO is my hidden story.
/tick 1m
/goedwerk bijdrage handelingen anoniem: ZEBRAMARKERTHREE call first.
/as anna
/goedwerk bijdrage kennis Know their mandate.
/tick 4m
/as {PERSON}
/goedwerk bijdrage staart [anoniem] ZEBRAMARKERFOUR talk early.
/as bob
/goedwerk bijdrage staart Bob says: be open.
/tick 5m
/as {PERSON}
/goedwerk stem 1
/goedwerk beeld verhaal ZEBRANARRATIVE we kept talking, also when it got tense
/goedwerk verwijder 1
"""
SECOND_ROUND = f"""
/as anna
/goedwerk start 3
/goedwerk bijdrage kop Anna tells of round two.
/as {PERSON}
/goedwerk bijdrage kop anoniem ZEBRAMARKERFIVE in round two.
/goedwerk bijdrage kop ZEBRAMARKERSIX named in round two.
/tick 10m
/goedwerk stem ZEBRATITLE of round two
/as anna
/goedwerk stem ZEBRATITLE of round two
"""


def _answer(out: str, person: str, label: str) -> str:
    return re.search(rf"\[(\d+)\] {label}", out.split(f"[DM → {person}]")[-1]).group(1)


def _export(out: str) -> dict:
    path = re.search(r"\[DM → \w+\] 📎 (\S+)", out).group(1)
    return json.loads(open(path, encoding="utf-8").read())


def test_erasure_leaves_no_trace_in_a_full_dump(db: Database) -> None:
    session = console(db, QUICK_PLAN)
    out = session.run(ROUNDS)
    assert "The round is closed" in out or "Image of good work" in out
    out = session.run(f"/as {PERSON}\n/goedwerk publiceer")
    assert "are asked privately" in out
    out = session.run(f"/as anna\n{_answer(out, 'anna', 'Yes, with my name')}\n"
                      f"/as bob\n{_answer(out, 'bob', 'Yes, with my name')}\n"
                      f"/as {PERSON}\n{_answer(out, PERSON, 'Yes, with my name')}")
    assert "📎" in out
    published = pdf_text(session)
    assert "ZEBRAMARKERTHREE" in published and f"— {PERSON}" in published and "ZEBRANARRATIVE" in published
    session.run(SECOND_ROUND)
    before = full_dump(db)
    assert PERSON in before and all(marker in before for marker in MARKERS if marker != "ZEBRAMARKERONE")

    out = session.run(f"/as {PERSON}\n/goedwerk mijn-gegevens exporteer")
    export = _export(out)
    also = export["also_erased"]
    assert [r["round"] for r in also["rounds"]] == [1] and also["rounds"][0]["as"] == ["facilitator", "starter"]
    assert {d["round"] for d in also["drafts"]} == {1, 2}
    typed = [word for draft in also["drafts"] for word in draft["your_words"]]
    assert "ZEBRATITLE of round two" in typed and any("ZEBRANARRATIVE" in word for word in typed)
    assert also["image_edits"] and any(a["kind"] == "consent_request" for a in also["scheduled_actions"])
    image = also["published_images"][0]
    assert image["names_you"] and image["published_by_you"]
    assert any("ZEBRAMARKERTHREE" in word for word in image["your_words"])
    assert {c["text"] for c in export["contributions"]} >= {"ZEBRAMARKERFIVE in round two."}
    assert export["votes"] and export["consent"]

    for file in session.files_dir.iterdir():
        file.unlink()
    out = session.run(f"/as {PERSON}\n/goedwerk mijn-gegevens verwijder bevestig")
    flat = " ".join(out.split())
    assert "An image of good work in this channel has changed" in flat and "📎" in out
    republished = pdf_text(session)
    assert "Know their mandate" in republished and "ZEBRAMARKER" not in republished and PERSON not in republished

    after = full_dump(db)
    assert "Know their mandate" in after and "Anna tells of round two." in after  # others' words stay
    for trace in (PERSON, *MARKERS):
        assert trace not in after, (trace, [line for line in after.splitlines() if trace in line][:3])


def test_an_image_without_the_person_is_left_as_it_was(db: Database) -> None:
    session = console(db, QUICK_PLAN)
    out = session.run("/members anna bob\n/as anna\n/goedwerk taal en\n/goedwerk start 2\n"
                      "/goedwerk bijdrage kop A story of ours.\n/tick 10m\n"
                      "/goedwerk beeld verhaal Two  spaces, kept as typed.\n/goedwerk publiceer")
    yes = _answer(out, "anna", "Yes, with my name")
    session.run(f"/as anna\n{yes}")
    before = full_dump(db)
    out = session.run("/as bob\n/goedwerk mijn-gegevens verwijder bevestig")
    assert "📎" not in out and "has changed" not in " ".join(out.split())
    assert "0 published images no longer name you" in " ".join(out.split())
    assert full_dump(db).count("A story of ours.") == before.count("A story of ours.")
