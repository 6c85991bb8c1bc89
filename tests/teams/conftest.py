"""Fixtures for the Teams tests: the test CA trusted, and a fake of Microsoft's login hosts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.teams import tls
from tests.teams.fake_connector import FakeConnector
from tests.teams.fake_login import FakeLogin
from tests.teams.pki import test_pki

APP_ID = "00000000-0000-0000-0000-00000000b07a"
APP_PASSWORD = "test-client-secret"
TENANT = "11111111-1111-1111-1111-111111111111"
OTHER_TENANT = "22222222-2222-2222-2222-222222222222"


@pytest.fixture
def trust_test_ca(monkeypatch) -> Iterator[None]:
    """The test CA trusted through SSL_CERT_FILE, as an operator would point at a CA file."""
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", str(test_pki().ca_file))
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
