"""Erasing the person who installed the app in a workspace takes their id out of Slack's
installation rows too (the Slack adapter's share of the erasure)."""

from __future__ import annotations

import json
from unittest.mock import ANY

from cryptography.fernet import Fernet

from bot.services import Services, build_services
from bot.settings import load_settings
from bot.slack.app import build_app
from flows.clock import SystemClock
from flows.effects import DirectFile
from flows.events import Actor, Command
from flows.store.db import Database
from tests.privacy.dump import full_dump
from tests.slack.conftest import SECRET
from tests.slack.test_oauth import CLIENT_ID, CLIENT_SECRET, OTHER_TEAM
from tests.slack.test_token_encryption import an_installation, store

INSTALLER = "U0OTHERADMIN"  # who installed an_installation()


def installations_in_export(services: Services, who: Actor) -> list[dict[str, object]] | None:
    """The Slack installation rows the person's data export lists (None when it lists none)."""
    files = [effect.file for effect in services.engine.handle(Command(who, "my-data export"))
             if isinstance(effect, DirectFile)]
    assert len(files) == 1, files
    return json.loads(files[0].content)["also_erased"].get("slack_installations")


def test_the_installers_id_leaves_the_installation_rows(db: Database) -> None:
    key = Fernet.generate_key().decode()
    settings = load_settings(database_url=db.url, slack_client_id=CLIENT_ID, slack_client_secret=CLIENT_SECRET,
                             slack_signing_secret=SECRET, slack_api_url="http://127.0.0.1:9/api/", language="en",
                             secret_key=key)
    services = build_services(settings, SystemClock(), upgrade=False)
    try:
        build_app(settings, services)
        store(db, key).save(an_installation())
        installer = Actor("slack", OTHER_TEAM, "C0ANY", INSTALLER, user_name="Admin")
        services.engine.handle(Command(installer, "status"))  # the person is known here
        assert INSTALLER in full_dump(db)
        # one installation of theirs, without a user token (the store keeps bot tokens only)
        assert installations_in_export(services, installer) == [{"installed_at": ANY, "user_token_kept": False}]
        services.engine.handle(Command(installer, "my-data delete confirm"))
        assert INSTALLER not in full_dump(db)
        assert installations_in_export(services, installer) is None, "nothing of the installer is left to list"
        assert store(db, key).find_bot(enterprise_id=None, team_id=OTHER_TEAM) is not None  # the app still works
    finally:
        services.db.dispose()
