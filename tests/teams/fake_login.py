"""A local fake of Microsoft's login hosts, over HTTPS.

:class:`FakeLogin` serves, as Microsoft does:

- the Bot Framework's OpenID metadata document (``/v1/.well-known/openidconfiguration``)
  and its key set (``/v1/.well-known/keys``, keys endorsed for ``msteams``), with keys
  the test holds, so it can mint the tokens Teams would send (:meth:`FakeLogin.token`);
- the Entra endpoints ``msal`` uses for the bot's own tokens: a tenant's
  ``/{tenant}/v2.0/.well-known/openid-configuration`` and its token endpoint
  (client credentials; :attr:`FakeLogin.issued` lists what it handed out).

A new key can be published under a new key id (:meth:`FakeLogin.rotate`), as Microsoft
does every few weeks.
"""

from __future__ import annotations

import functools
import itertools
import json
import secrets
import time

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.teams.https_server import Answer, HttpsFake, Request

ISSUER = "https://api.botframework.com"
METADATA_PATH = "/v1/.well-known/openidconfiguration"
KEYS_PATH = "/v1/.well-known/keys"
SCOPE = "https://api.botframework.com/.default"


@functools.cache
def rsa_key(number: int) -> rsa.RSAPrivateKey:
    """The test's RSA key number ``number`` (made once per session: making one takes a while)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class FakeLogin(HttpsFake):
    def __init__(self, *, client_id: str, client_secret: str) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self._key_numbers = itertools.count(1)
        self.keys: dict[str, rsa.RSAPrivateKey] = {}
        self.current_key_id = self.rotate()
        self.issued: list[str] = []
        """Access tokens handed out by the token endpoint, oldest first."""
        self.token_lifetime = 3599
        super().__init__()

    @property
    def metadata_url(self) -> str:
        return self.base_url + METADATA_PATH

    def rotate(self) -> str:
        """Publish a new signing key under a new key id (old keys stay published) and sign with it."""
        number = next(self._key_numbers)
        key_id = f"test-key-{number}"
        self.keys[key_id] = rsa_key(number)
        self.current_key_id = key_id
        return key_id

    def token(self, *, audience: str, service_url: str, key_id: str | None = None, issuer: str = ISSUER,
              expires_in: float = 3600, unsigned_key: rsa.RSAPrivateKey | None = None, **claims) -> str:
        """A token as the Bot Framework signs it for a request to our bot."""
        key_id = key_id or self.current_key_id
        now = int(time.time())
        payload = {"iss": issuer, "aud": audience, "serviceurl": service_url, "nbf": now - 5,
                   "iat": now - 5, "exp": int(now + expires_in), **claims}
        signer = unsigned_key or self.keys[key_id]
        return jwt.encode(payload, signer, algorithm="RS256", headers={"kid": key_id})

    def count(self, path: str) -> int:
        with self.lock:
            return sum(1 for request in self.requests if request.path == path)

    def answer(self, request: Request) -> Answer:
        if request.method == "GET" and request.path == METADATA_PATH:
            return Answer(200, {"issuer": ISSUER, "authorization_endpoint": "https://invalid.botframework.com",
                                "jwks_uri": self.base_url + KEYS_PATH,
                                "id_token_signing_alg_values_supported": ["RS256"],
                                "token_endpoint_auth_methods_supported": ["private_key_jwt"]})
        if request.method == "GET" and request.path == KEYS_PATH:
            keys = []
            for key_id, key in self.keys.items():
                jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
                keys.append({**jwk, "kid": key_id, "use": "sig", "endorsements": ["msteams"]})
            return Answer(200, {"keys": keys})
        parts = request.path.strip("/").split("/")
        if request.method == "GET" and parts[1:] == ["v2.0", ".well-known", "openid-configuration"]:
            tenant = parts[0]
            return Answer(200, {"issuer": f"{self.base_url}/{tenant}/v2.0",
                                "authorization_endpoint": f"{self.base_url}/{tenant}/oauth2/v2.0/authorize",
                                "token_endpoint": f"{self.base_url}/{tenant}/oauth2/v2.0/token"})
        if request.method == "POST" and parts[1:] == ["oauth2", "v2.0", "token"]:
            return self._client_credentials(request.form())
        return Answer(404, {"error": "not_found"})

    def _client_credentials(self, form: dict[str, str]) -> Answer:
        if form.get("grant_type") != "client_credentials":
            return Answer(400, {"error": "unsupported_grant_type"})
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return Answer(401, {"error": "invalid_client",
                                "error_description": "AADSTS7000215: Invalid client secret."})
        if form.get("scope") != SCOPE:
            return Answer(400, {"error": "invalid_scope"})
        token = "bf-" + secrets.token_urlsafe(16)
        with self.lock:
            self.issued.append(token)
        return Answer(200, {"token_type": "Bearer", "expires_in": self.token_lifetime,
                            "ext_expires_in": self.token_lifetime, "access_token": token})
