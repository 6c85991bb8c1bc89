"""Settings that belong together are checked together, so every entry point refuses the
same bad combination with the same one line and exit code 2, and no token is ever stored
in plain text."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from bot import cli
from bot.services import build_services
from bot.settings import Settings, SettingsError, load_settings
from bot.slack.app import build_app
from flows.clock import SystemClock
from flows.store.db import Database
from tests.test_settings import VARIABLES

OAUTH_WITHOUT_KEY = {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "shh", "SLACK_SIGNING_SECRET": "sig"}
HTTP_WITHOUT_SIGNING_SECRET = {"SLACK_BOT_TOKEN": "xoxb-1"}
OAUTH_WITHOUT_CLIENT_SECRET = {"SLACK_CLIENT_ID": "1.2", "SLACK_SIGNING_SECRET": "sig",
                               "GOEDWERK_SECRET_KEY": Fernet.generate_key().decode()}
APP_TOKEN_ALONE = {"SLACK_APP_TOKEN": "xapp-1"}
COMBINATIONS = {
    "oauth-without-key": (OAUTH_WITHOUT_KEY, "GOEDWERK_SECRET_KEY: "),
    "http-without-signing-secret": (HTTP_WITHOUT_SIGNING_SECRET, "SLACK_SIGNING_SECRET: "),
    "oauth-without-client-secret": (OAUTH_WITHOUT_CLIENT_SECRET, "SLACK_CLIENT_SECRET: "),
    "app-token-alone": (APP_TOKEN_ALONE, "SLACK_BOT_TOKEN: "),
}
ENTRY_POINTS = {
    "run": ["run", "--port", "0"],
    "scheduler": ["scheduler"],
    "console": ["console"],
    "export": ["export", "--channel", "C1"],
    "db repair": ["db", "repair"],
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    for variable in VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'goedwerk.db'}")


@pytest.mark.parametrize("combination", COMBINATIONS)
def test_every_entry_point_refuses_the_same_bad_combination_in_the_same_line(monkeypatch, capsys,
                                                                            combination: str) -> None:
    variables, start = COMBINATIONS[combination]
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    lines = set()
    for name, argv in ENTRY_POINTS.items():
        assert cli.main(argv) == 2, name
        captured = capsys.readouterr()
        err = captured.err.strip().splitlines()
        assert len(err) == 1 and captured.out == "", (name, captured)
        assert err[0].startswith("goedwerk: " + start) and "Traceback" not in err[0], (name, err)
        lines.add(err[0])
    assert len(lines) == 1, lines


def test_good_combinations_pass(monkeypatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1")  # socket mode: no signing secret needed
    assert load_settings().slack_app_token == "xapp-1"
    monkeypatch.delenv("SLACK_APP_TOKEN")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "sig")
    assert load_settings().slack_bot_token == "xoxb-1"
    for name, value in OAUTH_WITHOUT_KEY.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("GOEDWERK_SECRET_KEY", Fernet.generate_key().decode())
    assert load_settings().slack_client_id == "1.2"


def test_no_code_path_builds_a_plain_text_token_store(db: Database) -> None:
    """Even settings made past the checks (as a library caller could) get no plain-text store."""
    settings = Settings.model_construct(**{**load_settings(database_url=db.url).__dict__,
                                           "slack_client_id": "1.2", "slack_client_secret": "shh",
                                           "slack_signing_secret": "sig", "secret_key": None})
    services = build_services(settings, SystemClock(), upgrade=False)
    try:
        with pytest.raises(ValueError, match="GOEDWERK_SECRET_KEY"):
            build_app(settings, services)
    finally:
        services.db.dispose()


def test_the_message_names_the_variable_even_when_loaded_in_code() -> None:
    with pytest.raises(SettingsError, match=r"^GOEDWERK_SECRET_KEY: needed"):
        load_settings(slack_client_id="1.2", slack_client_secret="shh", slack_signing_secret="sig")
