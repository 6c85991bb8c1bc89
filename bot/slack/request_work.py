"""Who works on Slack's recorded requests in `goedwerk run`: child processes, or threads here.

With ``GOEDWERK_WORK_PROCESSES`` above 0 (2 unless set; 0 on an in-memory database,
which children could not see) the rows are claimed by that many children
(:class:`bot.runtime.processes.WorkProcesses`), each building its own services with
:func:`serve_requests`; otherwise by :class:`bot.runtime.workers.InboxWorkers` on
threads of the serving process. Either way the listeners' intake wakes them after each
recorded request, and ``ready`` says whether they run (``/healthz``).
"""

from __future__ import annotations

import logging
from typing import Protocol

from bot.heap import freeze_startup_objects
from bot.logs import configure as configure_logging
from bot.runtime.processes import Served, WorkProcesses
from bot.runtime.workers import InboxWorkers
from bot.services import build_services
from bot.settings import Settings
from bot.slack import actors
from bot.slack.app import SlackApp, build_app
from flows.clock import SystemClock

log = logging.getLogger("goedwerk.slack")

DEFAULT_PROCESSES = 2
FACTORY = "bot.slack.request_work:serve_requests"


class RequestWork(Protocol):
    @property
    def ready(self) -> bool: ...

    def stop(self) -> object: ...


def processes_wanted(settings: Settings, database_shared: bool) -> int:
    """``GOEDWERK_WORK_PROCESSES``, or :data:`DEFAULT_PROCESSES` when unset; 0 when the
    database cannot be shared with other processes (in-memory SQLite)."""
    if not database_shared:
        return 0
    return DEFAULT_PROCESSES if settings.work_processes is None else settings.work_processes


def serve_requests(settings: Settings) -> Served:
    """A work process's own services on the same database (the children's factory)."""
    configure_logging(settings.log_level)
    services = build_services(settings, SystemClock(), upgrade=False)
    slack = build_app(settings, services, socket_mode=bool(settings.slack_app_token))
    freeze_startup_objects()
    return Served(services.db, services.engine, {actors.PLATFORM: slack.runner},
                  threads=settings.request_workers, lease=settings.request_lease)


def workers_here(slack: SlackApp, settings: Settings) -> InboxWorkers:
    """Threads of this process that claim and run Slack's recorded requests (started, and
    woken by this process's intake)."""
    workers = InboxWorkers(slack.services.db, {actors.PLATFORM: slack.runner}, threads=settings.request_workers,
                           lease=settings.request_lease)
    workers.start()
    slack.services.intake.wake = workers.wake
    return workers


def attach(slack: SlackApp, settings: Settings) -> RequestWork:
    """Start whoever works on ``slack``'s recorded requests and have the intake wake them."""
    count = processes_wanted(settings, slack.services.db.concurrent)
    if count == 0:
        return workers_here(slack, settings)
    children = WorkProcesses(FACTORY, settings, count, on_scheduled=slack.services.engine.scheduled)
    children.start()
    slack.services.intake.wake = children.wake
    log.info("requests are worked on in %d child processes", count)
    return children
