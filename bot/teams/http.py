"""``POST /api/messages``: Teams' activities in, as a WSGI application."""

from __future__ import annotations

import json
import logging

from bot.teams.inbound import MAX_BODY, TeamsServices, handle_activity

log = logging.getLogger("goedwerk.teams")
MESSAGES_PATH = "/api/messages"
REASONS = {200: "200 OK", 202: "202 Accepted", 400: "400 Bad Request", 401: "401 Unauthorized",
           403: "403 Forbidden", 405: "405 Method Not Allowed", 413: "413 Payload Too Large",
           500: "500 Internal Server Error"}


def messages_endpoint(services: TeamsServices):
    """The WSGI callable for :data:`MESSAGES_PATH`."""

    def application(environ, start_response):
        if environ.get("REQUEST_METHOD") != "POST":
            return _answer(start_response, 405, None, [("Allow", "POST")])
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0:
            return _answer(start_response, 400, None)
        if length > MAX_BODY:
            return _answer(start_response, 413, None)
        body = environ["wsgi.input"].read(length) if length else b""
        try:
            reply = handle_activity(services, environ.get("HTTP_AUTHORIZATION"), body)
        except Exception as error:  # never a traceback to Teams; the log says what failed
            log.error("teams activity failed: %s", type(error).__name__, exc_info=error)
            return _answer(start_response, 500, None)
        return _answer(start_response, reply.status, reply.body)

    return application


def _answer(start_response, status: int, body: dict | None, headers: list | None = None):
    data = b"" if body is None else json.dumps(body).encode()
    start_response(REASONS.get(status, f"{status} Status"),
                   [("Content-Type", "application/json"), ("Content-Length", str(len(data))), *(headers or [])])
    return [data]
