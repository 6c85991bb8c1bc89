"""No request body, accepted or rejected, reaches a log line at any level; a body over
the limit gets 413 before it is read."""

from __future__ import annotations

import io
import logging
import socket
import threading
import time
import urllib.request

import pytest
from waitress import create_server

from bot.logs import configure
from bot.slack.http import make_wsgi
from bot.slack.request_guard import limit_body, server_limit
from tests.slack.conftest import SECRET, running_app
from tests.slack.fake_slack import FakeSlack, fake_slack  # noqa: F401 (fixture)
from tests.slack.signing import post, slash_command_body

MARKER_USER = "U0SECRETBODY"
TEN_MB = 10 * 1024 * 1024


@pytest.fixture
def debug_logs(caplog):
    """The log as `goedwerk run` writes it with GOEDWERK_LOG_LEVEL=DEBUG, all captured."""
    root = logging.getLogger().level
    configure("DEBUG")
    caplog.set_level(logging.DEBUG)
    yield caplog
    logging.getLogger().setLevel(root)
    for name in ("slack_sdk", "slack_bolt", "urllib3", "sqlalchemy.engine", "alembic"):
        logging.getLogger(name).setLevel(logging.NOTSET)


def _lines(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records]


def _command(marker: str) -> str:
    return slash_command_body(text=f"bijdrage kop {marker}", user_id=MARKER_USER)


def test_stale_unsigned_accepted_and_huge_requests_leave_no_body_in_the_log(db, fake_slack,  # noqa: F811 (fixture)
                                                                          debug_logs) -> None:
    with running_app(db, fake_slack) as app:
        stale = _command("STALE-MARKER-TEXT")
        status, _, _ = post(app.url + "/slack/events", stale, SECRET, timestamp=int(time.time()) - 600)
        assert status == 401
        unsigned = _command("UNSIGNED-MARKER-TEXT")
        status, _, _ = post(app.url + "/slack/events", unsigned, SECRET,
                            headers={"X-Slack-Signature": "v0=" + "0" * 64})
        assert status == 401
        accepted = _command("ACCEPTED-MARKER-TEXT")
        status, _, _ = app.send(accepted)
        assert status == 200
        huge = "payload=" + "HUGE-MARKER-TEXT " * (TEN_MB // 17)
        status, _, _ = post(app.url + "/slack/events", huge, SECRET, timeout=30)
        assert status == 413
    lines = _lines(debug_logs)
    assert any("Invalid request signature" in line for line in lines)  # the rejection itself is still logged
    for line in lines:
        for secret in ("MARKER-TEXT", MARKER_USER, "bijdrage"):
            assert secret not in line, line
        assert len(line) < 2000


def test_a_body_over_the_limit_is_refused_before_it_is_read() -> None:
    calls = []

    def app(environ, start_response):
        calls.append(environ)
        start_response("200 OK", [])
        return [b"ok"]

    class Unreadable(io.RawIOBase):
        def read(self, size=-1):
            raise AssertionError("the body was read")

    statuses = []
    guarded = limit_body(app, 1_000)
    body = guarded({"REQUEST_METHOD": "POST", "CONTENT_LENGTH": str(TEN_MB), "wsgi.input": Unreadable()},
                   lambda status, headers: statuses.append(status))
    assert statuses == ["413 Request Entity Too Large"] and b"request_too_large" in b"".join(body) and not calls
    # without a length, no more than the limit is read
    statuses.clear()
    guarded({"REQUEST_METHOD": "POST", "wsgi.input": io.BytesIO(b"x" * 5_000)},
            lambda status, headers: statuses.append(status))
    assert statuses == ["413 Request Entity Too Large"] and not calls
    guarded({"REQUEST_METHOD": "POST", "wsgi.input": io.BytesIO(b"x" * 500)},
            lambda status, headers: statuses.append(status))
    assert statuses[-1] == "200 OK" and calls[0]["wsgi.input"].read() == b"x" * 500
    assert calls[0]["CONTENT_LENGTH"] == "500"


def test_the_server_answers_413_from_the_headers_alone(db) -> None:
    """As `goedwerk run` serves: waitress refuses before one byte of the body was sent."""
    server = create_server(make_wsgi(None, db, 1_048_576), host="127.0.0.1", port=0, threads=2,
                           **server_limit(1_048_576))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        with socket.create_connection(("127.0.0.1", server.effective_port), timeout=10) as connection:
            connection.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                               + f"Content-Length: {TEN_MB}\r\n\r\n".encode())
            answer = connection.recv(200)
        assert answer.startswith(b"HTTP/1.1 413")
        with urllib.request.urlopen(f"http://127.0.0.1:{server.effective_port}/healthz", timeout=10) as response:
            assert response.status == 200  # a small request still gets through
    finally:
        server.close()
        thread.join(timeout=5)


def test_the_limit_is_a_setting(monkeypatch) -> None:
    from bot.settings import load_settings

    assert load_settings().max_request_bytes == 1_048_576
    monkeypatch.setenv("GOEDWERK_MAX_REQUEST_BYTES", "2000000")
    assert load_settings().max_request_bytes == 2_000_000
