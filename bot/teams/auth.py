"""Checking the Bot Framework token on every inbound activity.

Teams signs each request to ``/api/messages`` with a JWT (``Authorization: Bearer …``).
:class:`ActivityAuth` accepts an activity only when

- the token is RS256-signed by a key from the OpenID metadata document's key set (and a
  key that lists endorsed channels endorses the activity's ``channelId``);
- its issuer is the metadata's ``issuer`` and its audience is our app id;
- it has not expired (at most :data:`LEEWAY` seconds of clock skew are forgiven);
- its ``serviceurl`` claim is the activity's ``serviceUrl`` (so nobody can aim our outbound
  calls, and our bearer token, at a host of their choosing);
- the activity's tenant is one we serve.

Anything else raises :class:`Refused` (401, or 403 for a tenant we do not serve) with a
short reason for the log; the caller stores nothing. Keys are cached
(:class:`SigningKeys`); a key id we have not seen makes us read the key set again, at
most once per :data:`REFRESH_AFTER_UNKNOWN` seconds, so a newly published key is
accepted within a minute and garbage key ids cannot make us hammer the host.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import jwt
import urllib3

from bot.teams import tls

log = logging.getLogger("goedwerk.teams")
LEEWAY = 300
"""Seconds of clock skew forgiven on ``exp`` and ``nbf`` (Microsoft's own validators use 5 minutes)."""
REFRESH_AFTER_UNKNOWN = 30.0
"""The least time between two reads of the key set caused by unknown key ids."""
KEYS_MAX_AGE = 24 * 3600.0
"""Keys are read again after this long even when every key id is known."""
ALGORITHMS = ["RS256"]


class Refused(Exception):
    """The activity is not let in; ``status`` is the HTTP answer, ``reason`` the log line."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class KeysUnavailable(Exception):
    """The metadata document or key set could not be read (the host is down or answers nonsense)."""


@dataclass(frozen=True)
class Claims:
    """What a checked token says, as far as goedwerk uses it."""

    app_id: str
    service_url: str
    tenant: str


class SigningKeys:
    """The signing keys published through an OpenID metadata document, cached.

    ``fetch`` gets a URL's JSON (tests may pass their own); ``now`` is a monotonic clock.
    """

    def __init__(self, metadata_url: str, *, fetch: Callable[[str], dict] | None = None,
                 now: Callable[[], float] = time.monotonic) -> None:
        self.metadata_url = metadata_url
        self._fetch = fetch or fetch_json
        self._now = now
        self._lock = threading.Lock()
        self._issuer: str | None = None
        self._keys: dict[str, dict] = {}
        self._read_at: float | None = None

    @property
    def issuer(self) -> str:
        """The issuer the metadata document names (read on first use)."""
        with self._lock:
            if self._issuer is None and self._may_read_again() or self._stale():
                self._read()
            if self._issuer is None:
                raise KeysUnavailable("no issuer known")
            return self._issuer

    def key(self, key_id: str) -> dict | None:
        """The JWK with this id, reading the key set again when it is unknown (rate-limited)."""
        with self._lock:
            if self._read_at is None or self._stale() or (not self._keys and self._may_read_again()):
                self._read()
            if not self._keys:
                raise KeysUnavailable("no signing keys")
            found = self._keys.get(key_id)
            if found is None and self._may_read_again():
                log.info("unknown signing key id; reading the key set again")
                self._read()
                found = self._keys.get(key_id)
            return found

    def _may_read_again(self) -> bool:
        return self._read_at is None or self._now() - self._read_at >= REFRESH_AFTER_UNKNOWN

    def _stale(self) -> bool:
        return self._read_at is not None and self._now() - self._read_at >= KEYS_MAX_AGE

    def _read(self) -> None:
        """Read metadata and key set; on failure keep what we had (and raise only when we had nothing)."""
        try:
            metadata = self._fetch(self.metadata_url)
            issuer, jwks_uri = metadata.get("issuer"), metadata.get("jwks_uri")
            if not isinstance(issuer, str) or not isinstance(jwks_uri, str) or not jwks_uri.startswith("https://"):
                raise KeysUnavailable("metadata without issuer or https jwks_uri")
            keys = self._fetch(jwks_uri).get("keys")
            if not isinstance(keys, list):
                raise KeysUnavailable("key set without keys")
        except KeysUnavailable as error:
            self._read_at = self._now()  # do not retry on every request
            log.warning("cannot read Teams' signing keys: %s", error)
            return
        self._issuer = issuer
        self._keys = {str(key["kid"]): key for key in keys if isinstance(key, dict) and key.get("kid")}
        self._read_at = self._now()


def fetch_json(url: str) -> dict:
    """GET a JSON object over HTTPS with the system's trust; :class:`KeysUnavailable` otherwise."""
    try:
        response = tls.pool().request("GET", url, headers={"Accept": "application/json"}, redirect=False)
    except urllib3.exceptions.HTTPError as error:
        raise KeysUnavailable(f"{type(error).__name__} reading {url}") from None
    if response.status != 200:
        raise KeysUnavailable(f"HTTP {response.status} from {url}")
    try:
        body = json.loads(response.data)
    except ValueError:
        raise KeysUnavailable(f"no JSON from {url}") from None
    if not isinstance(body, dict):
        raise KeysUnavailable(f"no JSON object from {url}")
    return body


class ActivityAuth:
    """Checks an activity's token and tenant (see the module's docstring)."""

    def __init__(self, keys: SigningKeys, app_id: str, tenants: frozenset[str]) -> None:
        self.keys = keys
        self.app_id = app_id
        self.tenants = frozenset(tenant.lower() for tenant in tenants)

    def check(self, authorization: str | None, activity: dict) -> Claims:
        """The token's claims when the activity may come in; :class:`Refused` otherwise."""
        token = _bearer(authorization)
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Refused(401, "token is not a JWT") from None
        if header.get("alg") not in ALGORITHMS:
            raise Refused(401, f"token algorithm {str(header.get('alg'))[:20]!r} not accepted")
        key_id = header.get("kid")
        if not isinstance(key_id, str) or not key_id:
            raise Refused(401, "token without key id")
        try:
            jwk = self.keys.key(key_id)
            issuer = self.keys.issuer
        except KeysUnavailable:
            raise Refused(401, "signing keys unavailable") from None
        if jwk is None:
            raise Refused(401, "token signed by an unknown key")
        channel = str(activity.get("channelId") or "")
        endorsements = jwk.get("endorsements")
        if isinstance(endorsements, list) and channel not in endorsements:
            raise Refused(401, "signing key does not endorse the activity's channel")
        try:
            claims = jwt.decode(token, jwt.PyJWK(jwk, algorithm="RS256"), algorithms=ALGORITHMS,
                                audience=self.app_id, issuer=issuer, leeway=LEEWAY,
                                options={"require": ["exp", "iss", "aud"]})
        except jwt.ExpiredSignatureError:
            raise Refused(401, "token expired") from None
        except jwt.InvalidAudienceError:
            raise Refused(401, "token for another audience") from None
        except jwt.InvalidIssuerError:
            raise Refused(401, "token from another issuer") from None
        except jwt.PyJWTError as error:
            raise Refused(401, f"token invalid ({type(error).__name__})") from None
        service_url = activity.get("serviceUrl")
        if not isinstance(service_url, str) or claims.get("serviceurl") != service_url:
            raise Refused(401, "serviceUrl does not match the token")
        tenant = tenant_of(activity)
        if tenant is None:
            raise Refused(403, "activity without a tenant")
        if tenant.lower() not in self.tenants:
            raise Refused(403, "tenant not served")
        return Claims(str(claims.get("aud")), service_url, tenant)


def tenant_of(activity: dict) -> str | None:
    """The activity's tenant id (``conversation.tenantId``, else ``channelData.tenant.id``)."""
    conversation = activity.get("conversation")
    if isinstance(conversation, dict) and isinstance(conversation.get("tenantId"), str):
        return conversation["tenantId"]
    channel_data = activity.get("channelData")
    tenant = channel_data.get("tenant") if isinstance(channel_data, dict) else None
    if isinstance(tenant, dict) and isinstance(tenant.get("id"), str):
        return tenant["id"]
    return None


def _bearer(authorization: str | None) -> str:
    if not authorization:
        raise Refused(401, "no Authorization header")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Refused(401, "Authorization is not a bearer token")
    return token.strip()
