"""The tokens of a batch's workspaces are read in one query, not one per workspace.

A batch of weekly prompts goes to channels of up to a hundred workspaces. Before the
first post the dispatcher names their places; the Slack adapter reads every token the
process does not hold yet with one query (``BatchInstallationStore.find_bots``), and
the posts use them. A team that query cannot answer for is looked up on its own, as
before. Runs on SQLite and PostgreSQL (``db`` fixture).
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store.models.installation import Installation

from bot.services import build_services
from bot.settings import load_settings
from bot.slack import installation_tables
from bot.slack.app import build_app
from bot.slack.clients import TeamClients
from bot.slack.installation_store import BatchInstallationStore
from bot.slack.main import slack_dispatcher
from bot.slack.shared_paces import SharedPaces
from bot.slack.token_crypto import EncryptedInstallationStore, TokenCipher
from flows.clock import ManualClock
from flows.events import Actor, Command
from flows.store.db import Database
from tests.slack.conftest import SECRET
from tests.slack.fake_slack import FakeSlack
from tests.slack.test_token_cache import Clock

CLIENT_ID = "1111.2222"
KEY, OTHER_KEY = Fernet.generate_key().decode(), Fernet.generate_key().decode()
TEAMS = ["T0AAA", "T0BBB", "T0CCC"]
START = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # a Tuesday


def token_of(team: str, generation: int = 2) -> str:
    return f"xoxb-{team}-{generation}"


def installation(team: str, token: str, installed_at: float) -> Installation:
    return Installation(app_id="A0GOED", enterprise_id=None, team_id=team, team_name=team, bot_token=token,
                        bot_id=f"B{team}", bot_user_id=f"U{team}", bot_scopes=["chat:write"], user_id="U0ADMIN",
                        installed_at=installed_at)


def store(db: Database, key: str | None = KEY) -> BatchInstallationStore:
    tables = dict(client_id=CLIENT_ID, engine=db.engine, bots_table_name=installation_tables.BOTS_TABLE,
                  installations_table_name=installation_tables.INSTALLATIONS_TABLE)
    return BatchInstallationStore(**tables) if key is None else EncryptedInstallationStore(
        **tables, cipher=TokenCipher(key))


def install_all(db: Database, key: str | None = KEY) -> None:
    """Every team installed twice (the app reinstalled later with a new token)."""
    for number, team in enumerate(TEAMS):
        store(db, key).save(installation(team, token_of(team, 1), 1_700_000_000.0 + number))
        store(db, key).save(installation(team, token_of(team, 2), 1_800_000_000.0 + number))


def test_find_bots_answers_as_find_bot_does_for_each_team(db: Database) -> None:
    install_all(db)
    bots = store(db).find_bots([*TEAMS, "T0UNKNOWN"])

    assert {team: bot.bot_token for team, bot in bots.items()} == {team: token_of(team) for team in TEAMS}
    for team in TEAMS:
        one = store(db).find_bot(enterprise_id=None, team_id=team)
        assert (bots[team].bot_token, bots[team].bot_user_id, bots[team].installed_at) == (
            one.bot_token, one.bot_user_id, one.installed_at)
    assert store(db).find_bots([]) == {}


def test_find_bots_leaves_out_a_team_no_key_can_read(db: Database) -> None:
    install_all(db)
    store(db, OTHER_KEY).save(installation("T0DDD", token_of("T0DDD"), 1_900_000_000.0))  # another key's token

    bots = store(db).find_bots([*TEAMS, "T0DDD"])

    assert sorted(bots) == TEAMS


def test_find_bots_reads_plain_tokens_without_a_key(db: Database) -> None:
    install_all(db, key=None)

    assert {team: bot.bot_token for team, bot in store(db, None).find_bots(TEAMS).items()} == {
        team: token_of(team) for team in TEAMS}


class Tokens:
    """An installation store as TeamClients sees it, counting single and batch reads."""

    def __init__(self, tokens: dict[str, str], batch_fails: bool = False) -> None:
        self.tokens = tokens
        self.batch_fails = batch_fails
        self.single: list[str] = []
        self.batches: list[list[str]] = []

    def token_for(self, team: str) -> str | None:
        self.single.append(team)
        return self.tokens.get(team)

    def tokens_for(self, teams: list[str]) -> dict[str, str]:
        self.batches.append(teams)
        if self.batch_fails:
            raise ConnectionError("database went away")
        return {team: self.tokens[team] for team in teams if team in self.tokens and team != "T0CCC"}


def test_warm_reads_the_teams_not_held_in_one_go(fake_slack: FakeSlack) -> None:
    tokens, clock = Tokens({team: token_of(team) for team in TEAMS}), Clock()
    clients = TeamClients(fake_slack.base_url, tokens.token_for, tokens_for=tokens.tokens_for, ttl=300, clock=clock)
    clients.for_team("T0AAA")  # already held

    clients.warm(["T0AAA", "T0BBB", "T0CCC", "T0BBB"])

    assert tokens.batches == [["T0BBB", "T0CCC"]]
    assert clients.for_team("T0BBB").token == token_of("T0BBB")
    assert tokens.single == ["T0AAA"], "the warmed team needs no read of its own"
    assert clients.for_team("T0CCC").token == token_of("T0CCC")  # left out of the batch: read on its own
    assert tokens.single == ["T0AAA", "T0CCC"]
    clients.warm(TEAMS)
    assert len(tokens.batches) == 1, "every team is held now"
    clock.now += 301
    clients.warm(TEAMS)
    assert tokens.batches[-1] == TEAMS, "held too long: read again"


def test_a_failed_batch_read_leaves_each_team_to_its_own(fake_slack: FakeSlack, caplog) -> None:
    tokens = Tokens({team: token_of(team) for team in TEAMS}, batch_fails=True)
    clients = TeamClients(fake_slack.base_url, tokens.token_for, tokens_for=tokens.tokens_for, clock=Clock())

    with caplog.at_level(logging.WARNING, logger="goedwerk.slack"):
        clients.warm(TEAMS)

    assert "could not read the tokens of 3 teams at once" in caplog.text
    assert [clients.for_team(team).token for team in TEAMS] == [token_of(team) for team in TEAMS]
    assert tokens.single == TEAMS


def oauth_app(db: Database, fake_slack: FakeSlack, clock: ManualClock):
    """The real app for OAuth-installed workspaces on ``db``, posting to the fake Slack:
    its settings, services and built app."""
    settings = load_settings(database_url=db.url, slack_client_id=CLIENT_ID, slack_client_secret="s3cret",
                             slack_signing_secret=SECRET, secret_key=KEY, slack_api_url=fake_slack.base_url,
                             language="en")
    services = build_services(settings, clock, upgrade=False)
    return settings, services, build_app(settings, services)


def test_a_batch_of_weekly_prompts_reads_its_workspaces_tokens_once(db: Database, fake_slack: FakeSlack) -> None:
    """Through the real app and dispatcher: OAuth-installed workspaces, each prompt posted
    with its own workspace's newest token, and no token read one workspace at a time."""
    clock = ManualClock(START)
    settings, services, slack = oauth_app(db, fake_slack, clock)
    install_all(db)
    channels = {(team, f"C{team}{number}") for team in TEAMS for number in range(3)}
    for team, channel in sorted(channels):
        services.engine.handle(Command(Actor("slack", team, channel, "U0ANNA"), "weekly on mon 09:00"))
    single_reads = []
    read_one = slack.clients.token_for
    slack.clients.token_for = lambda team: single_reads.append(team) or read_one(team)
    dispatcher = slack_dispatcher(slack, settings, clock)

    clock.advance(timedelta(days=6))  # Monday 7 December, 10:00 UTC: every prompt is due
    sent = dispatcher.run_due()

    posts = [call for call in fake_slack.calls_to("chat.postMessage") if call.ok]
    assert sent == len(channels) and len(posts) == len(channels)
    assert {(call.token, call.params["channel"]) for call in posts} == {
        (token_of(team), channel) for team, channel in channels}
    assert single_reads == [], "the batch's tokens were read together"
    services.db.dispose()


