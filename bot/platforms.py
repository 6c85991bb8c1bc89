"""One process, several platforms: timed work goes to the adapter of its place's platform.

The dispatcher has one ``deliver``; :func:`by_platform` makes it out of each platform's
own, so a due action in a Teams channel is sent through Teams and one in a Slack channel
through Slack, instead of one adapter refusing the other's work. Effects keep their
order within each platform; a platform this process does not serve answers
``not_installed`` (the dispatcher's permanent refusal).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flows.effects import Effect
from flows.scheduling.dispatcher import Deliver

NOT_SERVED = "not_installed"


def by_platform(delivers: Mapping[str, Deliver]) -> Deliver:
    """A dispatcher ``deliver`` that hands each effect to ``delivers[effect.place.platform]``."""
    delivers = dict(delivers)

    def deliver(effects: Sequence[Effect], **options) -> list[str]:
        groups: dict[str, list[Effect]] = {}
        for effect in effects:
            groups.setdefault(effect.place.platform, []).append(effect)
        errors: list[str] = []
        for platform, group in groups.items():
            send = delivers.get(platform)
            if send is None:
                errors += [NOT_SERVED] * len(group)
                continue
            errors += list(send(group, **options) or [])
        return errors

    return deliver
