"""What the dispatcher needs of the engine, as a protocol.

The engine queues scheduled actions (:mod:`flows.scheduling.actions`) and the dispatcher
runs them through it, so the two packages would import each other. The dispatcher
depends on this protocol instead; :class:`flows.engine.core.Engine` fulfils it.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.orm import Session

from flows.effects import Effect


class ActionRunner(Protocol):
    def run_action(self, action_id: int, owner: str) -> list[Effect] | None:
        """Run a claimed scheduled action: the effects to send; None when it was no longer
        ours or is moot."""
        ...

    def run_weekly_prompts(self, action_ids: list[int], owner: str) -> dict[int, list[Effect] | None]:
        """Run claimed weekly prompts together: the effects per action id (None when moot)."""
        ...

    def channel_unreachable(self, session: Session, action_id: int, reason: str) -> None:
        """The platform refused the channel of a timed action for good."""
        ...
