"""What the console keeps between sessions: its clock and the buttons it showed.

The console runs on a manual clock; after a restart it must go on from where it stood,
never back to the last thing stored. Buttons ("[3] Contribute") are numbered per
console; they are kept too, so ``/choose 3`` and ``/knoppen`` still work after a restart.
Both live in one small table, ``console_state`` (name → JSON value).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from sqlalchemy import JSON, Column, String, Table, select

from flows.store.base import Base
from flows.store.db import Database
from flows.store.sql import insert_for
from flows.store.types import UTCDateTime

CLOCK, BUTTONS = "clock", "buttons"
KEPT_BUTTONS = 300
"""The newest buttons kept; older ones belong to messages long scrolled away."""

console_state = Table(
    "console_state", Base.metadata,
    Column("name", String(64), primary_key=True),
    Column("value", JSON, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)


@dataclass(frozen=True)
class Button:
    """A numbered button as the console showed it; ``user`` is set when only they saw it."""

    number: int
    channel: str
    label: str
    action: str
    value: str
    user: str | None = None
    used_by: tuple[str, ...] = ()


def _read(db: Database, name: str):
    with db.transaction() as session:
        return session.scalar(select(console_state.c.value).where(console_state.c.name == name))


def _write(db: Database, name: str, value, now: datetime) -> None:
    with db.transaction() as session:
        statement = insert_for(session, console_state).values(name=name, value=value, updated_at=now)
        session.execute(statement.on_conflict_do_update(index_elements=[console_state.c.name],
                                                        set_={"value": value, "updated_at": now}))


def saved_clock(db: Database) -> datetime | None:
    """Where the console's clock stood when it last moved, or None before the first session."""
    value = _read(db, CLOCK)
    return datetime.fromtimestamp(float(value["now"]), tz=UTC) if value else None


def save_clock(db: Database, moment: datetime) -> None:
    _write(db, CLOCK, {"now": moment.timestamp()}, datetime.now(UTC))


def saved_buttons(db: Database) -> list[Button]:
    return [Button(**{**item, "used_by": tuple(item.get("used_by", ()))}) for item in (_read(db, BUTTONS) or [])]


def save_buttons(db: Database, buttons: list[Button]) -> None:
    _write(db, BUTTONS, [asdict(button) for button in buttons[-KEPT_BUTTONS:]], datetime.now(UTC))


def open_buttons(buttons: list[Button], user: str) -> list[Button]:
    """The buttons ``user`` can still press: shown to them or the channel, not pressed by
    them yet; the newest of each (channel, action, value) only."""
    newest: dict[tuple[str, str, str], Button] = {}
    for button in buttons:
        if button.user in (None, user):
            newest[(button.channel, button.action, button.value)] = button
    return sorted((button for button in newest.values() if user not in button.used_by), key=lambda b: b.number)
