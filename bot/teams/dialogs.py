"""The contribution dialog (a Teams task module): its card, reading it back, and the answers.

*Contribute* (and *Edit* on a contribution) is a button that asks Teams for a dialog
(``task/fetch``); the answer is the form as a card (:func:`contribution_dialog`). Sending
it arrives as ``task/submit`` with the fields and the data of the dialog's own submit
button (:data:`FORM` with round, topic, contribution and channel: untrusted, the engine
looks them up and checks them). Teams sends a multi-select as one comma-joined string.
The fields and limits are the Slack form's; a field problem keeps the dialog open with the
reason above the fields and the text kept (:func:`field_problem`).
"""

from __future__ import annotations

from dataclasses import dataclass

from microsoft_teams.cards import Choice as CardChoice
from microsoft_teams.cards import ChoiceSetInput, SubmitAction, TextInput

from bot.teams import cards
from flows.engine.contributions import MAX_TEXT
from flows.i18n import N_, t
from flows.views import ContributionForm

FORM = "contribution_form"
"""The ``goedwerk`` action of the dialog's own submit button."""
ANONYMOUS, PASS = "anonymous", "pass"
TOO_LONG = N_("At most {limit} characters, please; this text has {length}. Nothing was stored yet.")
EMPTY = N_("Write something, or tick 'nothing to add'.")


@dataclass(frozen=True)
class Submitted:
    """A sent contribution dialog: the form's ids (untrusted) and the fields."""

    round_id: int
    topic: str
    contribution_id: int | None
    channel: str | None
    text: str
    anonymous: bool
    passed: bool
    virtues: tuple[str, ...]


def contribution_dialog(form: ContributionForm, channel: str, error: str | None = None) -> dict:
    """The ``task/fetch`` (or field problem) answer: the form in a dialog."""
    lang = form.language
    editing = form.contribution_id is not None
    body: list = [cards.heading(form.label)]
    if error:
        body.append(cards.text(error, color="Attention", weight="Bolder"))
    body += [cards.small(f"- {question}") for question in form.questions]
    limit = max(1, form.max_length)
    body.append(TextInput(id="text", label=t(lang, "Your contribution"), is_multiline=True, max_length=limit,
                          value=form.text or None, placeholder=t(lang, "At most {limit} characters.", limit=limit)))
    options = [CardChoice(title=t(lang, "Post anonymously"), value=ANONYMOUS)]
    if not editing:
        options.append(CardChoice(title=t(lang, "Nothing to add (pass)"), value=PASS))
    body.append(ChoiceSetInput(id="options", label=t(lang, "Options"), is_multi_select=True, style="expanded",
                               choices=options, value=ANONYMOUS if form.anonymous else None))
    if form.virtue_options:
        body.append(ChoiceSetInput(id="virtues", label=t(lang, "Virtues"), is_multi_select=True,
                                   placeholder=t(lang, "Choose virtues"),
                                   choices=[CardChoice(title=name, value=name) for name in sorted(form.virtue_options)],
                                   value=",".join(form.chosen_virtues) or None))
    data = {cards.ACTION: FORM, "round": form.round_id, "topic": form.topic,
            "contribution": form.contribution_id, cards.CHANNEL: channel}
    send = SubmitAction(title=t(lang, "Send"), data=data, style="positive")
    card = cards.AdaptiveCard(version=cards.VERSION, body=body, actions=[send])
    title = t(lang, "Edit contribution") if editing else t(lang, "Contribute")
    return {"task": {"type": "continue", "value": {
        "title": title, "width": "medium", "height": "large",
        "card": {"contentType": cards.CONTENT_TYPE, "content": card.model_dump(exclude_none=True, by_alias=True)}}}}


def message(text: str) -> dict:
    """The answer that closes a dialog with a short message."""
    return {"task": {"type": "message", "value": text[:500]}}


def read(data: dict) -> Submitted | None:
    """The sent dialog's ids and fields; None when they are not of the expected shape."""
    round_id, contribution, channel = data.get("round"), data.get("contribution"), data.get(cards.CHANNEL)
    text, topic = data.get("text", ""), data.get("topic", "")
    if not isinstance(round_id, int) or not isinstance(topic, str) or not isinstance(text, str):
        return None
    if contribution is not None and not isinstance(contribution, int):
        return None
    options = _listed(data.get("options"))
    return Submitted(round_id, topic[:64], contribution, channel if isinstance(channel, str) else None,
                     text.strip(), ANONYMOUS in options, PASS in options and contribution is None,
                     tuple(_listed(data.get("virtues")))[:20])


def field_problem(language: str, submitted: Submitted) -> str | None:
    """Why the dialog cannot be stored as sent (shown in the dialog), or None."""
    if len(submitted.text) > MAX_TEXT:
        return t(language, TOO_LONG, limit=MAX_TEXT, length=len(submitted.text))
    if not submitted.text and not submitted.passed and not submitted.virtues:
        return t(language, EMPTY)
    return None


def _listed(value) -> list[str]:
    if not isinstance(value, str):
        return []
    return [item.strip()[:75] for item in value.split(",") if item.strip()]
