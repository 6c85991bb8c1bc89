"""Guidance at the right moment: the method's advice, in small doses, when it is needed.

The facilitator gets private messages: at the start, what a situation is for and how
the week will go; before each step, what to watch for in it and where the round stands
(how many took part, which perspectives are still empty). The team gets the body's
introduction when the body starts. What each prompt says about its step is in
:func:`flows.engine.presenters.prompt_view`.

The pack's ``facilitator_tips`` are handed out per moment by :data:`TIPS_AT` (positions
in the list, as ``content/process.yaml`` orders them).
"""

from __future__ import annotations

from flows.content.schema import ContentPack
from flows.effects import DirectMessage, Effect, Post
from flows.engine.plan import Plan
from flows.engine.progress import progress
from flows.engine.scope import Scope
from flows.engine.topics import label, topics_of
from flows.i18n import N_, join, moment_marker, tn
from flows.store.models import Round
from flows.views import Notice

TIPS_AT = {"start": (0,), "head": (1,), "body": (2, 3, 4), "tail": (5, 6)}
"""Which facilitator tips (by position in the pack's list) belong to which moment."""

GLOSSARY = N_("A grenswerker (boundary worker) is someone whose work crosses the lines between teams, organisations "
              "or the world outside. An image of good work is a short story the team writes together about how, in a "
              "situation like this, they want to do good work.")


def tips(content: ContentPack, language: str, moment: str) -> list[str]:
    """The facilitator tips for ``moment`` ("start", "head", "body" or "tail")."""
    every = content.process.facilitator_tips.get(language)
    return [every[position] for position in TIPS_AT[moment] if position < len(every)]


def _to_facilitator(scope: Scope, round_row: Round, lines: list[str], moment: str) -> Effect:
    return DirectMessage(scope.place, round_row.facilitator_id, Notice(scope.language, "\n".join(lines)),
                         key=f"guide:{round_row.id}:{moment}")


def at_start(scope: Scope, content: ContentPack, round_row: Round, plan: Plan) -> list[Effect]:
    """What the facilitator reads as the round starts: their role, what a situation is for, the week."""
    lines = [scope.t(N_("You are the facilitator of this round. A few words of advice along the way, only for you:"))]
    lines += [f"• {tip}" for tip in tips(content, scope.language, "start")]
    lines.append(scope.t(N_("How the round goes:")))
    for index, step in enumerate(plan.steps):
        names = join(scope.language, [label(content, scope.language, topic) for topic in topics_of(step)])
        window = round_row.steps[index]
        lines.append(scope.t(N_("• {step}, from {start} until {end}"), step=names,
                             start=moment_marker(window.starts_at), end=moment_marker(window.ends_at)))
    lines.append(scope.t(N_("The steps open by themselves; with '/goedwerk next' you move on earlier. Before each "
                            "step you get a short note here.")))
    return [_to_facilitator(scope, round_row, lines + _step_lines(scope, content, round_row, plan, 0), "start")]


def before_step(scope: Scope, content: ContentPack, round_row: Round, plan: Plan, index: int) -> list[Effect]:
    """The facilitator's note as step ``index`` opens: what to watch for, and where the round stands.

    Nothing for a step that is already over when it opens (after downtime, the round catches up).
    """
    if scope.now >= round_row.steps[index].ends_at:
        return []
    return [_to_facilitator(scope, round_row, _step_lines(scope, content, round_row, plan, index), str(index))]


def _step_lines(scope: Scope, content: ContentPack, round_row: Round, plan: Plan, index: int) -> list[str]:
    step = plan.steps[index]
    names = join(scope.language, [label(content, scope.language, topic) for topic in topics_of(step)])
    lines = [scope.t(N_("Now starting: {step}. What to watch for:"), step=names)]
    lines += [f"• {tip}" for tip in tips(content, scope.language, step.kind)]
    counts = progress(scope.session, round_row, plan)
    lines.append(tn(scope.language, "So far {count} person has taken part.", "So far {count} people have taken part.",
                    counts.participants))
    opened = [topic for earlier in plan.steps[:index] for topic in earlier.perspectives]
    empty = [label(content, scope.language, topic) for topic in opened if counts.coverage.get(topic, 0) == 0]
    if empty:
        lines.append(scope.t(N_("Perspectives still without a contribution: {perspectives}. You could ask about them "
                                "in their threads."),
                             perspectives=join(scope.language, empty)))
    elif opened:
        lines.append(scope.t(N_("Every perspective so far has contributions.")))
    return lines


def body_opening(scope: Scope, content: ContentPack, round_row: Round, plan: Plan, index: int) -> list[Effect]:
    """The body's introduction for the team, posted as its first step opens."""
    kinds = [step.kind for step in plan.steps]
    if kinds[index] != "body" or "body" in kinds[:index]:
        return []
    return [Post(scope.place, Notice(scope.language, content.process.body_intro.get(scope.language)),
                 key=f"intro:{round_row.id}:body")]

