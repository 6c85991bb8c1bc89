"""Keyed message references on both dialects: found by platform ids, recorded once, moved on resend."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from flows.effects import Place, SentMessage
from flows.store import messages
from flows.store.models import Channel, MessageRef, Workspace

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


def _channels(db) -> None:
    with db.transaction() as session:
        for team in ("T1", "T2"):
            workspace = Workspace(platform="slack", external_id=team, name=team, created_at=NOW)
            session.add(workspace)
            session.flush()
            session.add(Channel(workspace_id=workspace.id, external_id="C1", name="team", created_at=NOW))


def test_a_reference_is_found_only_in_its_own_channel(db):
    _channels(db)
    here, twin = Place("slack", "T1", "C1"), Place("slack", "T2", "C1")  # same channel id, other workspace
    messages.remember(db, here, "kickoff:1", "111.1", None, NOW)

    assert messages.find(db, here, "kickoff:1").ref == "111.1"
    assert messages.find(db, twin, "kickoff:1") is None
    assert messages.find(db, here, "kickoff:2") is None


def test_remembering_again_moves_the_reference_instead_of_adding_one(db):
    _channels(db)
    place = Place("slack", "T1", "C1")
    messages.remember(db, place, "summary:3", "111.1", None, NOW)
    messages.remember(db, place, "summary:3", "222.2", "100.0", NOW)

    found = messages.find(db, place, "summary:3")
    assert (found.ref, found.thread_ref) == ("222.2", "100.0")
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(MessageRef)) == 1


def test_a_message_in_an_unknown_channel_is_not_recorded(db):
    _channels(db)
    messages.remember(db, Place("slack", "T9", "C1"), "kickoff:1", "111.1", None, NOW)

    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(MessageRef)) == 0


def test_several_sent_messages_are_recorded_in_the_callers_transaction(db):
    _channels(db)
    sent = [SentMessage(Place("slack", "T1", "C1"), "weekly:1", "111.1"),
            SentMessage(Place("slack", "T2", "C1"), "weekly:1", "222.2", "200.0"),
            SentMessage(Place("slack", "T9", "C1"), "weekly:1", "999.9"),  # an unknown workspace: left out
            SentMessage(Place("slack", "T1", "C1"), "weekly:1", "111.2")]  # the same key again: the last wins
    with db.transaction() as session:
        messages.remember_all(session, sent, NOW)

    assert messages.find(db, Place("slack", "T1", "C1"), "weekly:1").ref == "111.2"
    found = messages.find(db, Place("slack", "T2", "C1"), "weekly:1")
    assert (found.ref, found.thread_ref) == ("222.2", "200.0")
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(MessageRef)) == 2


def test_only_the_channels_sent_to_are_recorded_when_their_ids_cross_workspaces(db):
    _channels(db)  # C1 in T1 and in T2
    with db.transaction() as session:
        for team in ("T1", "T2"):
            workspace_id = session.scalar(select(Workspace.id).where(Workspace.external_id == team))
            session.add(Channel(workspace_id=workspace_id, external_id="C2", name="other", created_at=NOW))
    sent = [SentMessage(Place("slack", "T1", "C1"), "weekly:1", "111.1"),
            SentMessage(Place("slack", "T2", "C2"), "weekly:2", "222.2")]
    with db.transaction() as session:
        messages.remember_all(session, sent, NOW)

    assert messages.find(db, Place("slack", "T1", "C1"), "weekly:1").ref == "111.1"
    assert messages.find(db, Place("slack", "T2", "C2"), "weekly:2").ref == "222.2"
    assert messages.find(db, Place("slack", "T1", "C2"), "weekly:2") is None
    assert messages.find(db, Place("slack", "T2", "C1"), "weekly:1") is None
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(MessageRef)) == 2
