"""The bot's own token for calls to the Bot Connector (client credentials through ``msal``).

The authority is ``TEAMS_LOGIN_URL/TEAMS_TENANT_ID`` (new bot registrations are
single-tenant); the scope is the Bot Framework's. ``msal`` keeps the token in its memory
cache until shortly before it expires, so :meth:`BotTokens.token` costs a call to the
login host only about once an hour. The application is built on first use: building it
reads the tenant's OpenID configuration from the login host.
"""

from __future__ import annotations

import logging
import threading

import msal

from bot.teams import tls

log = logging.getLogger("goedwerk.teams")
SCOPE = "https://api.botframework.com/.default"


class TokenUnavailable(Exception):
    """The login host gave no token; ``str()`` is its error code (never the secret)."""


class BotTokens:
    def __init__(self, login_url: str, tenant: str, app_id: str, app_password: str) -> None:
        self.authority = f"{login_url.rstrip('/')}/{tenant}"
        self.app_id = app_id
        self._password = app_password
        self._app: msal.ConfidentialClientApplication | None = None
        self._lock = threading.Lock()

    def _application(self) -> msal.ConfidentialClientApplication:
        with self._lock:
            if self._app is None:
                try:
                    # We name the authority ourselves (TEAMS_LOGIN_URL): instance discovery would only
                    # ask Microsoft whether the host is one of theirs, refusing other clouds' and tests'.
                    self._app = msal.ConfidentialClientApplication(
                        self.app_id, client_credential=self._password, authority=self.authority,
                        instance_discovery=False, http_client=tls.requests_session())
                except (ValueError, OSError) as error:
                    raise TokenUnavailable(f"login host unusable ({type(error).__name__})") from None
            return self._app

    def token(self) -> str:
        """A valid access token (from msal's cache while it lasts)."""
        try:
            result = self._application().acquire_token_for_client(scopes=[SCOPE])
        except (ValueError, OSError) as error:  # requests' errors are OSErrors
            raise TokenUnavailable(f"login host unreachable ({type(error).__name__})") from None
        token = result.get("access_token") if isinstance(result, dict) else None
        if not token:
            code = str(result.get("error", "no_token"))[:64] if isinstance(result, dict) else "no_token"
            log.error("no token for the Bot Connector: %s", code)
            raise TokenUnavailable(code)
        return token

    def forget(self) -> None:
        """Drop the cached token (the connector refused it), so the next call gets a fresh one."""
        with self._lock:
            app = self._app
        if app is not None:
            app.remove_tokens_for_client()
