"""HTTPS to Microsoft's hosts with the system's usual trust settings.

``REQUESTS_CA_BUNDLE`` and ``CURL_CA_BUNDLE`` (as requests reads them) and ``SSL_CERT_FILE``
(as OpenSSL reads it) name the certificate authorities to trust, the first one set winning;
without any the system's store is used.
One process-wide urllib3 pool keeps connections alive to the login host and the Bot
Connector; ``msal`` (on requests) gets a session with the same trust.
"""

from __future__ import annotations

import os
import threading

import urllib3

POOL_SIZE = 16
TIMEOUT = urllib3.Timeout(connect=5.0, read=20.0)

_pool: urllib3.PoolManager | None = None
_pool_lock = threading.Lock()


def ca_bundle() -> str | None:
    """The CA file the environment names (in requests' order, then SSL_CERT_FILE), or None."""
    for variable in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
        value = os.environ.get(variable, "").strip()
        if value:
            return value
    return None


def pool() -> urllib3.PoolManager:
    """The process's kept-alive HTTPS pool (built on first use, with :func:`ca_bundle`)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = urllib3.PoolManager(num_pools=8, maxsize=POOL_SIZE, block=False, timeout=TIMEOUT,
                                        retries=False, ca_certs=ca_bundle())  # None: the default CAs
        return _pool


def reset_pool() -> None:
    """Forget the pool, so the next one reads the trust settings again (tests change them)."""
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool.clear()
        _pool = None


def requests_session():
    """A requests session for msal, trusting what :func:`ca_bundle` names."""
    import requests

    session = requests.Session()
    bundle = ca_bundle()
    if bundle:
        session.verify = bundle
    return session
