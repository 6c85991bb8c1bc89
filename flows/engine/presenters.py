"""Turning rows into views: the round (kickoff/status), prompts and contributions."""

from __future__ import annotations

from datetime import datetime

from flows.content.schema import ContentPack, Situation
from flows.engine.plan import Plan, parse_plan
from flows.engine.progress import progress
from flows.engine.scope import Scope
from flows.engine.topics import label, topics_of
from flows.i18n import N_, t
from flows.store.models import ROUND_ACTIVE, Contribution, Round
from flows.views import Choice, ContributionView, Coverage, PromptView, RoundView, StepInfo

CONTRIBUTE = "contribute"
PASS = "pass"
STEP_INTRO = {
    "head": N_("Before anyone reacts: everyone first brings in an experience of their own."),
    "body": N_("Look at the situation through this perspective. The questions and the note are there to inspire, not "
               "to be answered one by one."),
    "tail": N_("Bring it together: what, all things considered, is good work here — for you, and if possible for all "
               "of us?"),
}


def situation_of(content: ContentPack, round_row: Round) -> Situation:
    situation = content.situation(round_row.situation_number)
    if situation is None:  # the organisation removed it from its content folder
        raise LookupError(f"situation {round_row.situation_number} is not in the content pack")
    return situation


def description_of(situation: Situation, language: str) -> str:
    """The situation's description without the question it ends in: views show the question
    on its own (emphasised), so it is read once."""
    description, question = situation.description.get(language).strip(), situation.question.get(language).strip()
    if question and description.endswith(question):
        return description[: -len(question)].rstrip()
    return description


def actual_window(round_row: Round, index: int) -> tuple[datetime, datetime]:
    """When step ``index`` really ran: from when its prompt went out until the next step
    opened or the round closed; the planned times for what has not happened yet."""
    step = round_row.steps[index]
    starts = step.opened_at or step.starts_at
    later = round_row.steps[index + 1] if index + 1 < len(round_row.steps) else None
    if later is not None and later.opened_at is not None:
        ends = later.opened_at
    elif round_row.closed_at is not None and step.opened_at is not None:
        ends = min(round_row.closed_at, step.ends_at) if later is not None else round_row.closed_at
    else:
        ends = step.ends_at
    return starts, max(starts, ends)


def round_view(scope: Scope, content: ContentPack, round_row: Round, summary_ready: bool = False) -> RoundView:
    plan = parse_plan(round_row.plan)
    situation = situation_of(content, round_row)
    lang = scope.language
    steps = []
    for index, step in enumerate(round_row.steps):
        if round_row.status != ROUND_ACTIVE or index < round_row.step_index:
            state = "done" if step.opened_at is not None or index <= round_row.step_index else "skipped"
        elif index == round_row.step_index:
            state = "current"
        else:
            state = "upcoming"
        step_label = " + ".join(label(content, lang, topic) for topic in topics_of(plan.steps[index]))
        starts, ends = actual_window(round_row, index)
        steps.append(StepInfo(step.name, step_label, starts, ends, state))
    counts = progress(scope.session, round_row, plan)
    coverage = tuple(Coverage(topic, label(content, lang, topic), count) for topic, count in counts.coverage.items())
    current = steps[round_row.step_index].label if round_row.status == ROUND_ACTIVE else None
    return RoundView(
        language=lang, round_id=round_row.id, status=round_row.status,
        situation_number=situation.number, situation_title=situation.title.get(lang),
        description=description_of(situation, lang), question=situation.question.get(lang),
        steps=tuple(steps), coverage=coverage, participants=counts.participants,
        deadline=round_row.deadline_at, facilitator=round_row.facilitator_id, current_step=current,
        summary_ready=summary_ready,
    )


def prompt_view(scope: Scope, content: ContentPack, round_row: Round, plan: Plan, topic: str) -> PromptView:
    lang = scope.language
    situation = situation_of(content, round_row)
    index = next(i for i, step in enumerate(plan.steps) if topic in topics_of(step))
    step = plan.steps[index]
    if step.kind == "head":
        questions, note = content.process.head_questions.get(lang), None
    elif step.kind == "tail":
        questions, note = content.process.tail_questions.get(lang), None
    else:
        perspective = content.perspective(topic)
        questions, note = perspective.questions.get(lang), situation.notes[topic].get(lang)
    value = f"{round_row.id}:{topic}"
    return PromptView(
        language=lang, round_id=round_row.id, topic=topic, label=label(content, lang, topic),
        step_name=step.name, kind=step.kind, intro=t(lang, STEP_INTRO[step.kind]),
        questions=tuple(questions), note=note, ends_at=round_row.steps[index].ends_at,
        situation_title=situation.title.get(lang),
        choices=(Choice(t(lang, "Contribute"), CONTRIBUTE, value, primary=True),
                 Choice(t(lang, "Nothing to add"), PASS, value)),
    )


def contribution_view(scope: Scope, content: ContentPack, row: Contribution) -> ContributionView:
    """How the channel sees a contribution: never the author of an anonymous one."""
    lang = scope.language
    virtue_names = {v.nl: v.get(lang) for v in content.virtues}
    return ContributionView(
        language=lang, contribution_id=row.id, round_id=row.round_id, topic=row.topic,
        label=label(content, lang, row.topic),
        author=None if row.anonymous else (row.author_name or row.author_id),
        text=row.text, passed=row.passed,
        virtues=tuple(virtue_names.get(v.virtue, v.virtue) for v in row.virtues),
        edited=row.edited_at is not None,
    )
