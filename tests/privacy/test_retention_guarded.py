"""Retention cannot be used as a weapon: only the facilitator of the channel's latest round
or an admin may change it, a shorter period first shows what it would delete and needs a
confirmation, and the channel is told."""

from __future__ import annotations

import re

from sqlalchemy import select

from flows.store.db import Database
from flows.store.models import Contribution, SummaryDraft
from tests.console.test_dialogues import console
from tests.console.test_image import ROUND
from tests.harness import QUICK_PLAN


def _texts(db: Database) -> list[str]:
    with db.transaction() as s:
        return [row.text for row in s.scalars(select(Contribution)) if row.text]


def test_a_channel_member_cannot_shorten_the_retention(db: Database) -> None:
    session = console(db, QUICK_PLAN)
    session.run(ROUND)
    session.run("/tick 2d")
    out = session.run("/as bob\n/goedwerk bewaartermijn 1\n/goedwerk bewaartermijn 1 bevestig")
    assert " ".join(out.split()).count("Only the facilitator of this channel's latest round or a workspace admin") == 2
    session.run("/tick 1h")
    assert len(_texts(db)) == 6


def test_a_shorter_period_shows_what_goes_and_waits_for_a_confirmation(db: Database) -> None:
    session = console(db, QUICK_PLAN)
    session.run(ROUND)
    session.run("/as anna\n/goedwerk start 2\n/goedwerk bijdrage kop Second round story.\n/tick 10m")
    session.run("/tick 2d")
    out = " ".join(session.run("/as anna\n/goedwerk bewaartermijn 1").split())
    assert "closed rounds: 2, and unpublished drafts: 2" in out
    assert "Confirm with the button" in out
    session.run("/tick 1h")
    assert len(_texts(db)) == 7  # nothing went without the confirmation
    choice = re.search(r"\[(\d+)\] Yes, shorten it to 1 day\b", out).group(1)
    out = session.run(f"/as anna\n{choice}")
    channel = out.split("[#team]", 1)[1]  # the channel, not only the person, is told
    assert "now deleted 1 day after their round closes" in " ".join(channel.split())
    session.run("/tick 1m")
    assert _texts(db) == []
    with db.transaction() as s:
        assert s.scalars(select(SummaryDraft)).first() is None


def test_a_longer_period_needs_no_confirmation_but_is_still_announced(db: Database) -> None:
    session = console(db, QUICK_PLAN)
    session.run(ROUND)
    out = session.run("/as anna\n/goedwerk bewaartermijn 120")
    assert "[#team]" in out and "now deleted 120 days after" in " ".join(out.split())
