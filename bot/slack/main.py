"""Serving Slack: HTTP on a production WSGI server (waitress) or Socket Mode."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from datetime import timedelta

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.heap import freeze_startup_objects
from bot.logs import configure as configure_logging
from bot.platforms import by_platform
from bot.services import build_services
from bot.settings import Settings
from bot.slack import request_work
from bot.slack.app import build_app
from bot.slack.http import make_wsgi
from bot.slack.request_guard import server_limit
from flows.clock import SystemClock
from flows.scheduling.dispatcher import Dispatcher
from flows.scheduling.ticker import Ticker

log = logging.getLogger("goedwerk")
WAITRESS_THREADS = 16


def slack_dispatcher(slack, settings: Settings, clock, others: dict | None = None) -> Dispatcher:
    """The dispatcher that sends timed work with each team's token (``slack``: a built app);
    ``others`` (platform → deliver) sends other platforms' timed work (Teams)."""
    sender = slack.services.sender

    def deliver(effects, resend=False, delivery=None):
        return sender.deliver(effects, resend=resend, delivery=delivery)

    return Dispatcher(slack.services.db, slack.services.engine, clock,
                      by_platform({"slack": deliver, **others}) if others else deliver,
                      lease=timedelta(seconds=settings.dispatch_lease), workers=settings.dispatch_workers,
                      records_sent=True,
                      before_sending=lambda places: before_sending(slack, places))


def before_sending(slack, places) -> None:
    """Before a batch of posts: read their workspaces' tokens in one go, and learn which
    of them other processes found Slack rate-limiting."""
    workspaces = {place.workspace for place in places if place.platform == "slack"}
    slack.clients.warm(workspaces)
    slack.services.sender.cooldown.adopt(workspaces)


def start_scheduler(slack, settings: Settings, clock, others: dict | None = None) -> Ticker:
    """Run the dispatcher in this process: timed steps are sent with each team's token."""
    ticker = Ticker(slack_dispatcher(slack, settings, clock, others), settings.dispatch_interval)
    slack.services.engine.on_schedule(ticker.wake)
    slack.services.engine.queue_daily_sweep()
    ticker.start()
    return ticker


def run_slack(settings: Settings, port: int, scheduler: bool, parts=None) -> int:
    """Serve Slack; ``settings`` were checked as a whole when loaded (:mod:`bot.settings`).
    ``parts(services)``, when given, adds another platform's routes on the same port and its
    timed work to the dispatcher (Teams: :class:`bot.teams.main.PlatformParts`)."""
    configure_logging(settings.log_level)
    clock = SystemClock()
    services = build_services(settings, clock)
    slack = build_app(settings, services, socket_mode=bool(settings.slack_app_token))
    extra = parts(services) if parts else None
    freeze_startup_objects()
    ticker = start_scheduler(slack, settings, clock, extra.delivers if extra else None) if scheduler else None
    work = request_work.attach(slack, settings)
    try:
        if settings.slack_app_token:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            try:
                handler = SocketModeHandler(slack.app, settings.slack_app_token)
                handler.connect()
            except (SlackApiError, SlackClientError, OSError) as error:
                detail = error.response.get("error") if isinstance(error, SlackApiError) else type(error).__name__
                print(f"goedwerk: cannot open a Socket Mode connection to Slack ({detail}); check SLACK_APP_TOKEN "
                      "and that this machine reaches Slack.", file=sys.stderr)
                return 2
            print("goedwerk: connected to Slack in Socket Mode.", file=sys.stderr, flush=True)
            stop = threading.Event()
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
            try:
                stop.wait()
            except KeyboardInterrupt:
                pass
            handler.close()
        else:
            from waitress import create_server

            routes = extra.routes if extra else {}
            server = create_server(make_wsgi(slack.app, services.db, settings.max_request_bytes,
                                             ready=lambda: work.ready, routes=routes),
                                   host="0.0.0.0", port=port, threads=WAITRESS_THREADS,
                                   **server_limit(settings.max_request_bytes))
            signal.signal(signal.SIGTERM, lambda *_: server.close())
            also = ", ".join(f"POST {path}" for path in routes)
            print(f"goedwerk: serving Slack on port {server.effective_port} (POST /slack/events, "
                  f"{also + ', ' if also else ''}GET /healthz).",
                  file=sys.stderr, flush=True)
            try:
                server.run()
            except OSError:
                pass  # closed by SIGTERM
    finally:
        work.stop()  # what is in hand finishes within seconds; the rest stays in the inbox
        if ticker is not None:
            ticker.stop()
        services.db.dispose()
    return 0
