"""Slack tokens at rest are encrypted with GOEDWERK_SECRET_KEY (bot/slack/token_crypto.py).

An OAuth install through the real app leaves only ``fernet:…`` values in
``slack_bots``/``slack_installations`` while the app still talks to Slack with the
plain token; ``goedwerk keys rotate`` re-encrypts with a new first key (and encrypts
legacy plain values); a wrong key is a clear error, never a crash or a leaked token.
Runs on SQLite and PostgreSQL (``db`` fixture).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import select
from waitress import create_server

from bot import cli
from bot.services import build_services
from bot.settings import SettingsError, load_settings
from bot.slack import installation_tables
from bot.slack.app import build_app
from bot.slack.http import make_wsgi
from bot.slack.request_work import workers_here
from bot.slack.token_crypto import EncryptedInstallationStore, TokenCipher, TokenKeyError
from flows.clock import SystemClock
from flows.store.db import Database
from tests.slack.conftest import SECRET
from tests.slack.signing import slash_command_body
from tests.slack.test_oauth import (
    APP_ID,
    CLIENT_ID,
    CLIENT_SECRET,
    OTHER_BOT_USER,
    OTHER_TEAM,
    OTHER_TOKEN,
    OAuthApp,
    OAuthFakeSlack,
    install,
    oauth_v2_access,
    serve,
    settle,
    wait_until,
)
from tests.slack.test_run_process import ROOT, clean_env, free_port, goedwerk

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()
TABLES = {"bots": installation_tables.bots, "installations": installation_tables.installations}


def raw_rows(db: Database, table: str) -> list[dict]:
    """The rows exactly as stored, bypassing any store."""
    with db.engine.connect() as connection:
        return [dict(row) for row in connection.execute(select(TABLES[table])).mappings()]


def raw_tokens(db: Database) -> list[str]:
    return [row["bot_token"] for table in TABLES for row in raw_rows(db, table)]


def store(db: Database, key: str | None) -> SQLAlchemyInstallationStore:
    tables = dict(client_id=CLIENT_ID, engine=db.engine, bots_table_name=installation_tables.BOTS_TABLE,
                  installations_table_name=installation_tables.INSTALLATIONS_TABLE)
    if key is None:
        return SQLAlchemyInstallationStore(**tables)
    return EncryptedInstallationStore(**tables, cipher=TokenCipher(key))


def an_installation() -> Installation:
    return Installation(app_id=APP_ID, enterprise_id=None, team_id=OTHER_TEAM, team_name="Andere Gemeente",
                        bot_token=OTHER_TOKEN, bot_id="B0OTHER", bot_user_id=OTHER_BOT_USER,
                        bot_scopes=["commands", "chat:write"], user_id="U0OTHERADMIN",
                        incoming_webhook_url="https://hooks.slack.com/services/T0/B0/x")


def keys_cli(monkeypatch, tmp_path: Path, db: Database, key: str, *args: str) -> int:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's checkout
    for variable in ("SLACK_BOT_TOKEN", "SLACK_CLIENT_ID", "SLACK_APP_TOKEN", "GOEDWERK_CONTENT_DIR"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("DATABASE_URL", db.url)
    monkeypatch.setenv("GOEDWERK_SECRET_KEY", key)
    return cli.main(["keys", *args])


@pytest.fixture
def encrypted_app(db: Database) -> Iterator[OAuthApp]:
    with OAuthFakeSlack() as fake:
        fake.on("oauth.v2.access", oauth_v2_access)
        settings = load_settings(database_url=db.url, slack_client_id=CLIENT_ID, slack_client_secret=CLIENT_SECRET,
                                 slack_signing_secret=SECRET, slack_api_url=fake.base_url, language="en",
                                 secret_key=KEY_A)
        services = build_services(settings, SystemClock(), upgrade=False)
        slack = build_app(settings, services)
        work = workers_here(slack, settings)
        server = create_server(make_wsgi(slack.app, services.db), host="127.0.0.1", port=0, threads=8)
        thread = threading.Thread(target=serve, args=(server,), daemon=True)
        thread.start()
        try:
            yield OAuthApp(f"http://127.0.0.1:{server.effective_port}", fake, services.db)
        finally:
            server.close()
            work.stop()
            thread.join(timeout=5)
            services.db.dispose()


def test_an_oauth_install_stores_only_ciphertext_and_the_app_uses_the_plain_token(
        encrypted_app: OAuthApp, caplog) -> None:
    caplog.set_level(logging.INFO)
    status, page = install(encrypted_app)
    assert status == 200, page

    for table in TABLES:
        rows = raw_rows(encrypted_app.db, table)
        assert len(rows) == 1
        assert not any("xoxb-" in str(value) for value in rows[0].values()), table
        assert rows[0]["bot_token"].startswith("fernet:")
        assert TokenCipher(KEY_A).decrypt(rows[0]["bot_token"]) == OTHER_TOKEN

    status, _, _ = encrypted_app.send(slash_command_body(text="start 2", team_id=OTHER_TEAM))
    assert status == 200
    kickoff = encrypted_app.fake.wait_for("chat.postMessage", timeout=5)[0]
    assert kickoff.headers["Authorization"] == f"Bearer {OTHER_TOKEN}"
    assert kickoff.ok
    settle(encrypted_app)
    # neither the token, the client secret nor the signing secret reached a log line
    for secret in (OTHER_TOKEN, CLIENT_SECRET, SECRET, KEY_A):
        assert secret not in caplog.text


def test_every_token_field_is_encrypted_and_read_back(db: Database) -> None:
    installation = an_installation()
    installation.user_token = "xoxp-user"
    installation.bot_refresh_token = "xoxe-1-bot"
    installation.user_refresh_token = "xoxe-1-user"
    store(db, KEY_A).save(installation)

    assert installation.bot_token == OTHER_TOKEN  # the caller's object is left alone
    [row] = raw_rows(db, "installations")
    fields = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token", "incoming_webhook_url")
    assert all(row[field].startswith("fernet:") for field in fields)
    [bot_row] = raw_rows(db, "bots")
    assert bot_row["bot_token"].startswith("fernet:") and bot_row["bot_refresh_token"].startswith("fernet:")
    assert TokenCipher(KEY_A).decrypt(bot_row["bot_token"]) == OTHER_TOKEN  # encrypted once, not twice

    found = store(db, KEY_A).find_installation(enterprise_id=None, team_id=OTHER_TEAM)
    assert (found.bot_token, found.user_token, found.bot_refresh_token, found.user_refresh_token) == (
        OTHER_TOKEN, "xoxp-user", "xoxe-1-bot", "xoxe-1-user")
    assert found.incoming_webhook_url == "https://hooks.slack.com/services/T0/B0/x"
    bot = store(db, KEY_A).find_bot(enterprise_id=None, team_id=OTHER_TEAM)
    assert (bot.bot_token, bot.bot_refresh_token) == (OTHER_TOKEN, "xoxe-1-bot")


def test_rotation_re_encrypts_with_the_new_first_key(db: Database, monkeypatch, tmp_path: Path, capsys) -> None:
    store(db, KEY_A).save(an_installation())
    before = raw_tokens(db)

    # the old key dropped without rotating: the tokens cannot be read
    with pytest.raises(TokenKeyError):
        store(db, KEY_B).find_bot(enterprise_id=None, team_id=OTHER_TEAM)

    assert keys_cli(monkeypatch, tmp_path, db, f"{KEY_B},{KEY_A}", "rotate") == 0
    out = capsys.readouterr().out
    assert "Re-encrypted 3 token(s) in 2 row(s)" in out and "(0 of them were stored in plain text)" in out
    assert "xox" not in out and "fernet:" not in out

    after = raw_tokens(db)
    assert all(token.startswith("fernet:") for token in after)
    assert set(after).isdisjoint(before)
    # now the old key may go: the new one alone reads everything
    assert store(db, KEY_B).find_bot(enterprise_id=None, team_id=OTHER_TEAM).bot_token == OTHER_TOKEN
    found = store(db, KEY_B).find_installation(enterprise_id=None, team_id=OTHER_TEAM)
    assert found.bot_token == OTHER_TOKEN
    assert found.incoming_webhook_url == "https://hooks.slack.com/services/T0/B0/x"
    with pytest.raises(TokenKeyError):
        store(db, KEY_A).find_bot(enterprise_id=None, team_id=OTHER_TEAM)


def test_legacy_plain_tokens_are_read_and_encrypted_by_rotation(db: Database, monkeypatch, tmp_path: Path,
                                                                 capsys) -> None:
    store(db, None).save(an_installation())  # written before encryption existed
    assert raw_tokens(db) == [OTHER_TOKEN, OTHER_TOKEN]
    assert store(db, KEY_A).find_bot(enterprise_id=None, team_id=OTHER_TEAM).bot_token == OTHER_TOKEN

    assert keys_cli(monkeypatch, tmp_path, db, KEY_A, "rotate") == 0
    assert "(3 of them were stored in plain text)" in capsys.readouterr().out
    assert not any("xoxb-" in str(value) for table in TABLES for row in raw_rows(db, table)
                   for value in row.values())
    assert store(db, KEY_A).find_bot(enterprise_id=None, team_id=OTHER_TEAM).bot_token == OTHER_TOKEN


def test_a_wrong_key_is_a_clear_error_not_a_crash(db: Database, monkeypatch, tmp_path: Path, capsys,
                                                 caplog) -> None:
    store(db, KEY_A).save(an_installation())
    before = raw_tokens(db)

    with pytest.raises(TokenKeyError) as raised:
        store(db, KEY_B).find_installation(enterprise_id=None, team_id=OTHER_TEAM)
    assert "GOEDWERK_SECRET_KEY" in str(raised.value)

    # rotate: one line, exit 2, nothing changed
    assert keys_cli(monkeypatch, tmp_path, db, KEY_B, "rotate") == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("goedwerk: ") and "GOEDWERK_SECRET_KEY" in lines[0]
    assert "Traceback" not in captured.err and captured.out == ""
    assert raw_tokens(db) == before

    # the app: that workspace counts as not installed (a clear log line), no crash, no Web API call
    caplog.set_level(logging.INFO)
    with OAuthFakeSlack() as fake:
        settings = load_settings(database_url=db.url, slack_client_id=CLIENT_ID, slack_client_secret=CLIENT_SECRET,
                                 slack_signing_secret=SECRET, slack_api_url=fake.base_url, language="en",
                                 secret_key=KEY_B)
        services = build_services(settings, SystemClock(), upgrade=False)
        slack = build_app(settings, services)
        work = workers_here(slack, settings)
        server = create_server(make_wsgi(slack.app, services.db), host="127.0.0.1", port=0, threads=4)
        thread = threading.Thread(target=serve, args=(server,), daemon=True)
        thread.start()
        try:
            app = OAuthApp(f"http://127.0.0.1:{server.effective_port}", fake, services.db)
            status, _, _ = app.send(slash_command_body(text="start 2", team_id=OTHER_TEAM,
                                                       response_url=fake.response_url("refused")))
            assert status == 200
            assert wait_until(lambda: len(fake.responses) == 1)
            assert fake.calls == []
            # timed work for that team finds no token instead of raising
            assert slack.clients.for_team(OTHER_TEAM) is None
        finally:
            server.close()
            work.stop()
            thread.join(timeout=5)
            services.db.dispose()
    assert "cannot be decrypted with GOEDWERK_SECRET_KEY" in caplog.text
    for secret in (OTHER_TOKEN, KEY_A, KEY_B):
        assert secret not in caplog.text


@pytest.mark.parametrize(("value", "problem"), [
    ("not-a-fernet-key", "key 1 of 1 is not a Fernet key"),
    (f"{KEY_A},short", "key 2 of 2 is not a Fernet key"),
    (",", "no key given"),
])
def test_a_malformed_key_is_a_settings_error_naming_the_variable(monkeypatch, tmp_path: Path, value: str,
                                                                 problem: str) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GOEDWERK_SECRET_KEY", value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    assert message.startswith("GOEDWERK_SECRET_KEY: ") and problem in message and "\n" not in message
    assert "not-a-fernet-key" not in message and "short" not in message  # a secret is never echoed


def test_keys_are_read_in_order_and_blank_is_unset(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GOEDWERK_SECRET_KEY", f" {KEY_B} , {KEY_A} ")
    settings = load_settings()
    assert settings.secret_key == f"{KEY_B},{KEY_A}"
    assert KEY_B not in repr(settings)
    monkeypatch.setenv("GOEDWERK_SECRET_KEY", "  ")
    assert load_settings().secret_key is None


def test_keys_new_prints_a_fresh_key(capsys) -> None:
    assert cli.main(["keys", "new"]) == 0
    first = capsys.readouterr().out.strip()
    assert cli.main(["keys", "new"]) == 0
    second = capsys.readouterr().out.strip()
    assert first != second
    Fernet(first)
    Fernet(second)


def test_keys_rotate_without_a_key_exits_2(monkeypatch, tmp_path: Path, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GOEDWERK_SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'goedwerk.db'}")
    assert cli.main(["keys", "rotate"]) == 2
    assert capsys.readouterr().err.startswith("goedwerk: GOEDWERK_SECRET_KEY is not set")


def test_goedwerk_run_for_many_workspaces_without_a_key_exits_2_with_one_line(tmp_path: Path) -> None:
    env = clean_env(SLACK_CLIENT_ID=CLIENT_ID, SLACK_CLIENT_SECRET=CLIENT_SECRET, SLACK_SIGNING_SECRET=SECRET,
                    DATABASE_URL=f"sqlite:///{tmp_path / 'goedwerk.db'}", PYTHONPATH=str(ROOT))
    process = goedwerk(["run", "--port", str(free_port())], env, tmp_path)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("goedwerk: ") and "GOEDWERK_SECRET_KEY" in lines[0]
    assert "Traceback" not in err and out == ""


def test_an_encrypted_bot_token_fits_slack_sdks_200_character_column() -> None:
    """PostgreSQL enforces String(200); tokens up to 79 characters fit once encrypted.

    Longer values (rotating tokens, incoming webhook URLs) would need wider columns; the
    app uses neither (manifest.yml: bot scopes only, token rotation off).
    """
    cipher = TokenCipher(KEY_A)
    bot_token = "xoxb-" + "1" * 13 + "-" + "2" * 13 + "-" + "a" * 24  # the length Slack issues
    assert len(cipher.encrypt(bot_token)) <= 200
    assert len(cipher.encrypt("x" * 79)) <= 200
