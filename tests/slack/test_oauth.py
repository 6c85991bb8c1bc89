"""Installing goedwerk into several workspaces (OAuth v2), end to end and offline.

The real Bolt app with ``SLACK_CLIENT_ID``/``SLACK_CLIENT_SECRET`` serves HTTP; the fake
Web API answers ``oauth.v2.access``. Install page → redirect with code and state →
tokens in ``slack_bots``/``slack_installations`` → a slash command from the new
workspace is answered with that workspace's token → revocation and uninstall remove
the rows again. Runs on SQLite and PostgreSQL (``db`` fixture).
"""

from __future__ import annotations

import base64
import html
import http.client
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select
from waitress import create_server

from bot.runtime import inbox
from bot.services import build_services
from bot.settings import load_settings
from bot.slack import installation_tables
from bot.slack.app import BOT_SCOPES, build_app
from bot.slack.http import make_wsgi
from bot.slack.request_work import workers_here
from bot.slack.token_crypto import TokenCipher
from flows.clock import SystemClock
from flows.store.db import Database
from flows.store.models import Workspace
from tests.slack.conftest import SECRET, validate_payloads, wait_for
from tests.slack.fake_slack import Call, FakeSlack, Headers, SlackError
from tests.slack.signing import event_body, post, slash_command_body

CLIENT_ID = "1111111111.2222222222"
CLIENT_SECRET = "oauth-client-secret"
OTHER_TEAM = "T0OTHER"
OTHER_TOKEN = "xoxb-other"
OTHER_BOT_USER = "U0OTHERBOT"
INSTALLER = "U0OTHERADMIN"
APP_ID = "A0GOEDWERK"
CODE = "abc"
KEY = Fernet.generate_key().decode()
"""GOEDWERK_SECRET_KEY of the OAuth app (OAuth settings need one)."""


class OAuthFakeSlack(FakeSlack):
    """The fake Web API, also accepting HTTP Basic auth (client id and secret).

    slack_sdk sends ``oauth.v2.access`` with ``Authorization: Basic base64(id:secret)``,
    as Slack documents; :class:`FakeSlack` only knows Bearer tokens. Here the decoded
    ``id:secret`` becomes the call's ``token``, so a test can check it.
    """

    def _api(self, method: str, query: str, raw: bytes, headers: Headers) -> tuple[int, dict[str, str], dict]:
        auth = headers.get("Authorization") or ""
        if not auth.startswith("Basic "):
            return super()._api(method, query, raw, headers)
        received = time.time()
        params = self._parse_params(query, raw, headers)
        token = base64.b64decode(auth[len("Basic "):]).decode()
        with self._changed:
            status, extra, body = self._answer(method, params, token)
            self._calls.append(Call(method, params, headers, token, received, status, body))
            self._changed.notify_all()
        return status, extra, body


def oauth_v2_access(params: dict[str, Any]) -> dict[str, Any]:
    """What Slack answers for a bot-only install into OTHER_TEAM (fields beside ``ok``)."""
    if params.get("code") != CODE:
        raise SlackError("invalid_code")
    return {
        "access_token": OTHER_TOKEN,
        "token_type": "bot",
        "scope": ",".join(BOT_SCOPES),
        "bot_user_id": OTHER_BOT_USER,
        "app_id": APP_ID,
        "team": {"id": OTHER_TEAM, "name": "Andere Gemeente"},
        "enterprise": None,
        "is_enterprise_install": False,
        "authed_user": {"id": INSTALLER},
    }


@dataclass
class OAuthApp:
    url: str
    fake: OAuthFakeSlack
    db: Database

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
        """GET without following redirects; header names lower-cased (Set-Cookie values joined)."""
        parts = urlsplit(self.url)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
        try:
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
            answered: dict[str, str] = {}
            for name, value in response.getheaders():
                key = name.lower()
                answered[key] = f"{answered[key]}, {value}" if key in answered else value
            return response.status, answered, response.read().decode("utf-8")
        finally:
            connection.close()

    def send(self, body: str) -> tuple[int, dict, str]:
        return post(self.url + "/slack/events", body, SECRET)

    def rows(self, table: str, team: str = OTHER_TEAM) -> int:
        tables = {"bots": installation_tables.bots, "installations": installation_tables.installations}
        chosen = tables[table]
        with self.db.engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(chosen).where(chosen.c.team_id == team))


def serve(server) -> None:
    try:
        server.run()
    except OSError:
        pass  # closed from the test thread while waiting in select(), as on SIGTERM in bot/slack/main.py


@pytest.fixture
def oauth_app(db: Database) -> Iterator[OAuthApp]:
    with OAuthFakeSlack() as fake:
        fake.on("oauth.v2.access", oauth_v2_access)
        settings = load_settings(database_url=db.url, slack_client_id=CLIENT_ID, slack_client_secret=CLIENT_SECRET,
                                 slack_signing_secret=SECRET, slack_api_url=fake.base_url, language="en",
                                 secret_key=KEY)
        services = build_services(settings, SystemClock(), upgrade=False)
        slack = build_app(settings, services)
        work = workers_here(slack, settings)
        server = create_server(make_wsgi(slack.app, services.db), host="127.0.0.1", port=0, threads=8)
        thread = threading.Thread(target=serve, args=(server,), daemon=True)
        thread.start()
        try:
            yield OAuthApp(f"http://127.0.0.1:{server.effective_port}", fake, services.db)
            validate_payloads(fake)
        finally:
            server.close()
            work.stop()
            thread.join(timeout=5)
            services.db.dispose()


