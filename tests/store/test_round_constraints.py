"""At most one active round per channel: a partial unique index on both dialects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from flows.store.models import ROUND_ACTIVE, ROUND_CANCELLED, ROUND_CLOSED, Channel, Round, Workspace

NOW = datetime(2026, 3, 23, 9, 0, tzinfo=UTC)


def _channel(db, external_id: str = "C1") -> int:
    with db.transaction() as session:
        workspace = session.query(Workspace).filter_by(external_id="T1").one_or_none()
        if workspace is None:
            workspace = Workspace(platform="slack", external_id="T1", created_at=NOW)
            session.add(workspace)
            session.flush()
        channel = Channel(workspace_id=workspace.id, external_id=external_id, created_at=NOW)
        session.add(channel)
        session.flush()
        return channel.id


def _round(channel_id: int, status: str) -> Round:
    return Round(
        channel_id=channel_id,
        situation_number=1,
        plan="kop=1d,staart=3d",
        status=status,
        step_index=0,
        facilitator_id="U1",
        started_by="U1",
        started_at=NOW,
        deadline_at=NOW + timedelta(days=4),
    )


def test_two_active_rounds_in_one_channel_are_refused(db):
    channel_id = _channel(db)
    with db.transaction() as session:
        session.add(_round(channel_id, ROUND_ACTIVE))

    with pytest.raises(IntegrityError), db.transaction() as session:
        session.add(_round(channel_id, ROUND_ACTIVE))


def test_active_next_to_closed_and_cancelled_is_fine(db):
    channel_id = _channel(db)
    with db.transaction() as session:
        session.add_all(
            [
                _round(channel_id, ROUND_CLOSED),
                _round(channel_id, ROUND_CLOSED),
                _round(channel_id, ROUND_CANCELLED),
                _round(channel_id, ROUND_ACTIVE),
            ]
        )


def test_active_rounds_in_different_channels_are_fine(db):
    first, second = _channel(db, "C1"), _channel(db, "C2")
    with db.transaction() as session:
        session.add_all([_round(first, ROUND_ACTIVE), _round(second, ROUND_ACTIVE)])


def test_a_new_round_may_start_once_the_active_one_closed(db):
    channel_id = _channel(db)
    with db.transaction() as session:
        session.add(_round(channel_id, ROUND_ACTIVE))
    with db.transaction() as session:
        session.execute(update(Round).where(Round.channel_id == channel_id).values(status=ROUND_CLOSED))
        session.add(_round(channel_id, ROUND_ACTIVE))
