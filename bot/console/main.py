"""Starting the console adapter from settings."""

from __future__ import annotations

import getpass
import sys
from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.console.adapter import ConsoleAdapter
from bot.console.state import saved_clock
from bot.services import build_services
from bot.settings import Settings
from flows.clock import ManualClock
from flows.i18n import t
from flows.scheduling.dispatcher import Dispatcher
from flows.store.db import Database
from flows.store.models import Contribution, Round, ScheduledAction


def resume_time(db: Database) -> datetime:
    """A start for a console that never saved its clock: now, or the last moment the
    database knows of when that is later (it may have been ticked ahead)."""
    with db.transaction() as session:
        moments = [session.scalar(select(func.max(column))) for column in
                   (ScheduledAction.updated_at, Round.started_at, Round.closed_at, Contribution.created_at)]
    now = datetime.now(UTC)
    return max([now, *(m for m in moments if m is not None)])


def login_name() -> str:
    """Who is at the keyboard: the system login name (the console's default user)."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no login name in the environment or the password database
        name = ""
    return "".join(name.split()) or "me"


def run_console(settings: Settings, user: str | None = None, channel: str = "team", stdin=None) -> int:
    stdin = stdin or sys.stdin
    user = user or login_name()
    clock = ManualClock()
    services = build_services(settings, clock)
    clock.set(saved_clock(services.db) or resume_time(services.db))
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
