"""Modal submissions: the contribution form and the start form.

Field problems Slack can show inline (too long, empty) are answered with
``response_action: errors``; a good submission is written to the requests inbox
(:mod:`bot.slack.requests`) before ``ack()`` closes the form, and a worker takes it to
the engine.
``private_metadata`` is untrusted: the engine looks ids up and checks them.
"""

from __future__ import annotations

import json
import logging
import urllib.request

from slack_bolt import App

from bot.slack import actors, requests
from bot.slack.blocks import CALLBACK_CONTRIBUTE, CALLBACK_START, read_metadata, read_start, read_submission
from bot.slack.blocks.image_modals import CALLBACK_IMAGE, read_image
from bot.slack.blocks.modals import BLOCK_TEXT
from bot.slack.requests import SlackRequest
from bot.slack.services import SlackServices
from flows.engine.contributions import MAX_TEXT
from flows.events import Choose, Command, Contribute, EditContribution, EditImage
from flows.i18n import N_, t

log = logging.getLogger("goedwerk.slack")
TOO_LONG = N_("At most {limit} characters, please; this text has {length}. Nothing was stored yet.")
EMPTY = N_("Write something, or tick 'nothing to add'.")
MAX_PICTURE = 10 * 1024 * 1024


def _metadata(view: dict) -> dict:
    try:
        data = read_metadata(view.get("private_metadata", ""))
    except (json.JSONDecodeError, TypeError):
        return {}
    return data if isinstance(data, dict) else {}


def download(url: str, token: str | None, limit: int = MAX_PICTURE) -> bytes | None:
    """A user's uploaded file (``url_private_download``), read with the bot token; None when it fails.

    More than ``limit`` bytes is cut off, which the engine then refuses as not a picture.
    """
    if not url.startswith(("https://", "http://")) or not token:
        return None
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read(limit + 1)
    except OSError as error:
        log.warning("could not download an uploaded picture: %s", type(error).__name__)
        return None


def register(app: App, services: SlackServices) -> None:
    @app.view(CALLBACK_CONTRIBUTE)
    def on_contribution(ack, body, view):
        meta = _metadata(view)
        values = read_submission(view.get("state", {}))

        def language() -> str:  # asked only for an error: a good submission is acked before any database work
            return services.language_of(actors.team_of(body), str(meta.get("channel", "")))

        if len(values["text"]) > MAX_TEXT:
            ack(response_action="errors",
                errors={BLOCK_TEXT: t(language(), TOO_LONG, limit=MAX_TEXT, length=len(values["text"]))})
            return
        if not values["text"] and not values["passed"] and not values["virtues"]:
            ack(response_action="errors", errors={BLOCK_TEXT: t(language(), EMPTY)})
            return
        services.intake.submit(requests.view(requests.VIEW_CONTRIBUTE, body, str(meta.get("channel", ""))))
        ack()

    @app.view(CALLBACK_IMAGE)
    def on_image(ack, body, view):
        services.intake.submit(requests.view(requests.VIEW_IMAGE, body, str(_metadata(view).get("channel", ""))))
        ack()

    @app.view(CALLBACK_START)
    def on_start(ack, body, view):
        services.intake.submit(requests.view(requests.VIEW_START, body, str(_metadata(view).get("channel", ""))))
        ack()


def run_contribution(request: SlackRequest) -> None:
    """Store a submitted contribution form (new or edited) and post what follows."""
    body, client = request.body, request.client
    view = body.get("view") or {}
    meta, values = _metadata(view), read_submission(view.get("state", {}))
    team, user = actors.team_of(body), body.get("user", {}).get("id", "")
    channel, contribution_id = str(meta.get("channel", "")), meta.get("contribution_id")
    round_id = meta.get("round_id")
    if not channel or not isinstance(round_id, int):
        log.warning("contribution form with unusable metadata ignored")
        return
    who = actors.actor(team, channel, user, user_name=actors.display_name(client, user))
    event: EditContribution | Contribute
    if isinstance(contribution_id, int):
        event = EditContribution(who, contribution_id, values["text"], values["anonymous"], values["virtues"])
    else:
        event = Contribute(who, str(meta.get("topic", "")), values["text"], anonymous=values["anonymous"],
                           passed=values["passed"], virtues=values["virtues"],
                           idempotency_key=f"slack-view:{view.get('id')}", round_id=round_id)
    request.deliver(request.handle(event))


def run_image(request: SlackRequest) -> None:
    """Apply a submitted image-of-good-work form (texts, vote, picture)."""
    body, client = request.body, request.client
    view = body.get("view") or {}
    meta = _metadata(view)
    team, user = actors.team_of(body), body.get("user", {}).get("id", "")
    channel, round_id = str(meta.get("channel", "")), meta.get("round_id")
    if not channel or not isinstance(round_id, int):
        log.warning("image form with unusable metadata ignored")
        return
    who = actors.actor(team, channel, user, is_admin=actors.is_admin(client, user))
    fields = read_image(view.get("state", {}))
    upload = fields.pop("upload")
    data = download(upload, client.token) if upload else None
    request.deliver(request.handle(EditImage(who, round_id, picture_bytes=data, **fields)))


def run_start(request: SlackRequest) -> None:
    """Start the round chosen in the start form."""
    body, client = request.body, request.client
    view = body.get("view") or {}
    meta = _metadata(view)
    team, user = actors.team_of(body), body.get("user", {}).get("id", "")
    channel = str(meta.get("channel", ""))
    if not channel:
        log.warning("start form with unusable metadata ignored")
        return
    chosen = read_start(view.get("state", {}))
    who = actors.actor(team, channel, user, user_name=actors.display_name(client, user))
    situation = str(chosen["situation"])
    if chosen["plan"]:
        text = f"start {situation if situation.isdigit() else 'random'} plan={chosen['plan']}"
        effects = request.handle(Command(who, text))
    else:
        effects = request.handle(Choose(who, "start", situation))
    request.deliver(effects)
