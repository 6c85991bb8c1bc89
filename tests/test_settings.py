"""Settings: the defaults, and one ``VARIABLE: problem`` line per bad value."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import AliasChoices

from bot.settings import Settings, SettingsError, load_settings


def _variable(name: str, field) -> str:
    alias = field.validation_alias
    if isinstance(alias, str):
        return alias
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return name.upper()


VARIABLES = [_variable(name, field) for name, field in Settings.model_fields.items()]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    """No goedwerk variable set and no ``.env`` to read: a working directory of our own."""
    for variable in VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "mysql://x"),
        ("GOEDWERK_LANGUAGE", "fr"),
        ("GOEDWERK_TIMEZONE", "Mars/Base"),
        ("GOEDWERK_ROUND_PLAN", "kop=1x"),
        ("GOEDWERK_CONTENT_DIR", "/nonexistent"),
        ("SLACK_API_URL", "ftp://x"),
        ("GOEDWERK_DISPATCH_INTERVAL", "-1"),
        ("TEAMS_OPENID_METADATA_URL", "http://login.example/metadata"),
        ("TEAMS_LOGIN_URL", "ftp://login.example"),
        ("GOEDWERK_PUBLIC_URL", "http://goedwerk.example"),
        ("TEAMS_APP_ID", "two ids"),
        ("TEAMS_ALLOWED_TENANTS", "good-tenant,bad tenant"),
    ],
)
def test_a_bad_value_names_its_variable(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)

    with pytest.raises(SettingsError) as raised:
        load_settings()

    message = str(raised.value)
    assert message.startswith(f"{variable}: ")
    assert "\n" not in message
    assert len(message) > len(variable) + 2


def test_defaults():
    settings = load_settings()

    assert settings.database_url == "sqlite:///goedwerk.db"
    assert settings.language == "nl"
    assert settings.timezone == "Europe/Amsterdam"
    assert str(settings.zone) == "Europe/Amsterdam"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.content_dir is None
    assert not settings.slack_configured
    assert not settings.teams_configured
    assert settings.teams_openid_metadata_url == "https://login.botframework.com/v1/.well-known/openidconfiguration"
    assert settings.teams_login_url == "https://login.microsoftonline.com"
    assert settings.teams_tenants == frozenset()
    assert settings.public_url is None


def test_dotenv_in_the_working_directory_is_read(tmp_path):
    Path(tmp_path, ".env").write_text("GOEDWERK_LANGUAGE=en\n", encoding="utf-8")
    assert load_settings().language == "en"


def test_good_values_are_taken(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/goedwerk")
    monkeypatch.setenv("GOEDWERK_TIMEZONE", "UTC")
    monkeypatch.setenv("GOEDWERK_CONTENT_DIR", str(tmp_path))
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:8080/api")
    monkeypatch.setenv("GOEDWERK_DISPATCH_INTERVAL", "0.5")
    monkeypatch.setenv("SLACK_BOT_TOKEN", " ")

    settings = load_settings()

    assert settings.database_url.startswith("postgresql://")
    assert settings.content_dir == tmp_path
    assert settings.slack_api_url == "http://127.0.0.1:8080/api/"
    assert settings.dispatch_interval == 0.5
    assert settings.slack_bot_token is None


def test_teams_values_are_taken(monkeypatch):
    monkeypatch.setenv("TEAMS_APP_ID", "00000000-0000-0000-0000-00000000b07a")
    monkeypatch.setenv("TEAMS_APP_PASSWORD", "s3cret")
    monkeypatch.setenv("TEAMS_TENANT_ID", "Tenant-A")
    monkeypatch.setenv("TEAMS_ALLOWED_TENANTS", " tenant-b , ,tenant-c")
    monkeypatch.setenv("TEAMS_LOGIN_URL", "https://127.0.0.1:8443/")
    monkeypatch.setenv("GOEDWERK_PUBLIC_URL", "https://goedwerk.example/")

    settings = load_settings()

    assert settings.teams_configured
    assert settings.teams_tenants == {"tenant-a", "tenant-b", "tenant-c"}
    assert settings.teams_login_url == "https://127.0.0.1:8443"
    assert settings.public_url == "https://goedwerk.example"
    assert "s3cret" not in repr(settings)
