"""The WSGI application: Slack's routes through Bolt, plus ``GET /healthz`` and ``GET /healthz/live``.

``/healthz`` is readiness: 200 only when the process can do work (its workers run and
the database answers), else 503, so a load balancer sends nothing to a process that
would only acknowledge. ``/healthz/live`` is liveness: 200 while the process serves.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping

from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from sqlalchemy import text

from bot.slack import request_guard
from flows.store.db import Database

log = logging.getLogger("goedwerk.http")
SLACK_PATHS = ("/slack/events", "/slack/install", "/slack/oauth_redirect")


class _Handler(SlackRequestHandler):
    """Bolt's WSGI handler, answering 400 to a body Bolt cannot read.

    Bolt parses the body before it checks the signature; a ``payload=`` that is not a
    JSON object (garbage, truncated, ``null``, a list) would otherwise raise and become
    a 500, and so would a signed payload of the wrong shape (``"actions": null``).
    """

    def dispatch(self, request) -> BoltResponse:
        try:
            bolt_request = BoltRequest(body=request.get_body(), query=request.query_string,
                                       headers=request.get_headers())
        except (ValueError, TypeError, AttributeError) as error:
            log.warning("unreadable request body refused: %s", type(error).__name__)
            return BoltResponse(status=400, body="")
        if not isinstance(bolt_request.body, dict):
            log.warning("request body that is not an object refused")
            return BoltResponse(status=400, body="")
        try:
            return self.app.dispatch(bolt_request)
        except (TypeError, AttributeError, KeyError, IndexError, ValueError) as error:  # e.g. "actions": null
            log.warning("request of an unexpected shape refused: %s", type(error).__name__)
            return BoltResponse(status=400, body="")


def make_wsgi(bolt_app, db: Database, max_body: int = request_guard.DEFAULT_MAX_BODY,
              ready: Callable[[], bool] = lambda: True, routes: Mapping[str, Callable] | None = None):
    """A WSGI callable serving ``SLACK_PATHS`` with Bolt (when ``bolt_app`` is given), the health
    routes itself and ``routes`` (path → WSGI callable; Teams' ``/api/messages``; a path ending in
    ``/`` serves everything below it), refusing bodies over ``max_body`` bytes
    (:mod:`bot.slack.request_guard`); ``ready()`` says whether the workers run."""
    slack = _Handler(bolt_app) if bolt_app is not None else None
    routes = dict(routes or {})

    def application(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/healthz" and environ.get("REQUEST_METHOD") == "GET":
            if not ready():
                return _answer(start_response, "503 Service Unavailable", {"status": "starting"})
            return _health(db, start_response)
        if path == "/healthz/live" and environ.get("REQUEST_METHOD") == "GET":
            return _answer(start_response, "200 OK", {"status": "alive"})
        if slack is not None and path in SLACK_PATHS:
            return slack(environ, start_response)
        if path in routes:
            return routes[path](environ, start_response)
        below = next((prefix for prefix in routes if prefix.endswith("/") and path.startswith(prefix)), None)
        if below is not None:
            return routes[below](environ, start_response)
        start_response("404 Not Found", [("Content-Type", "application/json")])
        return [b'{"error": "not_found"}']

    return request_guard.limit_body(application, max_body)


def _health(db: Database, start_response):
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        status, body = "200 OK", {"status": "ok"}
    except Exception as error:  # the database is down: say so, do not crash
        log.warning("health check failed: %s", type(error).__name__)
        status, body = "503 Service Unavailable", {"status": "database unreachable"}
    return _answer(start_response, status, body)


def _answer(start_response, status: str, body: dict):
    start_response(status, [("Content-Type", "application/json")])
    return [json.dumps(body).encode()]
