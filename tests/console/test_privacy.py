"""Data rights and retention: my-data export/delete, retention per channel, workspace purge."""

from __future__ import annotations

import json
import re
from datetime import UTC, timedelta

from sqlalchemy import func, select

from bot import workspace_admin
from flows.engine import retention
from flows.store.db import Database
from flows.store.models import (
    Channel,
    ChannelMember,
    Contribution,
    Person,
    PublishedImage,
    Round,
    ScheduledAction,
    SummaryDraft,
    Workspace,
)
from tests.console.test_dialogues import console
from tests.console.test_image import ROUND
from tests.harness import QUICK_PLAN


def _export(session, out: str) -> dict:
    path = re.search(r"\[DM → \w+\] 📎 (\S+)", out).group(1)
    return json.loads(open(path, encoding="utf-8").read())


def test_export_contains_my_own_contributions_and_nobody_elses(db: Database) -> None:
    session = console(db, QUICK_PLAN)
    session.run(ROUND)
    out = session.run("/as bob\n/goedwerk my-data")
    assert "my-data export" in out and "my-data delete" in out
    out = session.run("/as bob\n/goedwerk stem 1\n/goedwerk my-data export")
    assert "sent you your data privately (1 contribution)" in out
    data = _export(session, out)
    texts = [c["text"] for c in data["contributions"]]
    assert texts == ["A secret story about waiting for a decision."]
    assert data["contributions"][0]["anonymous"] is True
    assert data["contributions"][0]["channel"] == "team" and data["contributions"][0]["situation"] == 6
    assert data["person"]["id"] == "bob" and data["person"]["reminders_enabled"] is True
    assert [m["channel"] for m in data["memberships"]] == ["team"]
    assert len(data["votes"]) == 1 and data["votes"][0]["round"] == 1
    dump = json.dumps(data)
    assert "province" not in dump and "minister" not in dump and "mandate" not in dump and "Call first" not in dump
    assert "anna" not in dump and "carl" not in dump


def test_delete_needs_confirmation_then_forgets_me_everywhere(db: Database) -> None:
    session = console(db, QUICK_PLAN)
    session.run(ROUND)
    session.run("/as anna\n/goedwerk stem 1\n/as carl\n/goedwerk stem 1")
    out = session.run("/as anna\n/goedwerk publiceer")
    assert "are asked privately" in out
    anna_yes = re.search(r"\[(\d+)\] Yes, with my name", out.split("[DM → anna]")[1]).group(1)
    carl_yes = re.search(r"\[(\d+)\] Yes, with my name", out.split("[DM → carl]")[1]).group(1)
    out = session.run(f"/as anna\n{anna_yes}\n/as carl\n{carl_yes}")
    assert "📎" in out
    with db.transaction() as s:
        image = s.scalars(select(PublishedImage)).one()
        assert "carl" in image.content["participants"]
        assert "— carl" in json.dumps(image.content, ensure_ascii=False)

    out = session.run("/as carl\n/goedwerk my-data delete")
    assert "Confirm with the button" in out
    with db.transaction() as s:  # nothing happened yet
        assert s.scalar(select(func.count()).select_from(Contribution).where(
            Contribution.author_id == "carl", Contribution.deleted_at.is_(None))) == 2
    choice = re.search(r"\[(\d+)\] Yes, delete my data", out).group(1)
    out = session.run(f"/as carl\n{choice}")
    assert "✗ contribution:3 removed" in out and "✗ contribution:4 removed" in out
    shown_again = out.split("↻ summary:1", 1)[1].split("[#team · only for carl]")[0]  # the channel's summary
    assert "We sat down with the province" in shown_again
    assert "minister" not in shown_again and "Call first" not in shown_again and "carl" not in shown_again
    told = " ".join(out.split())
    assert "2 contributions, 1 votes, 1 consent answers and 1 channel memberships; 1 published images" in told
    with db.transaction() as s:
        assert s.scalars(select(Contribution).where(Contribution.author_id == "carl")).all() == []
        others = s.scalars(select(Contribution).where(Contribution.author_id != "carl")).all()
        assert all(row.text and row.deleted_at is None for row in others)
        image = s.scalars(select(PublishedImage)).one()
        dumped = json.dumps(image.content, ensure_ascii=False)
        assert "carl" not in dumped and "minister" not in dumped and "Call first" not in dumped
        assert "anna" in image.content["participants"] and "— anna" in dumped
        draft = s.scalars(select(SummaryDraft)).one()
        assert "carl" not in draft.content["image"]["votes"] and "anna" in draft.content["image"]["votes"]
        assert "carl" not in draft.content["image"]["consent"]
        assert s.scalars(select(Person).where(Person.external_id == "carl")).first() is None
        assert s.scalars(select(ChannelMember).where(ChannelMember.user_id == "carl")).first() is None
        assert s.scalars(select(ChannelMember).where(ChannelMember.user_id == "anna")).first() is not None
    # the text form of the confirmation works as well
    out = session.run("/as bob\n/goedwerk mijn-gegevens verwijder bevestig")
    assert "1 contributions" in " ".join(out.split())


