"""Rendering engine effects as Block Kit and sending them through the Web API.

Every effect is sent on its own: one refused call never stops the rest. A Slack
error is logged (method, error code, team, channel — never message text) and, when
a person is waiting for an answer, explained to them in an ephemeral message.
What people wrote is already stored before anything is sent, so nothing is lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.slack.blocks import contribution_modal, message, start_modal
from bot.slack.blocks.home import home_tab
from bot.slack.blocks.image_modals import image_modal
from bot.slack.pacing import ChannelPacer, WorkspaceCooldown, WorkspaceSlots
from flows.clock import Clock
from flows.content.schema import ContentPack
from flows.effects import (
    Delivery,
    DirectFile,
    DirectMessage,
    Effect,
    Ephemeral,
    OpenForm,
    Post,
    Remove,
    SentMessage,
    Update,
    Upload,
)
from flows.i18n import N_, t
from flows.store import messages
from flows.store.db import Database
from flows.views import ContributionForm, HomeView, ImageForm, Notice, SituationList

log = logging.getLogger("goedwerk.slack")
METADATA_EVENT = "goedwerk_message"

ERROR_TEXTS = {
    "not_in_channel": N_("I am not a member of this channel yet. Invite me with /invite @goedwerk and try again."),
    "channel_not_found": N_("I cannot reach this channel. Invite me with /invite @goedwerk and try again."),
    "is_archived": N_("This channel is archived, so goedwerk cannot post here."),
    "ratelimited": N_("Slack is busy right now. Please try again in a minute; nothing you wrote was lost."),
    "invalid_auth": N_("goedwerk is not (or no longer) installed properly in this workspace. Ask an admin to reinstall "
                       "it."),
    "expired_trigger_id": N_("The form could not open in time. Please click or type the command again."),
}
for _code in ("account_inactive", "token_revoked", "not_authed"):
    ERROR_TEXTS[_code] = ERROR_TEXTS["invalid_auth"]
STALE_TOKEN_ERRORS = frozenset({"invalid_auth", "account_inactive", "token_revoked", "not_authed"})
"""Refusals of the token itself: a token read a while ago may have been replaced since."""
UNREACHABLE = "unreachable"
OTHER_ERROR = N_("Slack refused this step ({error}). Nothing you wrote was lost; please try again later.")

Respond = Callable[..., object]


class SlackSender:
    """Delivers effects for one request (or one scheduled action) to Slack."""

    def __init__(self, db: Database, content: ContentPack, clock: Clock, zone: ZoneInfo,
                 client_for_team: Callable[[str], WebClient | None],
                 refresh_client: Callable[[str, WebClient], WebClient | None] | None = None,
                 cooldown: WorkspaceCooldown | None = None) -> None:
        self.db = db
        self.content = content
        self.clock = clock
        self.zone = zone
        self.client_for_team = client_for_team
        self.refresh_client = refresh_client
        """Given a team and the client whose token Slack refused, a client with a newer token (or None)."""
        self.pacer = ChannelPacer()
        self.cooldown = cooldown or WorkspaceCooldown()
        """Workspaces Slack asked to slow down (filled by the clients' 429 handler)."""
        self.slots = WorkspaceSlots()
        """How many posts may be under way in a workspace at once."""

    def deliver(self, effects: Sequence[Effect], *, client: WebClient | None = None,
                trigger_id: str | None = None, respond: Respond | None = None, resend: bool = False,
                delivery: Delivery | None = None) -> list[str]:
        """Send every effect; returns the Slack error codes met (empty when all went well).

        With ``resend`` (a retry of timed work whose earlier outcome is unknown) a keyed
        message is first looked for in the channel's history by its metadata, so a send
        that did arrive is recorded instead of repeated. With ``delivery`` (the
        dispatcher's first sends) keyed posts are not looked up first and where they
        landed goes to ``delivery.sent`` for the caller to record.
        """
        errors: list[str] = []
        clients: dict[str, WebClient | None] = {}  # one token look-up per team, not per effect
        for effect in effects:
            team = effect.place.workspace
            if client is None and team not in clients:
                clients[team] = self.client_for_team(team)
            web = client or clients[team]
            if web is None:
                log.error("no token for team %s; %s not sent", effect.place.workspace, type(effect).__name__)
                errors.append("not_installed")
                continue
            code = self._attempt(web, effect, trigger_id, respond, resend, delivery)
            if code in STALE_TOKEN_ERRORS and client is None and self.refresh_client is not None:
                fresh = self.refresh_client(team, web)  # reinstalled since we read the token?
                if fresh is not None:
                    clients[team] = web = fresh
                    code = self._attempt(web, effect, trigger_id, respond, resend, delivery)
            if code is not None:
                errors.append(code)
                if code != UNREACHABLE:
                    self._explain(web, effect, code, respond)
        return errors

    # -- one effect ---------------------------------------------------------------------

    def _attempt(self, web: WebClient, effect: Effect, trigger_id: str | None, respond: Respond | None,
                 resend: bool, delivery: Delivery | None = None) -> str | None:
        """Send one effect; the Slack error code (or :data:`UNREACHABLE`) it met, logged, or None."""
        try:
            self._send(web, effect, trigger_id, respond, resend, delivery)
        except SlackApiError as error:
            code = str(error.response.get("error", "unknown_error"))
            log.warning("slack refused %s (%s) in team %s channel %s", type(effect).__name__, code,
                        effect.place.workspace, effect.place.channel)
            return code
        except (SlackClientError, OSError) as error:  # Slack or a response URL unreachable
            log.warning("could not deliver %s in team %s: %s", type(effect).__name__,
                        effect.place.workspace, type(error).__name__)
            return UNREACHABLE
        return None

    def _send(self, web: WebClient, effect: Effect, trigger_id: str | None, respond: Respond | None,
              resend: bool = False, delivery: Delivery | None = None) -> None:
        if isinstance(effect, Post):
            self._post(web, effect, resend, delivery)
        elif isinstance(effect, Update):
            ref = messages.find(self.db, effect.place, effect.key)
            if ref is None:
                log.info("no message %s to update in %s", effect.key, effect.place.channel)
                return
            text, blocks = message(effect.view, self.zone)
            web.chat_update(channel=effect.place.channel, ts=ref.ref, text=text, blocks=blocks)
        elif isinstance(effect, Remove):
            ref = messages.find(self.db, effect.place, effect.key)
            if ref is not None:
                web.chat_delete(channel=effect.place.channel, ts=ref.ref)
        elif isinstance(effect, Ephemeral):
            text, blocks = message(effect.view, self.zone)
            if respond is not None:
                respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
            else:
                web.chat_postEphemeral(channel=effect.place.channel, user=effect.user, text=text, blocks=blocks)
        elif isinstance(effect, DirectMessage):
            if effect.key and resend and self._arrived_privately(web, effect):
                return
            text, blocks = message(effect.view, self.zone)
            web.chat_postMessage(channel=effect.user, text=text, blocks=blocks,
                                 metadata=self._metadata(effect.key))
        elif isinstance(effect, OpenForm):
            self._open(web, effect, trigger_id)
        elif isinstance(effect, Upload):
            self._upload(web, effect)
        elif isinstance(effect, DirectFile):  # a private file (a data export) in the person's DM
            dm = web.conversations_open(users=effect.user)["channel"]["id"]
            web.files_upload_v2(channel=dm, initial_comment=effect.comment, file_uploads=[
                {"content": effect.file.content, "filename": effect.file.name, "title": effect.file.title}])

    def _post(self, web: WebClient, effect: Post, resend: bool = False, delivery: Delivery | None = None) -> None:
        if effect.key and delivery is None and messages.find(self.db, effect.place, effect.key) is not None:
            log.info("message %s was sent before; not again", effect.key)
            return
        thread_ts = None
        if effect.thread_key:
            parent = messages.find(self.db, effect.place, effect.thread_key)
            thread_ts = parent.ref if parent else None
        if effect.key and resend and self._arrived(web, effect, thread_ts):
            return
        text, blocks = message(effect.view, self.zone)
        with self.slots.of(effect.place.workspace):
            self.cooldown.wait(effect.place.workspace)
            self.pacer.wait(f"{effect.place.workspace}/{effect.place.channel}")
            response = web.chat_postMessage(channel=effect.place.channel, text=text, blocks=blocks,
                                            thread_ts=thread_ts, metadata=self._metadata(effect.key),
                                            unfurl_links=False, unfurl_media=False)
        if effect.key and delivery is not None:
            delivery.sent.append(SentMessage(effect.place, effect.key, response["ts"], thread_ts))
        elif effect.key:
            messages.remember(self.db, effect.place, effect.key, response["ts"], thread_ts, self.clock.now())

    def _upload(self, web: WebClient, effect: Upload) -> None:
        """Share files with files_upload_v2; remember the first file's permalink under the key."""
        if effect.key and messages.find(self.db, effect.place, effect.key) is not None:
            return
        response = web.files_upload_v2(
            channel=effect.place.channel, initial_comment=effect.comment,
            file_uploads=[{"content": blob.content, "filename": blob.name, "title": blob.title}
                          for blob in effect.files])
        files = response.get("files") or []
        if effect.key and files:
            first = files[0]
            link = first.get("permalink") or first.get("id", "")
            messages.remember(self.db, effect.place, effect.key, str(link)[:255], None, self.clock.now())

    def _open(self, web: WebClient, effect: OpenForm, trigger_id: str | None) -> None:
        if trigger_id is None:
            log.info("form for %s not opened: no trigger", effect.place.channel)
            return
        view = effect.view
        if isinstance(view, ContributionForm):
            web.views_open(trigger_id=trigger_id, view=contribution_modal(view, effect.place.channel))
        elif isinstance(view, ImageForm):
            web.views_open(trigger_id=trigger_id, view=image_modal(view, effect.place.channel))
        elif isinstance(view, SituationList):
            advice = self.content.process.choosing.get(view.language)
            web.views_open(trigger_id=trigger_id, view=start_modal(view, effect.place.channel, advice))

    def _arrived(self, web: WebClient, effect: Post, thread_ts: str | None = None) -> bool:
        """Whether a message with this key is in the channel already, or in the thread of
        ``thread_ts`` for a reply (then remember it)."""
        if thread_ts:
            history = web.conversations_replies(channel=effect.place.channel, ts=thread_ts, limit=200,
                                                include_all_metadata=True)
        else:
            history = web.conversations_history(channel=effect.place.channel, limit=100,
                                                include_all_metadata=True)
        found: dict[str, Any]
        for found in history.get("messages", []):
            payload: dict[str, Any] = (found.get("metadata") or {}).get("event_payload") or {}
            if effect.key is not None and payload.get("key") == effect.key:
                messages.remember(self.db, effect.place, effect.key, found["ts"], found.get("thread_ts"),
                                  self.clock.now())
                log.info("message %s had arrived before the crash; recorded, not sent again", effect.key)
                return True
        return False

    def _arrived_privately(self, web: WebClient, effect: DirectMessage) -> bool:
        """Whether a private message with this key is in the person's DM already (a retried
        action that sent it before a crash). Without the right to read the DM (``im:history``,
        an install from before it was asked), we cannot tell and send it."""
        try:
            dm = web.conversations_open(users=effect.user)["channel"]["id"]
            history = web.conversations_history(channel=dm, limit=50, include_all_metadata=True)
        except SlackApiError as error:
            log.info("could not look for an earlier private message (%s); sending it", error.response.get("error"))
            return False
        earlier: dict[str, Any]
        for earlier in history.get("messages", []):
            payload: dict[str, Any] = (earlier.get("metadata") or {}).get("event_payload") or {}
            if payload.get("key") == effect.key:
                log.info("private message %s had arrived before the crash; not sent again", effect.key)
                return True
        return False

    @staticmethod
    def _metadata(key: str | None) -> dict | None:
        """Message metadata carrying the engine's key, so a reconciler can find the message."""
        return {"event_type": METADATA_EVENT, "event_payload": {"key": key}} if key else None

    def _explain(self, web: WebClient, effect: Effect, code: str, respond: Respond | None) -> None:
        """Tell the person waiting why Slack said no (only when someone is waiting)."""
        if respond is None:
            return
        language = getattr(effect.view, "language", "nl") if hasattr(effect, "view") else "nl"
        text = t(language, ERROR_TEXTS[code]) if code in ERROR_TEXTS else t(language, OTHER_ERROR, error=code)
        try:
            notice_text, blocks = message(Notice(language, text, error=True), self.zone)
            respond(text=notice_text, blocks=blocks, response_type="ephemeral", replace_original=False)
        except Exception as error:  # the response URL itself failed: the log line above remains
            log.warning("could not explain slack error %s: %s", code, type(error).__name__)

    def publish_home(self, web: WebClient, home: HomeView) -> None:
        try:
            web.views_publish(user_id=home.user, view=home_tab(home, self.zone))
        except SlackApiError as error:
            log.warning("slack refused views.publish (%s)", error.response.get("error"))
