"""Forms the engine asks adapters to open (Slack modals, console prompts)."""

from __future__ import annotations

from dataclasses import replace

from flows.content.schema import ContentPack
from flows.engine.contributions import own_contribution
from flows.engine.plan import parse_plan
from flows.engine.scope import Refusal, Scope
from flows.engine.topics import VALUES_TOPIC, label, resolve, step_of_topic
from flows.i18n import N_
from flows.store import queries
from flows.views import ContributionForm


def contribution_form(scope: Scope, content: ContentPack, round_id: int, topic_word: str) -> ContributionForm:
    """The form for a topic of this channel's active round (ids from a button are untrusted)."""
    round_row = queries.active_round(scope.session, scope.channel)
    if round_row is None or round_row.id != round_id:
        raise Refusal(N_("This round is no longer open for contributions."))
    plan = parse_plan(round_row.plan)
    topic = resolve(content, plan, topic_word)
    if topic is None:
        raise Refusal(N_("That button is no longer in use."))
    index = step_of_topic(plan, topic)
    if index is not None and index > round_row.step_index:
        raise Refusal(N_("That step has not started yet."))
    lang = scope.language
    if topic in content.perspectives:
        questions = content.perspective(topic).questions.get(lang)
    elif topic == "kop":
        questions = content.process.head_questions.get(lang)
    else:
        questions = content.process.tail_questions.get(lang)
    virtues = tuple(content.virtue_names(lang)) if topic == VALUES_TOPIC else ()
    return ContributionForm(lang, round_row.id, topic, label(content, lang, topic), tuple(questions), virtues)


def edit_form(scope: Scope, content: ContentPack, contribution_id: int) -> ContributionForm:
    """The form to edit the actor's own contribution in this channel, filled in."""
    row, round_row = own_contribution(scope, contribution_id)
    form = contribution_form(scope, content, round_row.id, row.topic)
    names = {virtue.nl: virtue.get(form.language) for virtue in content.virtues}
    return replace(form, contribution_id=row.id, text=row.text, anonymous=row.anonymous,
                   chosen_virtues=tuple(names.get(c.virtue, c.virtue) for c in row.virtues))
