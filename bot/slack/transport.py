"""Kept-alive connections for slack_sdk's WebClient.

slack_sdk's sync client sends every call through ``urllib.request.urlopen``, which opens
(and, against Slack, TLS-handshakes) a new connection per call and closes it after. A
weekly fan-out posts thousands of messages in a minute, so that handshake becomes most
of the cost of a post. :class:`PooledWebClient` sends the same requests over urllib3's
connection pool instead, and behaves towards slack_sdk as ``urlopen`` does: a status
outside 2xx raises :class:`urllib.error.HTTPError` (so the 429 retry handlers see it),
a connection that cannot be made raises :class:`urllib.error.URLError`, a dropped or
timed-out one the ``OSError`` it was. A client with a proxy keeps slack_sdk's own path.
"""

from __future__ import annotations

import io
import threading
from http.client import HTTPMessage
from ssl import SSLContext
from typing import Any, cast
from urllib.error import HTTPError, URLError
from urllib.request import Request

import urllib3
from slack_sdk import WebClient
from urllib3.exceptions import HTTPError as PoolError
from urllib3.exceptions import NewConnectionError, ProtocolError
from urllib3.exceptions import TimeoutError as PoolTimeoutError

POOL_SIZE = 32
"""Connections kept open per host: enough for a process's request workers (24, and 4 for forms)
or its dispatcher's threads (16), so none opens a fresh connection per call under load."""

_pools: dict[SSLContext | None, urllib3.PoolManager] = {}
_pools_lock = threading.Lock()


def pool_for(context: SSLContext | None) -> urllib3.PoolManager:
    """The process's pool for clients with this SSL context (None: the system's defaults)."""
    with _pools_lock:
        pool = _pools.get(context)
        if pool is None:
            pool = _pools[context] = urllib3.PoolManager(num_pools=8, maxsize=POOL_SIZE, block=False,
                                                             ssl_context=context)
        return pool


class PooledWebClient(WebClient):
    """A WebClient whose calls reuse kept-alive connections (see the module's docstring)."""

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        if self.proxy is not None or not url.lower().startswith(("http://", "https://")):
            return super()._perform_urllib_http_request_internal(url, req)
        try:
            body = cast(bytes | None, req.data)  # the WebClient always hands over encoded bytes
            response = pool_for(self.ssl).request(req.get_method(), url, body=body,
                                                  headers=dict(req.header_items()), timeout=self.timeout,
                                                  retries=False, redirect=False)
        except NewConnectionError as error:  # as urlopen: the connection could not be made
            raise URLError(error) from error
        except PoolTimeoutError as error:
            raise TimeoutError(str(error)) from error
        except ProtocolError as error:  # dropped mid-call: the OSError underneath, as http.client raises it
            cause = next((arg for arg in error.args if isinstance(arg, OSError)), None)
            raise (cause or ConnectionResetError(str(error))) from error
        except PoolError as error:  # TLS and the like: urlopen wraps these too
            raise URLError(error) from error
        headers = HTTPMessage()
        for name, value in response.headers.items():
            headers[name] = value
        if not 200 <= response.status < 300:
            raise HTTPError(url, response.status, response.reason or "", headers, io.BytesIO(response.data))
        if headers.get_content_type() == "application/gzip":  # admin.analytics.getFile
            return {"status": response.status, "headers": headers, "body": response.data}
        charset = headers.get_content_charset() or "utf-8"
        return {"status": response.status, "headers": headers, "body": response.data.decode(charset)}
