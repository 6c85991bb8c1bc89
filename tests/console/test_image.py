"""The image of good work after the close: vote, edit, consent, publish, collection."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from sqlalchemy import select

from flows.store.db import Database
from flows.store.models import SummaryDraft
from tests.console.test_dialogues import console
from tests.harness import QUICK_PLAN

ROUND = """
/members anna bob carl
/as anna
/goedwerk taal en
/goedwerk start 6
/goedwerk bijdrage kop We sat down with the province before anything was decided.
/as bob
/goedwerk bijdrage kop anoniem A secret story about waiting for a decision.
/as carl
/goedwerk bijdrage kop A story about the minister's office.
/tick 1m
/goedwerk bijdrage handelingen Call first, write later.
/as anna
/goedwerk bijdrage kennis Know their mandate.
/tick 4m
/goedwerk bijdrage staart Talk early, be open about what you cannot share.
/tick 5m
"""


def pdf_text(session, name_part: str = ".pdf") -> str:
    (pdf,) = [p for p in session.files_dir.iterdir() if p.name.endswith(name_part)]
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.read_bytes())).pages)
    return " ".join(text.split())


def test_vote_consent_and_publish(db: Database) -> None:
    session = console(db, QUICK_PLAN)
    out = session.run(ROUND)
    assert "== Image of good work:" in out
    out = session.run("/goedwerk beeld")
    assert "Title suggestions:" in out
    out = session.run("/goedwerk stem 2\n/as bob\n/goedwerk stem Talk early, decide together\n"
                      "/as carl\n/goedwerk stem Talk early, decide together")
    assert "Your vote for" in out
    out = session.run("/goedwerk beeld plaatje bridge\n/goedwerk publiceer")
    assert "Only the facilitator" in out
    out = session.run("/as anna\n/goedwerk publiceer")
    assert "are asked privately" in out
    dms = re.findall(r"\[DM → (\w+)\]", out)
    assert sorted(dms) == ["anna", "carl"]  # bob wrote anonymously: nobody asks him, nobody names him
    yes = re.search(r"\[(\d+)\] Yes, with my name", out.split("[DM → anna]")[1]).group(1)
    leave_out = re.search(r"\[(\d+)\] Leave my words out", out.split("[DM → carl]")[1]).group(1)
    out = session.run(f"/as anna\n{yes}\n/as carl\n{leave_out}")
    assert "📎" in out and ".pdf" in out and ".png" in out
    text = pdf_text(session)
    assert "Talk early, decide together" in text  # the title with most votes
    assert "— anna" in text  # Anna agreed to be named
    assert "Call first, write later" not in text and "minister" not in text  # Carl asked to be left out
    assert "carl" not in text and "bob" not in text
    out = session.run("/goedwerk collectie\n/goedwerk collectie decide\n/goedwerk collectie nothing-like-this")
    assert out.count("Talk early, decide together") == 2
    assert "No published images of good work yet." in out


def test_no_answer_in_48_hours_counts_as_anonymous(db: Database) -> None:
    session = console(db, QUICK_PLAN)
    session.run(ROUND)
    out = session.run("/as anna\n/goedwerk publiceer")
    assert "are asked privately" in out
    out = session.run("/tick 47h")
    assert "📎" not in out
    out = session.run("/tick 2h")
    assert "📎" in out
    text = pdf_text(session)
    assert "Know their mandate" in text
    assert "anna" not in text and "carl" not in text and "bob" not in text


def test_winning_title_rule() -> None:
    from dataclasses import dataclass

    from flows.engine.image import winning_title

    @dataclass
    class V:
        title_suggestions: tuple
        title: str | None = None
        language: str = "en"

    view = V(("A", "B", "C"))
    assert winning_title(view, {}, "f") == "A"
    assert winning_title(view, {"x": "B", "y": "B", "z": "C"}, "f") == "B"
    assert winning_title(view, {"x": "B", "f": "C"}, "f") == "C"  # a tie: the facilitator decides
    assert winning_title(view, {"x": "B", "y": "C"}, "f") == "B"  # a tie without the facilitator: first
    assert winning_title(V(("A",), title="Set"), {"x": "A"}, "f") == "Set"  # a title that was set wins
    assert winning_title(V(()), {}, "f") == "Our image of good work"


def test_three_weeks_later_the_channel_is_asked_whether_the_image_holds(db: Database) -> None:
    session = console(db, QUICK_PLAN)
    session.run(ROUND)
    session.run("/as anna\n/goedwerk publiceer\n/tick 49h")
    out = session.run("/tick 20d")
    assert "Does it still hold?" not in out
    out = session.run("/tick 1d")
    assert "Does it still hold?" in out
    out = session.run("/as bob\n/goedwerk terugblik We now call the province before every letter.")
    assert "your answer is kept" in out
    with db.transaction() as s:
        from flows.store.models import PublishedImage

        record = s.query(PublishedImage).one()
        assert record.content["checkback"][0]["text"] == "We now call the province before every letter."
        assert "bob" not in str(record.content["checkback"])


def test_check_back_can_be_switched_off(db: Database) -> None:
    session = console(db, QUICK_PLAN)
    session.run(ROUND)
    out = session.run("/as carl\n/goedwerk terugblik uit\n/as anna\n/goedwerk publiceer\n/tick 49h\n/tick 22d")
    assert "Check-backs are off" in out and "Does it still hold?" not in out


def test_export_writes_markdown_json_and_pdf(db: Database, tmp_path) -> None:
    import json

    from bot.export import export
    from bot.settings import load_settings

    session = console(db, QUICK_PLAN)
    session.run(ROUND)
    session.run("/as anna\n/goedwerk publiceer\n/tick 49h")
    settings = load_settings(database_url=db.url)
    export(settings, "team", "md", tmp_path / "images.md")
    markdown = (tmp_path / "images.md").read_text()
    assert markdown.startswith("# ") and "## Image of good work" in markdown
    export(settings, "team", "json", tmp_path / "images.json")
    (item,) = json.loads((tmp_path / "images.json").read_text())
    assert item["experience_author"] is None  # nobody answered within 48 hours: anonymous
    assert "anna" not in json.dumps(item) and "carl" not in json.dumps(item)
    export(settings, "team", "pdf", tmp_path / "pdf")
    assert [p.suffix for p in (tmp_path / "pdf").iterdir()] == [".pdf"]


def test_an_uploaded_picture_goes_into_the_a4(db: Database, tmp_path) -> None:
    from PIL import Image

    picture = tmp_path / "team.png"
    Image.new("RGB", (300, 200), (200, 30, 60)).save(picture)
    (tmp_path / "not-a-picture.png").write_text("hello")
    session = console(db, QUICK_PLAN)
    session.run(ROUND)
    out = session.run(f"/goedwerk beeld plaatje {tmp_path / 'not-a-picture.png'}")
    assert "cannot be used as a picture" in out
    out = session.run(f"/goedwerk beeld plaatje {picture}")
    assert "The picture has been added" in out
    session.run("/as anna\n/goedwerk publiceer\n/tick 49h")
    (pdf,) = [p for p in session.files_dir.iterdir() if p.suffix == ".pdf"]
    images = [image for page in PdfReader(io.BytesIO(pdf.read_bytes())).pages for image in page.images]
    colours = [image.image.convert("RGB").getpixel((image.image.width // 2, image.image.height // 2))
               for image in images]
    assert any(abs(r - 200) < 40 and g < 80 and b < 110 for r, g, b in colours), colours


def test_collection_opens_an_image_and_is_shared_only_when_an_admin_allows(db: Database) -> None:
    from flows.events import Actor, Command

    session = console(db, QUICK_PLAN)
    session.run(ROUND)
    session.run("/as anna\n/goedwerk publiceer\n/tick 49h")
    out = session.run("/goedwerk collectie 1")
    assert "== " in out and "Our image of good work:" in out
    out = session.run("/in other\n/goedwerk taal en\n/goedwerk collectie\n/goedwerk collectie 1")
    assert "No published images of good work yet." in out and "There is no published image 1 here." in out
    out = session.run("/goedwerk collectie delen aan")
    assert "Only a workspace admin" in out
    admin = Actor("console", "local", "other", "root", is_admin=True)
    session.adapter.deliver(session.engine.handle(Command(admin, "collectie delen aan")))
    out = session.run("/goedwerk collectie")
    assert "#team" in out and "[" in out  # listed, with its channel and an Open button
    out = session.run("/goedwerk collectie 1")
    assert "Our image of good work:" in out


def test_during_the_tail_the_team_already_works_on_the_draft(db: Database) -> None:
    session = console(db, QUICK_PLAN)
    out = session.run(ROUND.split("/tick 4m")[0] + "/tick 4m")
    assert "↳ prompt:1:staart" in out and "Draft image of good work so far" in out
    assert "Vote for a title" in out and "Publish" not in out.split("Draft image of good work so far")[1]
    out = session.run("/goedwerk stem Talk first\n/goedwerk beeld verhaal Talk first.\n/goedwerk publiceer")
    assert "↻ draft:1" in out and "Your vote" in out
    assert "after a round has closed" in out  # publishing waits for the close
    out = session.run("/tick 3m")
    assert "== Image of good work:" in out and "Talk first." in out


def test_an_explicit_anonymise_answer_keeps_the_words_without_the_name(db: Database) -> None:
    session = console(db, QUICK_PLAN)
    session.run(ROUND)
    out = session.run("/as anna\n/goedwerk publiceer")
    anna = re.search(r"\[(\d+)\] Anonymously", out.split("[DM → anna]")[1]).group(1)
    carl = re.search(r"\[(\d+)\] Yes, with my name", out.split("[DM → carl]")[1]).group(1)
    session.run(f"/as anna\n{anna}\n/as carl\n{carl}")
    text = pdf_text(session)
    assert "Know their mandate" in text and "anna" not in text
    assert "— carl" in text


def test_pictures_are_named_in_the_teams_language_and_either_name_works(db: Database) -> None:
    session = console(db, QUICK_PLAN)
    session.run(ROUND.replace("/goedwerk taal en\n", ""))  # the channel speaks Dutch, the default

    def picture() -> str:
        with db.transaction() as transaction:
            return transaction.scalars(select(SummaryDraft)).one().content["image"]["picture"]

    out = session.run("/goedwerk beeld plaatje zonnetje")
    assert "brug, kompas, handdruk, vuurtoren, pad, puzzel" in out
    assert "bridge" not in out
    out = session.run("/goedwerk beeld plaatje Vuurtoren")
    assert "Het concept is bijgewerkt." in out
    assert picture() == "builtin:lighthouse"
    session.run("/goedwerk beeld plaatje compass")  # the English name works too
    assert picture() == "builtin:compass"
