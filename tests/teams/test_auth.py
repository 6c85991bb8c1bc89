"""The token check on inbound activities, against keys served over HTTPS by a fake login host."""

from __future__ import annotations

import pytest

from bot.teams import tls
from bot.teams.auth import LEEWAY, REFRESH_AFTER_UNKNOWN, ActivityAuth, Refused, SigningKeys
from tests.teams.conftest import APP_ID, OTHER_TENANT, TENANT
from tests.teams.fake_login import KEYS_PATH, rsa_key

SERVICE_URL = "https://smba.example.test/emea/"


def activity(tenant: str = TENANT, service_url: str = SERVICE_URL, channel: str = "msteams") -> dict:
    return {"type": "message", "channelId": channel, "serviceUrl": service_url, "text": "hello",
            "conversation": {"id": "19:c@thread.tacv2;messageid=1", "tenantId": tenant},
            "channelData": {"tenant": {"id": tenant}}}


class ManualClock:
    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def auth(fake_login, clock) -> ActivityAuth:
    return ActivityAuth(SigningKeys(fake_login.metadata_url, now=clock), APP_ID, frozenset({TENANT}))


def refusal(auth: ActivityAuth, header: str | None, body: dict) -> Refused:
    with pytest.raises(Refused) as raised:
        auth.check(header, body)
    return raised.value


def test_a_token_signed_for_us_lets_the_activity_in(auth, fake_login):
    token = fake_login.token(audience=APP_ID, service_url=SERVICE_URL)

    claims = auth.check(f"Bearer {token}", activity())

    assert (claims.app_id, claims.service_url, claims.tenant) == (APP_ID, SERVICE_URL, TENANT)


def test_keys_are_read_once_and_cached(auth, fake_login):
    for _ in range(3):
        auth.check("Bearer " + fake_login.token(audience=APP_ID, service_url=SERVICE_URL), activity())

    assert fake_login.count(KEYS_PATH) == 1


@pytest.mark.parametrize("header", [None, "", "Basic dXNlcjpwYXNz", "Bearer", "Bearer not-a-jwt"])
def test_no_token_is_401(auth, header):
    assert refusal(auth, header, activity()).status == 401


def test_wrong_audience_is_401(auth, fake_login):
    token = fake_login.token(audience="someone-else", service_url=SERVICE_URL)

    refused = refusal(auth, f"Bearer {token}", activity())

    assert (refused.status, refused.reason) == (401, "token for another audience")


def test_wrong_issuer_is_401(auth, fake_login):
    token = fake_login.token(audience=APP_ID, service_url=SERVICE_URL, issuer="https://evil.example")

    assert refusal(auth, f"Bearer {token}", activity()).reason == "token from another issuer"


def test_expired_beyond_the_leeway_is_401_within_it_accepted(auth, fake_login):
    late = fake_login.token(audience=APP_ID, service_url=SERVICE_URL, expires_in=-(LEEWAY + 30))
    just = fake_login.token(audience=APP_ID, service_url=SERVICE_URL, expires_in=-(LEEWAY - 30))

    assert refusal(auth, f"Bearer {late}", activity()).reason == "token expired"
    assert auth.check(f"Bearer {just}", activity()).tenant == TENANT


def test_a_token_signed_by_a_key_we_do_not_publish_is_401(auth, fake_login):
    forged = fake_login.token(audience=APP_ID, service_url=SERVICE_URL,
                              unsigned_key=rsa_key(999))

    refused = refusal(auth, f"Bearer {forged}", activity())

    assert refused.status == 401 and "invalid" in refused.reason


def test_a_service_url_other_than_the_tokens_is_401(auth, fake_login):
    token = fake_login.token(audience=APP_ID, service_url=SERVICE_URL)

    refused = refusal(auth, f"Bearer {token}", activity(service_url="https://attacker.example/"))

    assert refused.reason == "serviceUrl does not match the token"


def test_a_key_not_endorsed_for_the_channel_is_401(auth, fake_login):
    token = fake_login.token(audience=APP_ID, service_url=SERVICE_URL)

    assert refusal(auth, f"Bearer {token}", activity(channel="webchat")).status == 401


def test_another_tenant_is_403(auth, fake_login):
    token = fake_login.token(audience=APP_ID, service_url=SERVICE_URL)

    refused = refusal(auth, f"Bearer {token}", activity(tenant=OTHER_TENANT))

    assert (refused.status, refused.reason) == (403, "tenant not served")


def test_an_allowed_second_tenant_comes_in(fake_login, clock):
    auth = ActivityAuth(SigningKeys(fake_login.metadata_url, now=clock), APP_ID, frozenset({TENANT, OTHER_TENANT}))
    token = fake_login.token(audience=APP_ID, service_url=SERVICE_URL)

    assert auth.check(f"Bearer {token}", activity(tenant=OTHER_TENANT)).tenant == OTHER_TENANT


def test_a_key_published_under_a_new_id_is_accepted(auth, fake_login, clock):
    auth.check("Bearer " + fake_login.token(audience=APP_ID, service_url=SERVICE_URL), activity())
    fake_login.rotate()
    clock.value += REFRESH_AFTER_UNKNOWN

    claims = auth.check("Bearer " + fake_login.token(audience=APP_ID, service_url=SERVICE_URL), activity())

    assert claims.tenant == TENANT
    assert fake_login.count(KEYS_PATH) == 2


def test_unknown_key_ids_read_the_key_set_at_most_once_per_interval(auth, fake_login, clock):
    auth.check("Bearer " + fake_login.token(audience=APP_ID, service_url=SERVICE_URL), activity())
    clock.value += REFRESH_AFTER_UNKNOWN
    token = fake_login.token(audience=APP_ID, service_url=SERVICE_URL)
    for number in range(5):
        refusal(auth, "Bearer " + _with_key_id(token, f"made-up-{number}"), activity())

    assert fake_login.count(KEYS_PATH) == 2  # the first read and one refresh, not five


def test_keys_are_not_read_from_a_host_we_do_not_trust(fake_login, clock, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE")
    tls.reset_pool()
    auth = ActivityAuth(SigningKeys(fake_login.metadata_url, now=clock), APP_ID, frozenset({TENANT}))
    token = fake_login.token(audience=APP_ID, service_url=SERVICE_URL)

    assert refusal(auth, f"Bearer {token}", activity()).reason == "signing keys unavailable"


def test_requests_ca_bundle_is_honoured_too(fake_login, clock, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE")
    from tests.teams.pki import throwaway_pki

    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(throwaway_pki().ca_file))
    tls.reset_pool()
    auth = ActivityAuth(SigningKeys(fake_login.metadata_url, now=clock), APP_ID, frozenset({TENANT}))

    assert auth.check("Bearer " + fake_login.token(audience=APP_ID, service_url=SERVICE_URL), activity())


def _with_key_id(token: str, key_id: str) -> str:
    """The same token with another key id in its header (the signature no longer matters)."""
    import base64
    import json

    header, payload, signature = token.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    decoded["kid"] = key_id
    encoded = base64.urlsafe_b64encode(json.dumps(decoded).encode()).rstrip(b"=").decode()
    return ".".join((encoded, payload, signature))
