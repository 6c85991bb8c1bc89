"""Test harness: a real engine, dispatcher and console on a real database, with a manual clock."""

from __future__ import annotations

import random
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.console.adapter import ConsoleAdapter
from flows.clock import ManualClock
from flows.content import ContentPack, load_pack
from flows.effects import DirectMessage, Effect, Ephemeral, OpenForm
from flows.engine.core import Engine
from flows.engine.defaults import Defaults
from flows.scheduling.dispatcher import Dispatcher
from flows.store.db import Database

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# A Monday morning, 10:00 in Amsterdam.
MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=AMSTERDAM)
QUICK_PLAN = "kop=1m,handelingen+kennis=1m,waarden+vrijheid=1m,identiteit=1m,staart=2m"


@cache
def content() -> ContentPack:
    return load_pack()


def channel_visible(effect: Effect) -> bool:
    """Effects everyone in the channel can see (not ephemerals, DMs or forms)."""
    return not isinstance(effect, (Ephemeral, DirectMessage, OpenForm))


@dataclass
class Recorder:
    """Collects every effect delivered, in order."""

    effects: list[Effect] = field(default_factory=list)

    def __call__(self, effects: list[Effect], resend: bool = False) -> None:
        self.effects.extend(effects)


def make_engine(db: Database, clock: ManualClock, seed: int = 7, plan: str = Defaults.plan) -> Engine:
    return Engine(db, content(), clock, Defaults(plan=plan), rng=random.Random(seed))


@dataclass
class Console:
    """A console session whose output is collected as a transcript."""

    db: Database
    clock: ManualClock
    plan: str = Defaults.plan
    lines: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.engine = make_engine(self.db, self.clock, plan=self.plan)
        self.files_dir = Path(tempfile.mkdtemp(prefix="goedwerk-files-"))
        self.adapter = ConsoleAdapter(self.engine, None, self.clock, AMSTERDAM, write=self.lines.append,
                                      files_dir=self.files_dir)
        self.adapter.dispatcher = Dispatcher(self.db, self.engine, self.clock, self.adapter.deliver)

    def run(self, script: str) -> str:
        """Replay a script; returns the part of the transcript it produced."""
        start = len(self.lines)
        self.adapter.run(script.strip().splitlines(), echo=True)
        return "\n".join(self.lines[start:])

    @property
    def transcript(self) -> str:
        return "\n".join(self.lines)