def test_a_running_round_loses_the_thread_replies(db: Database) -> None:
    session = console(db, QUICK_PLAN)
    session.run("/as anna\n/goedwerk taal en\n/goedwerk start 2\n/goedwerk bijdrage kop My story.\n"
                "/as bob\n/goedwerk bijdrage kop Bob's story.")
    out = session.run("/as anna\n/goedwerk my-data delete confirm")
    assert "✗ contribution:1 removed" in out and "contribution:2" not in out
    with db.transaction() as s:
        assert s.get(Contribution, 2).text == "Bob's story."


def test_retention_blanks_contributions_after_the_period(db: Database) -> None:
    session = console(db, QUICK_PLAN)
    out = session.run("/as anna\n/goedwerk taal en\n/goedwerk retention")
    assert "90 days" in out
    out = session.run("/goedwerk retention 0\n/goedwerk retention 3651\n/goedwerk retention soon")
    assert out.count("between 1 and 3650") == 2 and "Use: retention" in out
    out = session.run("/as bob\n/goedwerk bewaartermijn 10 bevestig")
    assert "now deleted 10 days after" in out
    session.run(ROUND)
    with db.transaction() as s:
        round_row = s.scalars(select(Round)).one()
        assert round_row.status == "closed"
        action = s.scalars(select(ScheduledAction).where(ScheduledAction.kind == "purge_round")).one()
        assert action.due_at == round_row.closed_at + timedelta(days=10)
    session.run("/tick 9d")
    with db.transaction() as s:
        assert all(row.text for row in s.scalars(select(Contribution)))
    session.run("/tick 2d")
    with db.transaction() as s:
        rows = s.scalars(select(Contribution)).all()
        assert rows and all(row.text == "" and row.deleted_at is not None and not row.virtues for row in rows)
        assert s.scalars(select(ScheduledAction).where(ScheduledAction.kind == "purge_round")).one().status == "sent"


def test_a_longer_retention_moves_the_waiting_purge(db: Database) -> None:
    session = console(db, QUICK_PLAN)
    session.run(ROUND)
    session.run("/goedwerk retention 100")
    session.run("/tick 95d")
    with db.transaction() as s:
        assert all(row.text for row in s.scalars(select(Contribution)))
    session.run("/tick 6d")
    with db.transaction() as s:
        assert all(row.text == "" for row in s.scalars(select(Contribution)))


def _uninstall(session, team: str = "local") -> None:
    with session.db.transaction() as s:
        workspace = s.scalars(select(Workspace).where(Workspace.external_id == team)).one()
        retention.workspace_uninstalled(s, workspace, session.clock.now())


def _other_team(db: Database, session) -> None:
    """A second workspace with a channel, person and round that must survive."""
    with db.transaction() as s:
        other = Workspace(platform="slack", external_id="T2", created_at=session.clock.now())
        s.add(other)
        s.flush()
        channel = Channel(workspace_id=other.id, external_id="C2", created_at=session.clock.now())
        s.add(channel)
        s.add(Person(workspace_id=other.id, external_id="U2"))
        s.flush()
        s.add(Round(channel_id=channel.id, situation_number=1, plan="kop=1d", status="closed", step_index=0,
                    facilitator_id="U2", started_by="U2", started_at=session.clock.now(),
                    deadline_at=session.clock.now()))


def test_an_uninstalled_workspace_is_purged_after_30_days(db: Database) -> None:
    session = console(db, QUICK_PLAN)
    session.run(ROUND)
    _other_team(db, session)
    _uninstall(session)
    session.run("/tick 29d")
    with db.transaction() as s:
        assert s.scalars(select(Workspace).where(Workspace.external_id == "local")).first() is not None
    session.run("/tick 2d")
    with db.transaction() as s:
        assert s.scalars(select(Workspace).where(Workspace.external_id == "local")).first() is None
        assert s.scalar(select(func.count()).select_from(Contribution)) == 0
        assert s.scalar(select(func.count()).select_from(Channel)) == 1
        assert s.scalar(select(func.count()).select_from(Round)) == 1
        assert s.scalars(select(Person)).one().external_id == "U2"
        purge = s.scalars(select(ScheduledAction).where(ScheduledAction.kind == "purge_workspace")).one()
        assert purge.status == "sent"


