"""The draft worth editing and the A4 a team would hang up, through the console (Dutch and English).

Every quote carries its own author, the quiet voice is in, titles come from the team's
own words, the narrative starts as a scaffold, ``beeld titel`` sets the title (the
facilitator or the image builder), ``stem`` votes, and the published A4 names everyone
who took part and prints emoji as emoji.
"""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from flows.store.db import Database
from tests.console.test_dialogues import console
from tests.harness import QUICK_PLAN

DUTCH_ROUND = """
/members anna bob carl dirk
/as anna
/goedwerk start 7
/goedwerk bijdrage kop Vorig jaar vroeg de directeur om een kritische blik. Toen ik zei dat de planning \
niet haalbaar was, werd het stil.
/as bob
/goedwerk bijdrage kop anoniem Bij een evaluatie schreef ik eerlijk wat er misging; het rapport verdween in een la.
/tick 1m
/as bob
/goedwerk bijdrage handelingen anoniem Kies je moment en breng het eerst onder vier ogen.
/as anna
/goedwerk bijdrage handelingen Bondgenoten zoeken voordat je het in de groep zegt.
/goedwerk bijdrage kennis Weet wie er belang heeft bij het huidige verhaal.
/goedwerk bijdrage kennis Ken de geschiedenis van het programma.
/goedwerk bijdrage kennis Lees eerst de stukken van vorig jaar.
/as dirk
/goedwerk bijdrage kennis Vraag naar de cijfers, niet naar de meningen.
/tick 1m
/as anna
/goedwerk bijdrage waarden [Moed, Geduld] Moed om te zeggen wat je ziet, geduld om het te laten landen.
/as carl
/goedwerk bijdrage vrijheid Ik mag zelf kiezen hoe ik het breng 🤝 niet of ik het breng.
/tick 1m
/as anna
/goedwerk bijdrage identiteit Ik wil de collega zijn die eerlijk is en toch verbindt.
/tick 1m
/goedwerk bijdrage staart Kritiek landt als je eerst luistert; daarna zeg je het helder.
/as carl
/goedwerk bijdrage staart Eerlijk en verbindend, ook als het ongemakkelijk is.
/tick 3m
"""


def _answer_consent(session, out: str, yes: str) -> str:
    answers = []
    for person in re.findall(r"\[DM → (\w+)\]", out):
        part = out.split(f"[DM → {person}]")[-1]
        answers.append(f"/as {person}\n" + re.search(rf"\[(\d+)\] {yes}", part).group(1))
    return session.run("\n".join(answers))


def _pdf(session) -> tuple[str, PdfReader]:
    (pdf,) = [p for p in session.files_dir.iterdir() if p.name.endswith(".pdf")]
    reader = PdfReader(io.BytesIO(pdf.read_bytes()))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split()), reader


def test_dutch_draft_attributes_every_quote_and_publishes_a_full_a4(db: Database) -> None:
    session = console(db, QUICK_PLAN)
    out = session.run(DUTCH_ROUND)
    summary = out[out.index("== Beeld van goed werk:"):]
    # every quote its own author; the anonymous one is "anoniem", never the next person's name
    assert "„Kies je moment en breng het eerst onder vier ogen.” — anoniem" in summary
    assert "„Bondgenoten zoeken voordat je het in de groep zegt.” — anna" in summary
    # dirk wrote once, after anna wrote three times: dirk's voice is in, not anna's third quote
    assert "„Vraag naar de cijfers, niet naar de meningen.” — dirk" in summary
    assert "Lees eerst de stukken van vorig jaar." not in summary
    # titles from the tail, whole; none from the situation's text
    assert "1. „Kritiek landt als je eerst luistert”" in summary
    assert "Je wordt gevraagd kritisch te zijn" not in summary and "Goed werk als" not in summary
    # the narrative starts as a scaffold in the rich A4's shape
    assert "Volgens ons is dit goed werk in deze situatie: kritiek landt als je eerst luistert" in summary
    assert "Het vraagt van ons: geduld en moed." in summary
    assert "(Een eerste versie uit de staart" in summary

    out = session.run("/as carl\n/goedwerk beeld titel Eerlijk en verbindend")
    assert "Alleen de begeleider of de beeldbouwer stelt de titel vast" in out
    out = session.run("/as anna\n/goedwerk beeldbouwer @carl")
    assert "carl bouwt samen met de begeleider het beeld van goed werk" in out and "<@" not in out
    out = session.run("/as carl\n/goedwerk beeld titel Luisteren, dan helder zeggen")
    assert "Titel: „Luisteren, dan helder zeggen”" in out
    out = session.run("/as dirk\n/goedwerk stem 2")
    assert "Je stem op „Eerlijk en verbindend, ook als het ongemakkelijk is” is geteld." in out
    assert out.count("== Beeld van goed werk:") == 1  # a vote shows the draft once
    assert "Titel: „Luisteren, dan helder zeggen”" in out  # a vote does not replace the title that was set

    out = session.run("/as anna\n/goedwerk beeld plaatje kompas\n/goedwerk publiceer")
    assert "Plaatje: kompas" in out
    _answer_consent(session, out, "Ja, met mijn naam")
    text, reader = _pdf(session)
    assert len(reader.pages) == 1
    assert "Luisteren, dan helder zeggen" in text
    assert "„Kies je moment en breng het eerst onder vier ogen.” — anoniem" in text
    assert "„Bondgenoten zoeken voordat je het in de groep zegt.” — anna" in text
    assert "„Vraag naar de cijfers, niet naar de meningen.” — dirk" in text
    assert "Met anna, carl, dirk en nog iemand" in text  # bob wrote only anonymously
    assert "🤝" in text  # an emoji in a quote stays an emoji
    fonts_used = {str(font.get("/BaseFont")) for page in reader.pages
                  for font in page["/Resources"]["/Font"].values()}
    assert any("NotoEmoji" in name for name in fonts_used), fonts_used  # drawn from the emoji font


