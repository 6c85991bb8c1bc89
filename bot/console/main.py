"""Starting the console adapter from settings."""

from __future__ import annotations

import sys
from datetime import datetime, timezone

from sqlalchemy import func, select

from bot.console.adapter import ConsoleAdapter
from bot.services import build_services
from bot.settings import Settings
from flows.clock import ManualClock
from flows.i18n import t
from flows.scheduling.dispatcher import Dispatcher
from flows.store.db import Database
from flows.store.models import Contribution, Round, ScheduledAction


def resume_time(db: Database) -> datetime:
    """Where the console's clock stood when the last session stopped (never before now)."""
    with db.transaction() as session:
        moments = [session.scalar(select(func.max(column))) for column in
                   (ScheduledAction.updated_at, Round.started_at, Round.closed_at, Contribution.created_at)]
    now = datetime.now(timezone.utc)
    return max([now, *(m for m in moments if m is not None)])


def run_console(settings: Settings, user: str = "me", channel: str = "team", stdin=None) -> int:
    stdin = stdin or sys.stdin
    clock = ManualClock()
    services = build_services(settings, clock)
    clock.set(resume_time(services.db))
    console = ConsoleAdapter(services.engine, None, clock, settings.zone,  # type: ignore[arg-type]  # set just below
                             user=user, channel=channel)
    console.dispatcher = Dispatcher(services.db, services.engine, clock, console.deliver)
    interactive = stdin.isatty()
    lang = settings.language
    if interactive:
        print(t(lang, "goedwerk console — type '/goedwerk help' to begin, '/quit' to stop."))
        lines = _interactive_lines(console)
    else:
        lines = stdin
    console.run(lines, echo=not interactive)
    services.db.dispose()
    return 0


def _interactive_lines(console: ConsoleAdapter):
    while True:
        try:
            yield input(console.prompt())
        except EOFError:
            return
