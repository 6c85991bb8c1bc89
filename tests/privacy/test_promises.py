"""More of PRIVACY.md's promises, each checked where it could break: a database error keeps
the query's values out of its message, clean-ups and erasure log counts only, and a single
workspace's bot token never enters the database."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from flows.store.db import Database
from flows.store.models import Contribution
from tests.console.test_dialogues import console
from tests.console.test_image import ROUND
from tests.harness import QUICK_PLAN
from tests.privacy.dump import full_dump
from tests.slack.conftest import RunningApp, slack_app  # noqa: F401 (fixture)
from tests.slack.fake_slack import fake_slack  # noqa: F401 (fixture)
from tests.slack.signing import slash_command_body

TEXTS = ("We sat down with the province", "A secret story", "minister", "Call first", "mandate", "Talk early")


def test_a_database_error_does_not_carry_the_values_of_its_query(db: Database) -> None:
    session = console(db, QUICK_PLAN)
    session.run(ROUND)
    with pytest.raises(IntegrityError) as raised, db.transaction() as s:
        s.execute(insert(Contribution).values(round_id=1, topic="kop", author_id="anna",
                                              text="A SECRET-VALUE nobody may log", idempotency_key="dup",
                                              anonymous=False, passed=False, created_at=session.clock.now()))
        s.execute(insert(Contribution).values(round_id=1, topic="kop", author_id="anna",
                                              text="A SECRET-VALUE nobody may log", idempotency_key="dup",
                                              anonymous=False, passed=False, created_at=session.clock.now()))
    assert "SECRET-VALUE" not in str(raised.value) and "anna" not in str(raised.value)


def test_clean_ups_and_erasure_log_counts_only(db: Database, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    session = console(db, QUICK_PLAN)
    session.run(ROUND)
    caplog.clear()
    session.run("/as bob\n/goedwerk mijn-gegevens verwijder bevestig\n/tick 91d")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "person forgotten" in logged and "retention: round 1 purged" in logged
    for text in (*TEXTS, "bob", "anna", "carl"):
        assert text not in logged, text


def test_a_single_workspace_bot_token_stays_out_of_the_database(slack_app: RunningApp) -> None:  # noqa: F811 (fixture)
    status, _, _ = slack_app.send(slash_command_body(text="start 2"))
    assert status == 200
    assert slack_app.wait_until(lambda: "kickoff" in full_dump(slack_app.db))
    assert "xoxb-e2e" not in full_dump(slack_app.db)