def test_english_draft_and_an_emoji_picture(db: Database) -> None:
    session = console(db, QUICK_PLAN)
    session.run("""
/members anna bob
/as anna
/goedwerk taal en
/goedwerk start 6
/goedwerk bijdrage kop We sat down with the province before anything was decided.
/tick 1m
/goedwerk bijdrage handelingen Call first, write later.
/as bob
/goedwerk bijdrage kennis anonymous Know their mandate.
/tick 4m
/as anna
/goedwerk bijdrage staart Talk early - be open about what you cannot share.
/tick 5m
""")
    out = session.run("/goedwerk beeld")
    assert "“Know their mandate.” — anonymous" in out and "“Call first, write later.” — anna" in out
    assert "1. “Talk early”" in out
    assert "In our view, good work in this situation means: talk early - be open" in out
    out = session.run("/as bob\n/goedwerk beeld titel Mine")
    assert "Only the facilitator or the image builder sets the title" in out
    out = session.run("/as anna\n/goedwerk beeld plaatje \U0001F9ED")
    assert "Picture: \U0001F9ED" in out
    session.run("/goedwerk beeld ervaring We met the province early, and it worked.")
    out = session.run("/goedwerk beeld titel Talk early, decide together\n/goedwerk publiceer")
    _answer_consent(session, out, "Yes, with my name")
    text, reader = _pdf(session)
    assert "Talk early, decide together" in text
    assert "“Know their mandate.” — anonymous" in text
    assert "With anna and one other person" in text
    assert "We met the province early, and it worked. — the team" in text  # the team's own words, not "anonymous"
    assert len(reader.pages[0].images) == 1  # the compass emoji as the picture


def test_an_emoji_no_font_can_draw_is_refused_clearly(db: Database, monkeypatch) -> None:
    from flows.summary import fonts

    session = console(db, QUICK_PLAN)
    session.run(DUTCH_ROUND)
    monkeypatch.setattr(fonts, "has_emoji", lambda char: False)  # as without an emoji font
    out = session.run("/as anna\n/goedwerk beeld plaatje \U0001F9ED")
    assert "Die emoji kunnen we niet afdrukken op de A4" in out and "kompas" in out


def test_erasing_a_person_takes_their_quotes_and_tail_words_out_of_the_published_dutch_a4(db: Database) -> None:
    from sqlalchemy import select

    from flows.store.models import PublishedImage

    session = console(db, QUICK_PLAN)
    out = session.run(DUTCH_ROUND + "/as anna\n/goedwerk publiceer")
    _answer_consent(session, out, "Ja, met mijn naam")
    with db.transaction() as s:
        record = s.scalars(select(PublishedImage)).one()
        assert "Eerlijk en verbindend, ook als het ongemakkelijk is" in record.narrative  # carl's tail words
        assert "— carl" in str(record.content["perspectives"])
    out = session.run("/as carl\n/goedwerk mijn-gegevens verwijder")
    confirm = re.search(r"\[(\d+)\] Ja, verwijder", out).group(1)
    session.run(f"/as carl\n{confirm}")
    with db.transaction() as s:
        record = s.scalars(select(PublishedImage)).one()
        assert "Eerlijk en verbindend" not in record.narrative and "carl" not in record.narrative
        assert "kritiek landt als je eerst luistert" in record.narrative  # anna's words stay
        shown = str(record.content["perspectives"])
        assert "carl" not in shown and "Ik mag zelf kiezen" not in shown
        assert "„Bondgenoten zoeken voordat je het in de groep zegt.” — anna" in shown
