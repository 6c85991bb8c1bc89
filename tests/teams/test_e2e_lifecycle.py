"""End to end: goedwerk added to a team (a welcome) and removed (nothing sent there, purge queued)."""

from __future__ import annotations

from sqlalchemy import select

from bot.teams import conversations
from flows.engine.retention import PURGE_WORKSPACE
from flows.store.models import ScheduledAction, Workspace
from tests.teams import activities
from tests.teams.activities import CHANNEL, TEAM
from tests.teams.conftest import TENANT
from tests.teams.test_e2e_round import started


def test_added_to_a_team_it_says_hello_in_the_general_channel(teams_app):
    assert teams_app.send(activities.install(teams_app.connector.service_url)) == 202

    (welcome,) = teams_app.connector.top_level(TEAM)
    assert welcome.texts[0].startswith("Hello, I am goedwerk")


def test_removed_from_the_team_nothing_more_is_sent_and_the_tenants_purge_is_queued(teams_app):
    started(teams_app)
    posts_before = len(teams_app.connector.posted)

    assert teams_app.send(activities.removal(teams_app.connector.service_url)) == 202

    def step_action_settled():
        with teams_app.db.transaction() as session:
            return session.scalars(select(ScheduledAction).where(ScheduledAction.status == "failed")).first()

    assert teams_app.wait_until(step_action_settled, timeout=15)  # the next step fell due and was refused here
    assert len(teams_app.connector.posted) == posts_before
    with teams_app.db.transaction() as session:
        workspace = session.scalars(select(Workspace).where(Workspace.external_id == TENANT)).one()
        assert workspace.uninstalled_at is not None
        assert session.scalars(select(ScheduledAction).where(ScheduledAction.kind == PURGE_WORKSPACE)).first()

    assert teams_app.send(activities.mention(teams_app.connector.service_url, "status")) == 202  # back again
    with teams_app.db.transaction() as session:
        assert session.scalars(select(Workspace).where(Workspace.external_id == TENANT)).one().uninstalled_at is None
    assert not conversations.find(teams_app.db, TENANT, CHANNEL).removed
