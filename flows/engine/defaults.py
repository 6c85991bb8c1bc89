"""What a channel uses until it chooses otherwise: the one place for these defaults.

``bot/settings.py`` takes its settings' defaults from here, and the engine gets the
values the settings hold (:class:`Defaults`); a plan's error message shows the default plan.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_PLAN = "kop=1d,handelingen+kennis=1d,waarden+vrijheid=1d,identiteit=1d,staart=3d"
"""The steps of a round: a day each for the head and three pairs of perspectives, three for the tail."""


@dataclass(frozen=True)
class Defaults:
    """What a channel uses until it chooses otherwise."""

    language: str = "nl"
    timezone: str = "Europe/Amsterdam"
    plan: str = DEFAULT_PLAN
    remind_at: float = 0.8
    checkback_days: int = 21
