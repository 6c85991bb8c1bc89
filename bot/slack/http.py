"""The WSGI application: Slack's routes through Bolt, plus ``GET /healthz``."""

from __future__ import annotations

import json
import logging

from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text

from flows.store.db import Database

log = logging.getLogger("goedwerk.http")
SLACK_PATHS = ("/slack/events", "/slack/install", "/slack/oauth_redirect")


def make_wsgi(bolt_app, db: Database):
    """A WSGI callable serving ``SLACK_PATHS`` with Bolt and ``/healthz`` itself."""
    slack = SlackRequestHandler(bolt_app)

    def application(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/healthz" and environ.get("REQUEST_METHOD") == "GET":
            return _health(db, start_response)
        if path in SLACK_PATHS:
            return slack(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "application/json")])
        return [b'{"error": "not_found"}']

    return application


def _health(db: Database, start_response):
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        status, body = "200 OK", {"status": "ok"}
    except Exception as error:  # the database is down: say so, do not crash
        log.warning("health check failed: %s", type(error).__name__)
        status, body = "503 Service Unavailable", {"status": "database unreachable"}
    start_response(status, [("Content-Type", "application/json")])
    return [json.dumps(body).encode()]