def install(app: OAuthApp) -> tuple[int, str]:
    """Open the install page, then come back from Slack with a code; (status, page) of the redirect."""
    status, headers, page = app.get("/slack/install")
    if status == 302:
        link = headers["location"]
    else:
        assert status == 200, page
        found = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', page)
        assert found, page
        link = html.unescape(found.group(1))
    query = parse_qs(urlsplit(link).query)
    assert query["client_id"] == [CLIENT_ID]
    assert set(query["scope"][0].split(",")) == set(BOT_SCOPES)
    state = query["state"][0]
    cookie = re.search(r"slack-app-oauth-state=([^;]+)", headers.get("set-cookie", ""))
    assert cookie and cookie.group(1) == state  # the browser keeps it and sends it back
    status, _, page = app.get("/slack/oauth_redirect?" + urlencode({"code": CODE, "state": state}),
                              headers={"Cookie": f"slack-app-oauth-state={state}"})
    return status, page


def wait_until(predicate, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def uninstalled_at(db: Database):
    """When the app's own listener marked OTHER_TEAM's workspace as uninstalled (None: not yet)."""
    with db.transaction() as session:
        return session.scalars(select(Workspace.uninstalled_at).where(Workspace.external_id == OTHER_TEAM)).one()


def settle(app: OAuthApp, timeout: float = 10.0) -> None:
    """Wait until every request sent so far is handled: each is a row in the inbox from
    before its ack until its work is done."""
    wait_for(lambda: inbox.waiting(app.db) == 0, timeout, "handling every request")


def test_a_second_workspace_installs_uses_and_uninstalls_goedwerk(oauth_app: OAuthApp) -> None:
    fake = oauth_app.fake
    assert oauth_app.rows("bots") == 0

    status, page = install(oauth_app)
    assert status == 200, page
    exchange = fake.last("oauth.v2.access")
    assert exchange.ok and exchange.params["code"] == CODE
    assert exchange.token == f"{CLIENT_ID}:{CLIENT_SECRET}"  # Basic auth, as Slack wants it
    assert oauth_app.rows("bots") == 1 and oauth_app.rows("installations") == 1
    with oauth_app.db.engine.connect() as connection:
        bot = connection.execute(select(installation_tables.bots).where(
            installation_tables.bots.c.team_id == OTHER_TEAM)).one()
    assert (bot.bot_user_id, bot.client_id) == (OTHER_BOT_USER, CLIENT_ID)
    assert bot.bot_token != OTHER_TOKEN and TokenCipher(KEY).decrypt(bot.bot_token) == OTHER_TOKEN  # stored encrypted

    # the new workspace's people use it: Web API calls carry that workspace's token
    status, _, _ = oauth_app.send(slash_command_body(text="start 2", team_id=OTHER_TEAM))
    assert status == 200
    kickoff = fake.wait_for("chat.postMessage", timeout=5)[0]
    assert kickoff.headers["Authorization"] == f"Bearer {OTHER_TOKEN}"
    assert kickoff.ok
    settle(oauth_app)
    assert {call.token for call in fake.calls if call.time >= kickoff.time} == {OTHER_TOKEN}

    # an admin revokes the token, then removes the app
    fake.revoked_tokens.add(OTHER_TOKEN)
    revoked = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": [OTHER_BOT_USER]},
               "event_ts": "1700000100.000100"}
    status, _, _ = oauth_app.send(event_body(revoked, team_id=OTHER_TEAM))
    assert status == 200
    assert wait_until(lambda: oauth_app.rows("bots") == 0)  # listeners run after the ack

    status, _, _ = oauth_app.send(event_body({"type": "app_uninstalled", "event_ts": "1700000200.000100"},
                                             team_id=OTHER_TEAM))
    assert status == 200
    assert wait_until(lambda: oauth_app.rows("installations") == 0 and uninstalled_at(oauth_app.db) is not None)
    assert oauth_app.rows("bots") == 0

    # the workspace is forgotten: a late command gets Bolt's "not installed" answer, no Web API call
    calls = len(fake.calls)
    status, _, _ = oauth_app.send(slash_command_body(text="status", team_id=OTHER_TEAM,
                                                     response_url=fake.response_url("late")))
    assert status == 200
    assert wait_until(lambda: len(fake.responses) == 1)
    assert fake.responses[0]["name"] == "late"
    assert len(fake.calls) == calls


def test_a_redirect_without_the_state_cookie_installs_nothing(oauth_app: OAuthApp) -> None:
    status, headers, page = oauth_app.get("/slack/install")
    state = re.search(r"slack-app-oauth-state=([^;]+)", headers.get("set-cookie", "")).group(1)
    status, _, _ = oauth_app.get("/slack/oauth_redirect?" + urlencode({"code": CODE, "state": state}))
    assert status == 400
    assert oauth_app.fake.calls_to("oauth.v2.access") == []
    assert oauth_app.rows("bots") == 0 and oauth_app.rows("installations") == 0
