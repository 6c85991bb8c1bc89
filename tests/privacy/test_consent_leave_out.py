""""Leave my words out" at consent means all of the person's words, anonymous ones too."""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from flows.store.db import Database
from flows.store.models import PublishedImage
from tests.console.test_dialogues import console
from tests.console.test_image import ROUND as IMAGE_ROUND
from tests.console.test_image import pdf_text
from tests.harness import QUICK_PLAN

CALL_FIRST = "/goedwerk bijdrage handelingen Call first, write later.\n"
ROUND = IMAGE_ROUND.replace(CALL_FIRST, CALL_FIRST + "/goedwerk bijdrage kennis anoniem Ask the minister's staff what "
                                                     "they may share.\n")
assert ROUND != IMAGE_ROUND


def test_leaving_my_words_out_leaves_out_my_anonymous_words_too(db: Database) -> None:
    session = console(db, QUICK_PLAN)
    out = session.run(ROUND)
    assert "Ask the minister's staff what they may share." in out  # quoted, anonymously, in the draft
    out = session.run("/as anna\n/goedwerk publiceer")
    yes = re.search(r"\[(\d+)\] Yes, with my name", out.split("[DM → anna]")[1]).group(1)
    leave_out = re.search(r"\[(\d+)\] Leave my words out", out.split("[DM → carl]")[1]).group(1)
    out = session.run(f"/as anna\n{yes}\n/as carl\n{leave_out}")
    assert "📎" in out
    text = pdf_text(session)
    assert "Know their mandate" in text and "— anna" in text
    assert "minister" not in text and "Call first" not in text and "carl" not in text
    with db.transaction() as s:
        image = s.scalars(select(PublishedImage)).one()
        dumped = json.dumps([image.content, image.experience, image.narrative, image.title], ensure_ascii=False)
    assert "Know their mandate" in dumped
    assert "minister" not in dumped and "Call first" not in dumped