def test_a_batch_waits_out_a_hold_another_process_shared(db: Database, fake_slack: FakeSlack) -> None:
    """Through the real app and dispatcher: another process met a 429 in one workspace and
    shared the hold; this process's batch posts that workspace's prompts after the hold
    and the other workspaces' at once. Only PostgreSQL shares paces (on SQLite a 429 met
    inside a transaction would wait for the write lock)."""
    clock = ManualClock(START)
    settings, services, slack = oauth_app(db, fake_slack, clock)
    if db.dialect != "postgresql":
        assert slack.services.sender.cooldown.board is None
        services.db.dispose()
        return
    install_all(db)
    for team in TEAMS:
        services.engine.handle(Command(Actor("slack", team, f"C{team}", "U0ANNA"), "weekly on mon 09:00"))
    other_process = Database(db.url)
    SharedPaces(other_process).slowed("T0BBB", 3.0)
    held_from = time.time()
    other_process.dispose()

    clock.advance(timedelta(days=6))  # every prompt is due
    assert slack_dispatcher(slack, settings, clock).run_due() == len(TEAMS)

    posted_at = {call.params["channel"]: call.time for call in fake_slack.calls_to("chat.postMessage") if call.ok}
    assert posted_at["CT0BBB"] >= held_from + 2.9
    assert posted_at["CT0AAA"] < held_from + 2.0 and posted_at["CT0CCC"] < held_from + 2.0  # at once
    assert [call.status for call in fake_slack.calls_to("chat.postMessage")] == [200, 200, 200]
    services.db.dispose()
