"""Serving Teams from `goedwerk run`: alone, or beside Slack on the same port."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from bot.heap import freeze_startup_objects
from bot.logs import configure as configure_logging
from bot.services import Services, build_services
from bot.settings import Settings
from bot.slack.http import make_wsgi
from bot.slack.request_guard import server_limit
from bot.teams import files
from bot.teams.app import build_teams
from bot.teams.http import MESSAGES_PATH, messages_endpoint
from bot.teams.inbound import TeamsServices
from flows.clock import Clock, SystemClock
from flows.scheduling.dispatcher import Deliver, Dispatcher
from flows.scheduling.ticker import Ticker

WAITRESS_THREADS = 16


@dataclass
class PlatformParts:
    """What a platform adds to a process: HTTP routes and the sending of its timed work."""

    routes: dict[str, Callable]
    delivers: dict[str, Deliver]


def teams_parts(settings: Settings) -> Callable[[Services], PlatformParts]:
    """Teams' parts, built from a process's services."""

    def build(services: Services) -> PlatformParts:
        teams = build_teams(settings, services)
        return PlatformParts(routes(teams), {"teams": teams.sender.deliver})

    return build


def routes(teams: TeamsServices) -> dict[str, Callable]:
    """Teams' HTTP routes: activities in, and the files cards link to."""
    return {MESSAGES_PATH: messages_endpoint(teams), files.PATH: files.files_endpoint(teams.db, teams.clock)}


def teams_dispatcher(teams: TeamsServices, settings: Settings, clock: Clock) -> Dispatcher:
    """The dispatcher of a process that serves Teams alone."""
    return Dispatcher(teams.db, teams.engine, clock, teams.sender.deliver,
                      lease=timedelta(seconds=settings.dispatch_lease), workers=settings.dispatch_workers,
                      records_sent=True)


def start_teams_scheduler(teams: TeamsServices, settings: Settings, clock: Clock) -> Ticker:
    ticker = Ticker(teams_dispatcher(teams, settings, clock), settings.dispatch_interval)
    teams.engine.on_schedule(ticker.wake)
    teams.engine.queue_daily_sweep()
    ticker.start()
    return ticker


def run_teams(settings: Settings, port: int, scheduler: bool = True) -> int:
    """Serve Teams alone: ``POST /api/messages`` and ``GET /healthz``, and its timed work."""
    from waitress import create_server

    configure_logging(settings.log_level)
    clock = SystemClock()
    services = build_services(settings, clock)
    teams = build_teams(settings, services)
    server = create_server(make_wsgi(None, services.db, settings.max_request_bytes, routes=routes(teams)),
                           host="0.0.0.0", port=port, threads=WAITRESS_THREADS,
                           **server_limit(settings.max_request_bytes))
    freeze_startup_objects()
    ticker = start_teams_scheduler(teams, settings, clock) if scheduler else None
    signal.signal(signal.SIGTERM, lambda *_: server.close())
    print(f"goedwerk: serving Teams on port {server.effective_port} (POST {MESSAGES_PATH}, GET /healthz).",
          file=sys.stderr, flush=True)
    try:
        server.run()
    except OSError:
        pass  # closed by SIGTERM
    finally:
        if ticker is not None:
            ticker.stop()
        services.db.dispose()
    return 0
