"""Property-based test: random event sequences against the real engine and database.

Invariants: at most one active round per channel; no accepted contribution is lost
or duplicated; a closed round accepts nothing; only authors change their
contributions; an anonymous author never appears in anything the channel sees.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from flows.clock import ManualClock
from flows.effects import Post, Remove, Update
from flows.events import Actor, Command, Contribute, DeleteContribution, EditContribution
from flows.scheduling.dispatcher import Dispatcher
from flows.store.base import Base
from flows.store.db import Database
from flows.store.models import ROUND_ACTIVE, Channel, Contribution, Round
from flows.views import ContributionView, SummaryView
from tests.harness import MONDAY, QUICK_PLAN, Recorder, channel_visible, make_engine

USERS = ("ann", "ben", "cas")
CHANNELS = ("c1", "c2")
TOPICS = ("kop", "handelingen", "kennis", "waarden", "vrijheid", "identiteit", "staart")

actor = st.builds(lambda u, c: Actor("test", "w1", c, u, user_name=u.title()),
                  st.sampled_from(USERS), st.sampled_from(CHANNELS))
events = st.one_of(
    st.tuples(st.just("command"), actor, st.sampled_from(
        ["start 1", "start 2", "start willekeurig", "volgende", "sluit", "stop", "status"])),
    st.tuples(st.just("contribute"), actor, st.sampled_from(TOPICS), st.booleans(), st.booleans()),
    st.tuples(st.just("edit"), actor, st.integers(1, 8)),
    st.tuples(st.just("delete"), actor, st.integers(1, 8)),
    st.tuples(st.just("tick"), st.sampled_from([10, 60, 120, 400])),
)


def wipe(db: Database) -> None:
    with db.transaction() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(delete(table))


def active_round_ids(db: Database, channel: str) -> list[int]:
    with db.transaction() as session:
        return list(session.scalars(
            select(Round.id).join(Channel, Round.channel_id == Channel.id)
            .where(Round.status == ROUND_ACTIVE, Channel.external_id == channel)))


@pytest.mark.timeout(600)  # 40 sequences of up to 30 events each: over two minutes on a busy machine with PostgreSQL
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=st.lists(events, min_size=1, max_size=30))
def test_random_sequences_keep_the_invariants(db: Database, sequence) -> None:
    wipe(db)
    clock = ManualClock(MONDAY)
    engine = make_engine(db, clock, plan=QUICK_PLAN)
    recorder = Recorder()
    dispatcher = Dispatcher(db, engine, clock, recorder)
    accepted: dict[int, str] = {}  # contribution id -> author
    removed: set[int] = set()
    counter = 0

    for event in sequence:
        kind = event[0]
        before = len(recorder.effects)
        if kind == "tick":
            clock.advance(timedelta(seconds=event[1]))
            dispatcher.run_due()
            continue
        who: Actor = event[1]
        if kind == "command":
            recorder(engine.handle(Command(who, event[2])))
        elif kind == "contribute":
            counter += 1
            topic, anonymous, resend = event[2], event[3], event[4]
            text = f"text-{counter}-{'anon' if anonymous else 'named'}"
            open_before = active_round_ids(db, who.channel)
            with db.transaction() as session:
                rows_before = session.scalar(select(func.count()).select_from(Contribution))
            submission = Contribute(who, topic, text, anonymous=anonymous, idempotency_key=f"key-{counter}")
            recorder(engine.handle(submission))
            if resend:  # the same submission delivered twice
                recorder(engine.handle(submission))
            with db.transaction() as session:
                rows_after = session.scalar(select(func.count()).select_from(Contribution))
            assert rows_after - rows_before <= 1
            if not open_before:
                assert rows_after == rows_before, "a contribution was accepted without an open round"
        elif kind == "edit":
            with db.transaction() as session:
                row = session.get(Contribution, event[2])
                old = (row.author_id, row.text) if row else None
            recorder(engine.handle(EditContribution(who, event[2], f"edited-by-{who.user}")))
            with db.transaction() as session:
                row = session.get(Contribution, event[2])
                if old is not None and old[0] != who.user:
                    assert row.text == old[1], "someone else changed a contribution"
        elif kind == "delete":
            with db.transaction() as session:
                row = session.get(Contribution, event[2])
                author = row.author_id if row else None
            recorder(engine.handle(DeleteContribution(who, event[2])))
            with db.transaction() as session:
                row = session.get(Contribution, event[2])
                if author is not None and author != who.user:
                    assert row.deleted_at is None or event[2] in removed
        for effect in recorder.effects[before:]:
            if isinstance(effect, Post) and effect.key and effect.key.startswith("contribution:"):
                accepted[int(effect.key.split(":")[1])] = effect.view.topic
            if isinstance(effect, Remove) and effect.key.startswith("contribution:"):
                removed.add(int(effect.key.split(":")[1]))

        for channel in CHANNELS:
            assert len(active_round_ids(db, channel)) <= 1

    with db.transaction() as session:
        rows = {row.id: row for row in session.scalars(select(Contribution))}
        anonymous_texts = {row.text for row in rows.values() if row.anonymous and row.text}
        anonymous_authors = {row.author_id for row in rows.values() if row.anonymous}
        named_authors = {row.author_id for row in rows.values() if not row.anonymous}
    # nothing accepted is lost; deleted only when its author deleted it
    for contribution_id in accepted:
        assert contribution_id in rows
        assert (rows[contribution_id].deleted_at is not None) == (contribution_id in removed)
    # anonymity: no channel-visible view ties an anonymous text or contribution to a person
    for effect in recorder.effects:
        if not channel_visible(effect) or not isinstance(effect, (Post, Update)):
            continue
        view = effect.view
        if isinstance(view, ContributionView) and rows.get(view.contribution_id) is not None:
            if rows[view.contribution_id].anonymous:
                assert view.author is None
        if isinstance(view, SummaryView):
            for section in view.sections:
                for quote, author in section.quotes:
                    if any(quote and quote in text for text in anonymous_texts):
                        assert author is None
        if isinstance(view, (ContributionView, SummaryView)):
            text = repr(view)
            for user in anonymous_authors - named_authors:
                assert user.title() not in text and f"'{user}'" not in text
