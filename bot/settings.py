"""Process settings, read from the environment and an optional ``.env`` file.

Every setting is documented in README.md and ``.env.example``. A bad value, or settings
that do not go together (OAuth without GOEDWERK_SECRET_KEY, HTTP without a signing
secret), is reported as one line that names the variable (see :func:`load_settings`), so
every entry point refuses the same things in the same words.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, SettingsConfigDict

from flows.engine.defaults import Defaults
from flows.engine.plan import PlanError, parse_plan

ENGINE_DEFAULTS = Defaults()
"""A channel's defaults (language, time zone, plan, reminder, check-back) are the engine's."""
SLACK_API_URL = "https://slack.com/api/"
TEAMS_OPENID_METADATA_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
TEAMS_LOGIN_URL = "https://login.microsoftonline.com"
DEFAULT_MAX_REQUEST_BYTES = 1_048_576
"""1 MB: far above anything Slack sends (its largest payloads are a few tens of kB)."""


class SettingsError(Exception):
    """A setting has a bad value; ``str(error)`` is the one line shown to the user."""


class Settings(BaseSettings):
    """All settings of a goedwerk process. Field names map to upper-case variables."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    database_url: str = Field(default="sqlite:///goedwerk.db", validation_alias="DATABASE_URL")
    slack_bot_token: str | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = Field(default=None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: str | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    slack_client_id: str | None = Field(default=None, validation_alias="SLACK_CLIENT_ID")
    slack_client_secret: str | None = Field(default=None, validation_alias="SLACK_CLIENT_SECRET")
    slack_api_url: str = Field(default=SLACK_API_URL, validation_alias="SLACK_API_URL")
    secret_key: str | None = Field(default=None, repr=False, validation_alias="GOEDWERK_SECRET_KEY")
    teams_app_id: str | None = Field(default=None, validation_alias="TEAMS_APP_ID")
    """The bot's Entra app (client) id: the audience of Teams' tokens and our client id."""
    teams_app_password: str | None = Field(default=None, repr=False, validation_alias="TEAMS_APP_PASSWORD")
    """The app's client secret, for tokens to the Bot Connector."""
    teams_tenant_id: str | None = Field(default=None, validation_alias="TEAMS_TENANT_ID")
    """The tenant the bot is registered in: the authority of its tokens, and allowed in."""
    teams_allowed_tenants: str = Field(default="", validation_alias="TEAMS_ALLOWED_TENANTS")
    """Further tenants whose activities are accepted, comma-separated (see :attr:`teams_tenants`)."""
    teams_openid_metadata_url: str = Field(default=TEAMS_OPENID_METADATA_URL,
                                           validation_alias="TEAMS_OPENID_METADATA_URL")
    teams_login_url: str = Field(default=TEAMS_LOGIN_URL, validation_alias="TEAMS_LOGIN_URL")
    public_url: str | None = Field(default=None, validation_alias="GOEDWERK_PUBLIC_URL")
    """The HTTPS address people's browsers reach goedwerk at (links to files)."""
    file_link_days: int = Field(default=30, ge=1, le=365, validation_alias="GOEDWERK_FILE_LINK_DAYS")
    """How long a link to a file shared in Teams works (the collection gives fresh ones)."""
    language: Literal["nl", "en"] = Field(default=cast(Literal["nl", "en"], ENGINE_DEFAULTS.language),
                                          validation_alias="GOEDWERK_LANGUAGE")
    timezone: str = Field(default=ENGINE_DEFAULTS.timezone, validation_alias="GOEDWERK_TIMEZONE")
    content_dir: Path | None = Field(default=None, validation_alias="GOEDWERK_CONTENT_DIR")
    round_plan: str = Field(default=ENGINE_DEFAULTS.plan, validation_alias="GOEDWERK_ROUND_PLAN")
    dispatch_interval: float = Field(
        default=10.0, gt=0, le=3600, validation_alias=AliasChoices("GOEDWERK_DISPATCH_INTERVAL")
    )
    dispatch_lease: float = Field(default=120.0, ge=1, le=3600, validation_alias="GOEDWERK_DISPATCH_LEASE")
    dispatch_workers: int = Field(default=16, ge=1, le=64, validation_alias="GOEDWERK_DISPATCH_WORKERS")
    """Timed actions a Slack dispatcher sends at once (threads of a pass)."""
    work_processes: int | None = Field(default=None, ge=0, le=32, validation_alias="GOEDWERK_WORK_PROCESSES")
    """Child processes that do the work after Slack's requests are acknowledged
    (:mod:`bot.runtime.processes`); 0 keeps it on threads of the serving process;
    unset: 2, or 0 on an in-memory database (children could not see it)."""
    request_workers: int = Field(default=24, ge=1, le=64, validation_alias="GOEDWERK_REQUEST_WORKERS")
    """Requests a work process handles at once (each mostly waits for Slack's answers)."""
    request_lease: float = Field(default=30.0, ge=1, le=3600, validation_alias="GOEDWERK_REQUEST_LEASE")
    """Seconds a process may hold a request without renewing; after a crash another takes it over then."""
    max_request_bytes: int = Field(default=DEFAULT_MAX_REQUEST_BYTES, ge=1024, le=100_000_000,
                                   validation_alias="GOEDWERK_MAX_REQUEST_BYTES")
    """The largest request body served; larger ones get 413 before their body is read."""
    checkback_days: int = Field(default=ENGINE_DEFAULTS.checkback_days, ge=0, le=365,
                                validation_alias="GOEDWERK_CHECKBACK_DAYS")
    reminder_at: float = Field(default=ENGINE_DEFAULTS.remind_at, gt=0, lt=1,
                               validation_alias="GOEDWERK_REMINDER_AT")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", validation_alias="GOEDWERK_LOG_LEVEL"
    )

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("must start with sqlite:// or postgresql://")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value if value.endswith("/") else value + "/"

    @field_validator("teams_openid_metadata_url", "teams_login_url", "public_url")
    @classmethod
    def _https_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith("https://") or len(value) <= len("https://"):
            raise ValueError("must be an https:// URL")
        return value

    @field_validator("teams_login_url", "public_url")
    @classmethod
    def _no_trailing_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else value

    @field_validator("teams_app_id", "teams_tenant_id")
    @classmethod
    def _one_id(cls, value: str | None) -> str | None:
        if value is not None and not _is_id(value):
            raise ValueError("must be one id (letters, digits, dashes), such as a GUID")
        return value

    @field_validator("teams_allowed_tenants")
    @classmethod
    def _tenant_list(cls, value: str) -> str:
        tenants = [tenant.strip() for tenant in value.split(",") if tenant.strip()]
        for tenant in tenants:
            if not _is_id(tenant):
                raise ValueError(f"{tenant[:40]!r} is not a tenant id; give tenant ids separated by commas")
        return ",".join(tenants)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as Europe/Amsterdam") from None
        return value

    @field_validator("content_dir")
    @classmethod
    def _existing_dir(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_dir():
            raise ValueError(f"{str(value)!r} is not a directory")
        return value

    @field_validator("round_plan")
    @classmethod
    def _valid_plan(cls, value: str) -> str:
        try:
            parse_plan(value)
        except PlanError as error:
            raise ValueError(str(error)) from None
        return value

    @field_validator("secret_key")
    @classmethod
    def _fernet_keys(cls, value: str | None) -> str | None:
        if value is None:
            return None
        keys = secret_keys(value)
        if not keys:
            raise ValueError("no key given; make one with: goedwerk keys new")
        from cryptography.fernet import Fernet

        for number, key in enumerate(keys, start=1):
            try:
                Fernet(key)
            except (ValueError, TypeError):
                # never echo the value: it is a secret
                raise ValueError(f"key {number} of {len(keys)} is not a Fernet key (32 url-safe base64-encoded "
                                 "bytes); make one with: goedwerk keys new") from None
        return ",".join(keys)

    @field_validator("slack_bot_token", "slack_signing_secret", "slack_app_token",
                     "slack_client_id", "slack_client_secret", "secret_key", "teams_app_id",
                     "teams_app_password", "teams_tenant_id", "public_url", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _settings_that_belong_together(self) -> Settings:
        """Combinations no entry point may run with (each says which variable to set)."""
        if self.slack_client_id and not self.slack_client_secret:
            raise ValueError("SLACK_CLIENT_SECRET: needed with SLACK_CLIENT_ID (from the app's Basic Information)")
        if self.slack_client_id and not self.secret_key:
            raise ValueError("GOEDWERK_SECRET_KEY: needed to store the workspaces' tokens encrypted "
                             "(SLACK_CLIENT_ID is set); make one with: goedwerk keys new")
        if self.slack_configured and not self.slack_app_token and not self.slack_signing_secret:
            raise ValueError("SLACK_SIGNING_SECRET: needed to serve Slack over HTTP "
                             "(or set SLACK_APP_TOKEN for Socket Mode)")
        if self.slack_configured and not self.slack_client_id and not self.slack_bot_token:
            raise ValueError("SLACK_BOT_TOKEN: set it (one workspace) or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET "
                             "(many workspaces)")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def slack_configured(self) -> bool:
        """True when any Slack credential is set, so `goedwerk run` serves Slack."""
        return bool(self.slack_bot_token or self.slack_client_id or self.slack_app_token)

    @property
    def teams_configured(self) -> bool:
        """True when any Teams credential is set, so `goedwerk run` serves Teams."""
        return bool(self.teams_app_id or self.teams_app_password or self.teams_tenant_id)

    @property
    def teams_tenants(self) -> frozenset[str]:
        """The tenants whose activities are accepted: TEAMS_TENANT_ID and TEAMS_ALLOWED_TENANTS."""
        tenants = {tenant for tenant in self.teams_allowed_tenants.split(",") if tenant}
        if self.teams_tenant_id:
            tenants.add(self.teams_tenant_id)
        return frozenset(tenant.lower() for tenant in tenants)


def _is_id(value: str) -> bool:
    return bool(value) and len(value) <= 128 and all(char.isalnum() or char in "-._" for char in value)


def secret_keys(value: str) -> list[str]:
    """The Fernet keys in a GOEDWERK_SECRET_KEY value: comma-separated, the first encrypts."""
    return [key.strip() for key in value.split(",") if key.strip()]


def _variable_name(error: ErrorDetails) -> str:
    field = str(error["loc"][0]) if error.get("loc") else "?"
    info = Settings.model_fields.get(field)
    alias = info.validation_alias if info else None
    if isinstance(alias, str):
        return alias
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return field.upper()


def load_settings(**overrides: Any) -> Settings:
    """Read the settings; raise :class:`SettingsError` with one line per the first bad value."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        first = error.errors()[0]
        message = str(first["msg"]).removeprefix("Value error, ")
        if not first.get("loc"):  # settings that belong together: the message names the variable
            raise SettingsError(message) from None
        raise SettingsError(f"{_variable_name(first)}: {message}") from None