def test_a_reinstall_within_30_days_cancels_the_purge(db: Database) -> None:
    session = console(db, QUICK_PLAN)
    session.run(ROUND)
    _uninstall(session)
    session.run("/tick 10d")
    session.run("/as anna\n/goedwerk status")  # the team is back
    session.run("/tick 25d")
    with db.transaction() as s:
        workspace = s.scalars(select(Workspace).where(Workspace.external_id == "local")).one()
        assert workspace.uninstalled_at is None
        assert s.scalar(select(func.count()).select_from(Contribution)) == 6
        assert s.scalars(select(ScheduledAction).where(
            ScheduledAction.kind == "purge_workspace")).one().status == "skipped"
    _uninstall(session)  # a later uninstall queues a new purge
    session.run("/tick 31d")
    with db.transaction() as s:
        assert s.scalars(select(Workspace).where(Workspace.external_id == "local")).first() is None


def test_workspace_export_and_purge_cli_functions(db: Database, tmp_path) -> None:
    from bot.slack.installation_tables import bots, installations
    from bot.slack.shared_paces import SharedPaces, paces

    session = console(db, QUICK_PLAN)
    session.run(ROUND)
    _other_team(db, session)
    with db.transaction() as s:
        for team in ("local", "T2"):
            s.execute(bots.insert().values(client_id="c", app_id="A", team_id=team, bot_token="xoxb-secret",
                                           bot_id="B", bot_user_id="UB", installed_at=session.clock.now()))
            s.execute(installations.insert().values(client_id="c", app_id="A", team_id=team, user_id="U",
                                                    installed_at=session.clock.now()))
    out = tmp_path / "ws.json"
    workspace_admin.export(db, "local", out)
    data = json.loads(out.read_text())
    assert len(data["contributions"]) == 6 and len(data["channels"]) == 1
    assert "xoxb" not in out.read_text() and "T2" not in out.read_text()
    found = workspace_admin.purge(db, "local")
    assert found["contributions"] == 6 and found["channels"] == 1
    with db.transaction() as s:
        assert s.scalars(select(Workspace)).one().external_id == "T2"
        assert s.scalar(select(func.count()).select_from(Contribution)) == 0
        assert s.scalar(select(func.count()).select_from(Round)) == 1
        # a console workspace has no Slack installation: Slack rows of any team stay
        assert sorted(row.team_id for row in s.execute(select(bots))) == ["T2", "local"]
    # a Slack workspace also loses its installation rows and its pace
    SharedPaces(db).slowed("T2", 1.0)
    found = workspace_admin.purge(db, "T2")
    assert found["slack_bots"] == 1 and found["slack_installations"] == 1 and found["slack_workspace_paces"] == 1
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(paces)) == 0
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(bots)) == 1  # "local" is not a Slack team


def test_workspace_cli_in_a_process(tmp_path) -> None:
    from datetime import datetime

    from flows.store import migrate
    from tests.test_cli import goedwerk

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    migrate.upgrade(url)
    db = Database(url)
    with db.transaction() as s:
        s.add(Workspace(platform="console", external_id="local", created_at=datetime.now(UTC)))
    db.dispose()
    env = {"DATABASE_URL": url}
    result = goedwerk("workspace", "export", "local", cwd=tmp_path, env=env)
    assert result.returncode == 0 and json.loads(result.stdout)["workspaces"][0]["external_id"] == "local"
    assert goedwerk("workspace", "export", "nobody", cwd=tmp_path, env=env).returncode == 2
    result = goedwerk("workspace", "purge", "local", cwd=tmp_path, env=env, stdin="no\n")
    assert result.returncode == 1 and "Nothing was deleted" in result.stdout
    result = goedwerk("workspace", "purge", "local", "--yes", cwd=tmp_path, env=env)
    assert result.returncode == 0 and "Deleted: channels 0" in result.stdout
    assert goedwerk("workspace", "export", "local", cwd=tmp_path, env=env).returncode == 2


def test_retention_also_removes_the_working_draft(db: Database) -> None:
    from sqlalchemy import func, select

    from flows.store.models import SummaryDraft
    from tests.console.test_dialogues import console as quick_console
    from tests.harness import QUICK_PLAN

    session = quick_console(db, QUICK_PLAN)
    session.run("/goedwerk taal en\n/goedwerk bewaartermijn 1 bevestig\n/goedwerk start 3\n/goedwerk bijdrage kop "
                "Words to forget.\n/tick 10m")
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(SummaryDraft)) == 1
    session.run("/tick 2d")
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(SummaryDraft)) == 0
