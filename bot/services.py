"""Building the running parts from settings: database, content, engine, dispatcher."""

from __future__ import annotations

from dataclasses import dataclass

from bot.settings import Settings
from flows.clock import Clock
from flows.content import ContentPack, load_pack
from flows.engine.core import Engine
from flows.engine.defaults import Defaults
from flows.store import migrate
from flows.store.db import Database


@dataclass
class Services:
    settings: Settings
    db: Database
    content: ContentPack
    engine: Engine


def build_services(settings: Settings, clock: Clock, *, upgrade: bool = True) -> Services:
    """Load content (raises ContentError), upgrade the database, build the engine."""
    content = load_pack(settings.content_dir)
    if upgrade:
        migrate.upgrade(settings.database_url)
    db = Database(settings.database_url)
    defaults = Defaults(language=settings.language, timezone=settings.timezone, plan=settings.round_plan,
                        remind_at=settings.reminder_at, checkback_days=settings.checkback_days)
    return Services(settings, db, content, Engine(db, content, clock, defaults))
