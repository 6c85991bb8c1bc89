"""The method's shape: what a well-formed plan leaves out of the conversation or puts out of order.

The method runs head, body (all five perspectives) and tail, in that order. A plan that
breaks this is not refused: the facilitator gets an explanation and starts it only after
confirming (see :mod:`flows.engine.confirm`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flows.engine.plan import PERSPECTIVE_KEYS, Plan
from flows.i18n import N_

LONGEST_STEP = timedelta(days=14)


@dataclass(frozen=True)
class Concern:
    """One way a plan departs from the method, as a catalogue message and its fields."""

    msgid: str
    params: dict[str, Any] = field(default_factory=dict)


def concerns(plan: Plan) -> list[Concern]:
    """Every way ``plan`` departs from the method; empty for a plan that follows it."""
    found: list[Concern] = []
    kinds = [step.kind for step in plan.steps]
    if "head" not in kinds:
        found.append(Concern(N_("There is no kop: nobody first brings in an experience of their own, which is where "
                                "the conversation gets its footing.")))
    covered = {key for step in plan.steps for key in step.perspectives}
    missing = [key for key in PERSPECTIVE_KEYS if key not in covered]
    if missing:
        found.append(Concern(N_("Perspectives missing: {perspectives}. The method looks at a situation from all five, "
                                "because each shows something the others miss."),
                             {"perspectives": missing}))
    if "tail" not in kinds:
        found.append(Concern(N_("There is no staart, so the team does not bring its insights together into an image "
                                "of good work.")))
    elif "body" in kinds and kinds.index("tail") < len(kinds) - 1 - kinds[::-1].index("body"):
        found.append(Concern(N_("The staart comes before a perspective of the body. The image of good work comes "
                                "last, once every perspective has had its turn.")))
    if "head" in kinds and "body" in kinds and kinds.index("head") > kinds.index("body"):
        found.append(Concern(N_("The kop comes after the body. The conversation starts from the team's own "
                                "experiences.")))
    for step in plan.steps:
        if step.duration > LONGEST_STEP:
            found.append(Concern(N_("The step '{step}' lasts longer than 14 days; a conversation that long loses its "
                                    "thread."),
                                 {"step": step.name}))
    return found
