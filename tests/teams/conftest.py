"""Fixtures for the Teams tests: the test CA trusted, and a fake of Microsoft's login hosts."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
import urllib3
from waitress import create_server

from bot.services import build_services
from bot.settings import load_settings
from bot.slack.http import make_wsgi
from bot.teams import tls
from bot.teams.app import build_teams
from bot.teams.main import routes, start_teams_scheduler
from flows.clock import SystemClock
from flows.store.db import Database
from tests.slack.conftest import RunningApp
from tests.teams.card_schema import validate_card
from tests.teams.fake_connector import FakeConnector
from tests.teams.fake_login import FakeLogin
from tests.teams.pki import throwaway_pki

APP_ID = "00000000-0000-0000-0000-00000000b07a"
APP_PASSWORD = "test-client-secret"
TENANT = "11111111-1111-1111-1111-111111111111"
OTHER_TENANT = "22222222-2222-2222-2222-222222222222"


@pytest.fixture
def trust_test_ca(monkeypatch) -> Iterator[None]:
    """The test CA trusted through SSL_CERT_FILE, as an operator would point at a CA file."""
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", str(throwaway_pki().ca_file))
    tls.reset_pool()
    yield
    tls.reset_pool()


@pytest.fixture
def fake_login(trust_test_ca) -> Iterator[FakeLogin]:
    with FakeLogin(client_id=APP_ID, client_secret=APP_PASSWORD) as fake:
        yield fake


@pytest.fixture
def fake_connector(fake_login) -> Iterator[FakeConnector]:
    """The Bot Connector, accepting the tokens the fake login host issued."""
    with FakeConnector(valid_token=lambda token: token in fake_login.issued) as fake:
        yield fake


PUBLIC_URL = "https://goedwerk.example.org"
FAST_PLAN = "kop=3s,handelingen+kennis=2s,waarden+vrijheid=2s,identiteit=1s,staart=2s"


@dataclass
class RunningTeams:
    """goedwerk served over HTTP with Teams on, a fake login host and a fake Bot Connector."""

    url: str
    db: Database
    login: FakeLogin
    connector: FakeConnector

    def send(self, activity: dict, *, token: str | None = None, tenant_token: bool = True) -> int:
        """POST the activity to /api/messages with a token the Bot Framework would sign; the status."""
        if token is None and tenant_token:
            token = self.login.token(audience=APP_ID, service_url=activity.get("serviceUrl", ""))
        headers = {"Content-Type": "application/json", "Connection": "close"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = urllib3.request("POST", self.url + "/api/messages", body=json.dumps(activity).encode(),
                                   headers=headers, retries=False, timeout=30)
        self.last_body = response.data
        return response.status

    def wait_until(self, predicate, timeout: float = 10.0) -> bool:
        return RunningApp.wait_until(self, predicate, timeout)


@contextmanager
def running_teams(db: Database, login: FakeLogin, connector: FakeConnector, **settings: object
                  ) -> Iterator[RunningTeams]:
    """The real app's WSGI stack with Teams on (Slack too when ``settings`` configure it)."""
    settings = load_settings(**{**dict(database_url=db.url, teams_app_id=APP_ID, teams_app_password=APP_PASSWORD,
                                       teams_tenant_id=TENANT, teams_openid_metadata_url=login.metadata_url,
                                       teams_login_url=login.base_url, public_url=PUBLIC_URL,
                                       round_plan=FAST_PLAN, language="en",
                                       dispatch_interval=0.5, work_processes=0), **settings})
    services = build_services(settings, SystemClock(), upgrade=False)
    teams = build_teams(settings, services)
    ticker = start_teams_scheduler(teams, settings, services.engine.clock)
    server = create_server(make_wsgi(None, services.db, settings.max_request_bytes, routes=routes(teams)),
                           host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=_serve, args=(server,), daemon=True)
    thread.start()
    try:
        yield RunningTeams(f"http://127.0.0.1:{server.effective_port}", services.db, login, connector)
        for card in connector.all_cards():
            validate_card(card)
    finally:
        server.close()
        ticker.stop()
        thread.join(timeout=5)
        services.db.dispose()


def _serve(server) -> None:
    try:
        server.run()
    except OSError:  # closing the server while it waits ends its loop this way
        pass


@pytest.fixture
def teams_app(db, fake_login, fake_connector) -> Iterator[RunningTeams]:
    with running_teams(db, fake_login, fake_connector) as app:
        yield app


def last_json(app: RunningTeams) -> dict:
    return json.loads(app.last_body)
