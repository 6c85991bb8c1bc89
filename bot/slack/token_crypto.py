"""Slack tokens at rest: encrypted with Fernet keys from ``GOEDWERK_SECRET_KEY``.

:class:`EncryptedInstallationStore` is slack_sdk's SQLAlchemy store that encrypts
every token field before it is written and decrypts it where a row becomes a
``Bot``/``Installation`` (slack_sdk's entity builders), so everything above the
store — Bolt's authorization, our ``token_for`` — sees plain tokens and the
database sees only ``fernet:…`` values. Values without the prefix are legacy plain
tokens: they are still read, and :func:`rotate` encrypts them.

Several keys may be given, comma-separated: the first encrypts, all decrypt
(:class:`~cryptography.fernet.MultiFernet`), so a key is replaced by putting the new
one first, running ``goedwerk keys rotate`` and then removing the old one.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import Engine, Table, select, update

from bot.settings import secret_keys
from bot.slack.installation_store import BatchInstallationStore

PREFIX = "fernet:"
#: Token fields of ``slack_bots`` rows and ``Bot`` objects.
BOT_FIELDS = ("bot_token", "bot_refresh_token")
#: Token fields of ``slack_installations`` rows and ``Installation`` objects.
INSTALLATION_FIELDS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token", "incoming_webhook_url")


class TokenKeyError(Exception):
    """A stored token cannot be decrypted with the configured keys; the text names no secret."""


def new_key() -> str:
    """A fresh Fernet key, as text for GOEDWERK_SECRET_KEY."""
    return Fernet.generate_key().decode("ascii")


class TokenCipher:
    """Encrypts with the first key, decrypts with any; plain (legacy) values pass through."""

    def __init__(self, secret_key: str) -> None:
        keys = secret_keys(secret_key)
        if not keys:
            raise ValueError("GOEDWERK_SECRET_KEY holds no key")
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    @staticmethod
    def is_encrypted(value: str | None) -> bool:
        return isinstance(value, str) and value.startswith(PREFIX)

    def encrypt(self, value: str | None) -> str | None:
        """``fernet:…`` for a plain value; None and already encrypted values unchanged."""
        if value is None or self.is_encrypted(value):
            return value
        return PREFIX + self._fernet.encrypt(value.encode("utf-8")).decode("ascii")

    def decrypt(self, value: str | None) -> str | None:
        """The plain value; a value without the prefix is legacy plain text and returned as is."""
        if value is None or not self.is_encrypted(value):
            return value
        try:
            return self._fernet.decrypt(value[len(PREFIX):].encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise TokenKeyError("a stored Slack token cannot be decrypted with GOEDWERK_SECRET_KEY: "
                                "the key that encrypted it is not among the configured keys") from None

    def reencrypt(self, value: str | None) -> str | None:
        """The value encrypted with the first key, whatever key (or none) it had."""
        if value is None:
            return None
        return self.encrypt(self.decrypt(value))


class EncryptedInstallationStore(BatchInstallationStore):
    """slack_sdk's SQLAlchemy installation store with every token encrypted at rest."""

    def __init__(self, *args: Any, cipher: TokenCipher, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cipher = cipher

    # writing: encrypt a copy, never the caller's object (Bolt keeps using it)

    def save(self, installation: Installation) -> None:
        encrypted = copy.copy(installation)
        for field in INSTALLATION_FIELDS:
            setattr(encrypted, field, self.cipher.encrypt(getattr(installation, field, None)))
        super().save(encrypted)  # calls save_bot(encrypted.to_bot()): encrypt() leaves those as they are

    def save_bot(self, bot: Bot) -> None:
        encrypted = copy.copy(bot)
        for field in BOT_FIELDS:
            setattr(encrypted, field, self.cipher.encrypt(getattr(bot, field, None)))
        super().save_bot(encrypted)

    # reading: slack_sdk's find_* turn each row into an entity through these builders

    def _decrypted(self, row: Mapping[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
        plain = dict(row)
        for field in fields:
            if field in plain:
                plain[field] = self.cipher.decrypt(plain[field])
        return plain

    def build_installation_entity(self, row) -> Installation:  # type: ignore[override]
        return SQLAlchemyInstallationStore.build_installation_entity(self._decrypted(row, INSTALLATION_FIELDS))

    def build_bot_entity(self, row) -> Bot:  # type: ignore[override]
        return SQLAlchemyInstallationStore.build_bot_entity(self._decrypted(row, BOT_FIELDS))

    def readable_bot(self, row) -> Bot | None:
        """The row as a ``Bot``; None when no configured key decrypts its token."""
        try:
            return self.build_bot_entity(row)
        except TokenKeyError:
            return None


@dataclass
class RotationCounts:
    rows: int = 0  # rows with at least one token
    tokens: int = 0  # token values re-encrypted
    plain: int = 0  # of those, stored in plain text before


def rotate(engine: Engine, tables: list[tuple[Table, tuple[str, ...]]], cipher: TokenCipher) -> RotationCounts:
    """Re-encrypt every token in ``tables`` with the first key, in one transaction.

    Raises :class:`TokenKeyError` (and changes nothing) when a token was encrypted with
    a key that is not configured.
    """
    counts = RotationCounts()
    with engine.begin() as connection:
        for table, fields in tables:
            columns = [table.c[field] for field in fields if field in table.c]
            for row in connection.execute(select(table.c.id, *columns)).mappings().all():
                changes = {}
                for column in columns:
                    value = row[column.name]
                    if value is None:
                        continue
                    counts.plain += not cipher.is_encrypted(value)
                    changes[column.name] = cipher.reencrypt(value)
                if changes:
                    connection.execute(update(table).where(table.c.id == row["id"]).values(**changes))
                    counts.rows += 1
                    counts.tokens += len(changes)
    return counts
