"""`goedwerk scheduler`: a process that dispatches timed work and finishes recorded requests.

With Slack settings it sends through Slack (each team's token) and its threads also
claim the requests `goedwerk run` recorded (:mod:`bot.runtime.inbox`), so work goes on
while a serving process restarts; with Teams settings it sends Teams' timed work through
the Bot Connector (both when both are set); without either it prints what falls due, as
the console would.
"""

from __future__ import annotations

import signal
import sys
import threading

from bot.heap import freeze_startup_objects
from bot.logs import configure as configure_logging
from bot.services import build_services
from bot.settings import Settings
from flows.clock import SystemClock
from flows.scheduling.dispatcher import Dispatcher
from flows.scheduling.ticker import Ticker


def run_scheduler(settings: Settings) -> int:
    configure_logging(settings.log_level)
    clock = SystemClock()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    if settings.slack_configured:
        from bot.slack.app import build_app
        from bot.slack.main import start_scheduler
        from bot.slack.request_work import workers_here

        services = build_services(settings, clock)
        slack = build_app(settings, services)
        others = None
        if settings.teams_configured:
            from bot.teams.main import teams_parts

            others = teams_parts(settings)(services).delivers
        freeze_startup_objects()
        ticker = start_scheduler(slack, settings, clock, others)
        requests = workers_here(slack, settings)  # acknowledged requests waiting in the inbox, too
    elif settings.teams_configured:
        from bot.teams.app import build_teams
        from bot.teams.main import start_teams_scheduler

        services = build_services(settings, clock)
        teams = build_teams(settings, services)
        freeze_startup_objects()
        ticker = start_teams_scheduler(teams, settings, clock)
        requests = None
    else:
        from bot.console.adapter import ConsoleAdapter

        services = build_services(settings, clock)
        # the console only prints here; its constructor's types are reworked with the console split (issue 22)
        console = ConsoleAdapter(services.engine, None, clock, settings.zone)  # type: ignore[arg-type]
        freeze_startup_objects()
        ticker = Ticker(Dispatcher(services.db, services.engine, clock, console.deliver), settings.dispatch_interval)
        services.engine.queue_daily_sweep()
        ticker.start()
        requests = None
    print(f"goedwerk: dispatching timed work from {services.db.engine.url.render_as_string(hide_password=True)}.",
          file=sys.stderr, flush=True)
    try:
        stop.wait()
    finally:
        if requests is not None:
            requests.stop()
        ticker.stop()
        services.db.dispose()
    return 0
