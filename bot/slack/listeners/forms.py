"""What to say when a form's trigger id is too old.

A form opens with ``views.open`` and the request's ``trigger_id``, which Slack honours
for 3 seconds. Listeners send such work to the work queue's form lane
(:meth:`bot.slack.work.WorkQueue.submit_form`) and pass :func:`too_late` for when it
comes up too late. Which choices and commands open a form is the engine's business,
read from :mod:`flows.engine.traits`; it only decides the lane: a request put in the
wrong lane still runs.
"""

from __future__ import annotations

from slack_sdk import WebClient

from bot.slack import actors
from bot.slack.sender import ERROR_TEXTS, Respond
from bot.slack.services import SlackServices
from flows.effects import Ephemeral, Place
from flows.i18n import t
from flows.views import Notice

def too_late(services: SlackServices, client: WebClient, team: str, channel: str, user: str,
             respond: Respond | None = None) -> None:
    """Tell ``user`` (ephemeral) that the form could not open in time, in the channel's language."""
    language = services.language_of(team, channel) if channel else services.defaults.language
    note = Notice(language, t(language, ERROR_TEXTS["expired_trigger_id"]), error=True)
    services.sender.deliver([Ephemeral(Place(actors.PLATFORM, team, channel), user, note)], client=client,
                            respond=respond)
