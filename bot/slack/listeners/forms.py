"""Which requests open a form.

A form opens with ``views.open`` and the request's ``trigger_id``, which Slack honours
for 3 seconds. Listeners record such requests as urgent (workers take them first); one
that still comes up too late gets a note instead (:func:`bot.slack.requests.too_late`).
Which choices and commands open a form is the engine's business (``Engine._choice`` and
``Engine._command`` return ``OpenForm``); the sets here mirror them and only decide
whether a request is urgent: a request marked wrongly still runs.
"""

from __future__ import annotations

from flows.engine import commands, presenters

FORM_CHOICES = frozenset({presenters.CONTRIBUTE, "edit", "image_text", "image_vote", "image_picture"})
"""Button and menu choices (``Choose.action``) the engine answers with a form."""


def choice_opens_form(name: str) -> bool:
    return name in FORM_CHOICES


def command_opens_form(text: str) -> bool:
    """``start`` without a situation opens the situation picker (when no round is running)."""
    try:
        parsed = commands.parse(text)
    except commands.CommandError:
        return False
    return parsed.name == "start" and parsed.args["situation"] is None and not parsed.args["random"]
