"""What a request may bring in, and what of it may reach the log.

- :func:`limit_body` wraps a WSGI app: a request whose body is larger than the limit gets
  ``413`` before any of its body is read (by its ``Content-Length``; a body without one is
  read up to the limit and no further). :func:`server_limit` gives waitress the same limit,
  so the server refuses it while parsing the headers, without buffering the body.
- :class:`LeavesOutRequestBodies` is a logging filter for Bolt's loggers: Bolt writes the
  whole body of a request whose signature it rejects at INFO (a stale timestamp from clock
  drift is enough to log a contribution and its author's id), and parts of other requests
  in some warnings. The filter keeps the line but cuts what it says about the request.
"""

from __future__ import annotations

import io
import logging
import re

from bot.settings import DEFAULT_MAX_REQUEST_BYTES as DEFAULT_MAX_BODY

log = logging.getLogger("goedwerk.http")
_NO_BODY_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})


def limit_body(app, max_bytes: int = DEFAULT_MAX_BODY):
    """``app`` behind a body-size limit (see the module docstring)."""

    def limited(environ, start_response):
        declared = (environ.get("CONTENT_LENGTH") or "").strip()
        if declared:
            if not declared.isdigit():
                return _refuse(start_response, "400 Bad Request", "bad_content_length")
            if int(declared) > max_bytes:
                log.warning("request refused: a body of %s bytes is over the limit of %d", declared, max_bytes)
                return _refuse(start_response, "413 Request Entity Too Large", "request_too_large")
        elif environ.get("REQUEST_METHOD", "GET").upper() not in _NO_BODY_METHODS:
            body = environ["wsgi.input"].read(max_bytes + 1)
            if len(body) > max_bytes:
                log.warning("request refused: a body without a length went over the limit of %d bytes", max_bytes)
                return _refuse(start_response, "413 Request Entity Too Large", "request_too_large")
            environ = {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
        return app(environ, start_response)

    return limited


def server_limit(max_bytes: int = DEFAULT_MAX_BODY) -> dict:
    """waitress's ``create_server`` options for the same limit (it refuses at ``>=``)."""
    return {"max_request_body_size": max_bytes + 1}


def _refuse(start_response, status: str, error: str):
    start_response(status, [("Content-Type", "application/json")])
    return [f'{{"error": "{error}"}}'.encode()]


class LeavesOutRequestBodies(logging.Filter):
    """Cuts the request details from Bolt's log lines, keeping what happened.

    Bolt formats the body into its messages (``… (signature: …, timestamp: …, body: …)``,
    ``Unhandled request ({…})``); everything from the first parenthesis or ``body`` on is
    replaced, so no body, accepted or rejected, reaches a handler at any level.
    """

    _DETAILS = re.compile(r"\s*(\(|\bbody\b|\{).*", re.DOTALL | re.IGNORECASE)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cut = self._DETAILS.sub(" (request details left out)", message, count=1)
        if cut != message:
            record.msg, record.args = cut, None
        return True


_leaves_out_bodies = LeavesOutRequestBodies()


def quiet_bolt_loggers() -> None:
    """Put the filter on every Bolt logger there is (Bolt makes them as an app is built;
    call this after building one). Filters do not pass down to child loggers, hence each."""
    names = [name for name in logging.root.manager.loggerDict if name == "slack_bolt" or name.startswith("slack_bolt.")]
    for name in names:
        logger = logging.getLogger(name)
        if _leaves_out_bodies not in logger.filters:
            logger.addFilter(_leaves_out_bodies)
