"""Serving Teams from `goedwerk run`: alone, or beside Slack on the same port."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable

from bot.heap import freeze_startup_objects
from bot.logs import configure as configure_logging
from bot.services import Services, build_services
from bot.settings import Settings
from bot.slack.http import make_wsgi
from bot.teams.app import build_teams
from bot.teams.http import MESSAGES_PATH, messages_endpoint
from flows.clock import SystemClock

WAITRESS_THREADS = 16


def teams_routes(settings: Settings) -> Callable[[Services], dict[str, Callable]]:
    """The routes Teams adds to a server, built from the server's services."""
    return lambda services: {MESSAGES_PATH: messages_endpoint(build_teams(settings, services))}


def run_teams(settings: Settings, port: int) -> int:
    """Serve Teams alone: ``POST /api/messages`` and ``GET /healthz``."""
    from waitress import create_server

    configure_logging(settings.log_level)
    services = build_services(settings, SystemClock())
    server = create_server(make_wsgi(None, services.db, teams_routes(settings)(services)), host="0.0.0.0",
                           port=port, threads=WAITRESS_THREADS)
    freeze_startup_objects()
    signal.signal(signal.SIGTERM, lambda *_: server.close())
    print(f"goedwerk: serving Teams on port {server.effective_port} (POST {MESSAGES_PATH}, GET /healthz).",
          file=sys.stderr, flush=True)
    try:
        server.run()
    except OSError:
        pass  # closed by SIGTERM
    finally:
        services.db.dispose()
    return 0
