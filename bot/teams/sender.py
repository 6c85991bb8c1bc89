"""Rendering engine effects as Adaptive Cards and sending them through the Bot Connector.

How each effect lands in Teams:

- :class:`Post` in a channel: a new top-level post (create-conversation), or with a
  ``thread_key`` a reply in that post's thread (``<channel>;messageid=<root>``). In a
  group chat, which has no threads, a message in the chat. The keyed message is
  remembered with ``ref`` = its activity id and ``thread_ref`` = its thread's root id.
- :class:`Update` / :class:`Remove`: PUT / DELETE of the remembered activity.
- :class:`DirectMessage`, and :class:`Ephemeral` (Teams has no message only one person
  sees in a channel): a message in the person's 1:1 chat with the bot, created once.
  An ephemeral answer to a click in a dialog becomes the dialog's answer instead.
- :class:`OpenForm`: only as the answer to a dialog request (:class:`Turn.form`).
- :class:`Upload`: a new channel post with the picture inline and a button to the PDF, both
  served by goedwerk by expiring link (:mod:`bot.teams.files`); :class:`DirectFile` (a data
  export): the same card in the person's 1:1 chat. Links in the collection are made fresh.

Every effect is sent on its own: one refused call never stops the rest. Errors are
logged with the operation, status, tenant and channel, never message text. What
people wrote is already stored before anything is sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo

from microsoft_agents.activity import Activity, Attachment
from sqlalchemy import select

from bot.teams import cards, conversations, files
from bot.teams.connector import BotConnector, ConnectorError
from bot.teams.conversations import ConversationRef
from flows.clock import Clock
from flows.effects import (
    Delivery,
    DirectFile,
    DirectMessage,
    Effect,
    Ephemeral,
    OpenForm,
    Place,
    Post,
    Remove,
    SentMessage,
    Update,
    Upload,
)
from flows.i18n import N_, t
from flows.scheduling.dispatcher import RATE_LIMITED
from flows.store import messages
from flows.store.db import Database
from flows.store.models import Channel, Person, Workspace
from flows.views import ImageList, PublishedView, View

log = logging.getLogger("goedwerk.teams")
UNREACHABLE = "channel_unreachable"
UNSUPPORTED = "unsupported"
PDF_LINK = N_("The A4 as PDF")


@dataclass(frozen=True)
class FileLinks:
    """Where shared files are served (``GOEDWERK_PUBLIC_URL``) and how long a link works."""

    public_url: str
    days: int = 30
    language: str = "nl"
    """The language of a link's button when the channel chose none."""


@dataclass
class Turn:
    """The inbound activity being answered, when effects answer a person (not timed work)."""

    conversation: ConversationRef
    user: str
    in_dialog: bool = False
    """A dialog request (``task/fetch``/``task/submit``): forms and notices go into its answer."""
    form: View | None = None
    """The form an :class:`OpenForm` asked for (the dialog's answer)."""
    notices: list[View] = field(default_factory=list)
    """Ephemeral notices answered in the dialog instead of a 1:1 message."""


def outcome(error: ConnectorError) -> str:
    """The neutral name of a Bot Connector refusal."""
    if error.status == 429:
        return RATE_LIMITED
    if error.status in (401, 403):
        return "access_revoked"
    if error.status == 404:
        return UNREACHABLE
    if error.status == 0 or error.status >= 500 or error.status == 412:
        return "transient"
    return "permanent"


def message_activity(view: View, zone: ZoneInfo, names: cards.Names | None = None) -> dict:
    """A message activity (Microsoft's model) carrying the view's card."""
    summary, content = cards.card(view, zone, names)
    activity = Activity(type="message", summary=summary,
                        attachments=[Attachment(content_type=cards.CONTENT_TYPE, content=content)])
    return activity.model_dump(mode="json", by_alias=True, exclude_none=True)


class TeamsSender:
    """Delivers effects to Teams (see the module's docstring)."""

    def __init__(self, db: Database, connector: BotConnector, clock: Clock, zone: ZoneInfo,
                 links: FileLinks) -> None:
        self.db = db
        self.connector = connector
        self.clock = clock
        self.zone = zone
        self.links = links

    def deliver(self, effects: Sequence[Effect], turn: Turn | None = None, *, resend: bool = False,
                delivery: Delivery | None = None) -> list[str]:
        """Send every effect; the outcomes that went wrong (empty when all went well).

        The dispatcher's options: ``resend`` (a retry whose earlier outcome is unknown) changes
        nothing here, since Teams cannot be asked whether a message arrived; with ``delivery``
        (its first sends of a batch) where keyed posts landed goes to ``delivery.sent`` for the
        dispatcher to record, instead of being recorded here.
        """
        errors = []
        for effect in effects:
            try:
                self._send(effect, turn, delivery)
            except ConnectorError as error:
                log.warning("teams refused %s (%s %s %s) in tenant %s channel %s", type(effect).__name__,
                            error.operation, error.status, error.code, effect.place.workspace, effect.place.channel)
                errors.append(outcome(error))
            except _NotSent as reason:
                log.info("%s not sent in tenant %s: %s", type(effect).__name__, effect.place.workspace, reason)
                errors.append(str(reason))
        return errors

    def _send(self, effect: Effect, turn: Turn | None, delivery: Delivery | None = None) -> None:
        if isinstance(effect, (Post, Update, DirectMessage, Ephemeral, OpenForm)):
            effect = replace(effect, view=self._fresh_links(effect.view))
        if isinstance(effect, Post):
            self._post(effect, delivery)
        elif isinstance(effect, Update):
            where = self._landed(effect.place, effect.key)
            if where is not None:
                channel, conversation, activity_id = where
                self.connector.update(channel.service_url, channel.tenant, conversation, activity_id,
                                      self._activity(effect.view, effect.place))
        elif isinstance(effect, Remove):
            where = self._landed(effect.place, effect.key)
            if where is not None:
                channel, conversation, activity_id = where
                self.connector.delete(channel.service_url, channel.tenant, conversation, activity_id)
        elif isinstance(effect, Ephemeral):
            if turn is not None and turn.in_dialog:
                turn.notices.append(effect.view)
            else:
                self._direct(effect.place, effect.user, effect.view)
        elif isinstance(effect, DirectMessage):
            self._direct(effect.place, effect.user, effect.view)
        elif isinstance(effect, OpenForm):
            if turn is None or not turn.in_dialog:
                raise _NotSent("a form opens only in answer to a dialog request")
            turn.form = effect.view
        elif isinstance(effect, Upload):
            self._upload(effect, delivery)
        elif isinstance(effect, DirectFile):
            token = files.store(self.db, effect.place.workspace, effect.file, self.clock.now(), self.links.days)
            self._direct_activity(effect.place, effect.user, _files_activity(
                effect.comment, None, [(effect.file.title or effect.file.name, self._url(token))]))

    def _channel(self, place: Place) -> ConversationRef:
        found = conversations.find(self.db, place.workspace, place.channel)
        if found is None or found.removed:
            raise _NotSent(UNREACHABLE)
        return found

    def _post(self, effect: Post, delivery: Delivery | None = None) -> None:
        """A new post, a thread reply or a chat message showing the effect's view."""
        self._post_activity(effect.place, effect.key, lambda: self._activity(effect.view, effect.place), delivery,
                            thread_key=effect.thread_key)

    def _post_activity(self, place: Place, key: str | None, make: Callable[[], dict],
                       delivery: Delivery | None = None, thread_key: str | None = None,
                       ref_of: Callable[[str], str] | None = None) -> None:
        """A new post, a thread reply or a chat message of the activity ``make`` builds (only when a
        keyed message was not sent before); ``ref_of`` to remember another reference than the
        activity id (a file link)."""
        if key and delivery is None and messages.find(self.db, place, key) is not None:
            log.info("message %s was sent before; not again", key)
            return
        channel = self._channel(place)
        activity = make()
        parent = messages.find(self.db, place, thread_key) if thread_key else None
        if channel.kind != "channel":  # a chat: no threads, every message in the chat
            ref, root = self.connector.send(channel.service_url, channel.tenant, channel.conversation, activity), None
        elif parent is not None:
            root = parent.thread_ref or parent.ref
            ref = self.connector.send(channel.service_url, channel.tenant, f"{channel.conversation};messageid={root}",
                                      activity)
        else:
            created = self.connector.create_conversation(channel.service_url, channel.tenant, {
                "isGroup": True, "tenantId": channel.tenant, "activity": activity,
                "channelData": {"channel": {"id": channel.conversation}, "tenant": {"id": channel.tenant}},
                **({"bot": {"id": channel.bot}} if channel.bot else {})})
            ref, root = str(created.get("activityId") or ""), None
        if ref and ref_of is not None:
            ref = ref_of(ref)
        if key and ref and delivery is not None:
            delivery.sent.append(SentMessage(place, key, ref, root))
        elif key and ref:
            messages.remember(self.db, place, key, ref, root, self.clock.now())

    def _landed(self, place: Place, key: str) -> tuple[ConversationRef, str, str] | None:
        """(channel, conversation of the message, its activity id) of a keyed message, if sent."""
        ref = messages.find(self.db, place, key)
        if ref is None:
            log.info("no message %s in %s", key, place.channel)
            return None
        channel = self._channel(place)
        if channel.kind != "channel":
            return channel, channel.conversation, ref.ref
        return channel, f"{channel.conversation};messageid={ref.thread_ref or ref.ref}", ref.ref

    def _upload(self, effect: Upload, delivery: Delivery | None) -> None:
        """The files as a card in the channel; the first link (the A4) is what the key remembers."""
        now, tenant = self.clock.now(), effect.place.workspace
        stored = [(blob, self._url(files.store(self.db, tenant, blob, now, self.links.days))) for blob in effect.files]
        picture = next(((blob.title, link) for blob, link in stored if blob.mime.startswith("image/")), None)
        documents = [(blob, link) for blob, link in stored if not blob.mime.startswith("image/")]
        language = channel_language(self.db, effect.place, self.links.language)
        buttons = [(t(language, PDF_LINK) if blob.mime == "application/pdf" else blob.name, link)
                   for blob, link in documents]
        first = (documents or stored)[0][1] if stored else None
        self._post_activity(effect.place, effect.key, lambda: _files_activity(effect.comment, picture, buttons),
                            delivery, ref_of=(lambda _ref: first) if first else None)

    def _activity(self, view: View, place: Place) -> dict:
        return message_activity(view, self.zone, display_names(self.db, place.workspace))

    def _url(self, token: str) -> str:
        return files.url(self.links.public_url, token)

    def _fresh_links(self, view: View) -> View:
        """The collection's links to our files, made anew (an old one may have expired)."""
        def fresh(link: str | None) -> str | None:
            token = files.token_of(self.links.public_url, link)
            renewed = files.fresh_link(self.db, token, self.clock.now(), self.links.days) if token else None
            return self._url(renewed) if renewed else link

        if isinstance(view, ImageList):
            return replace(view, items=tuple(replace(item, link=fresh(item.link)) for item in view.items))
        if isinstance(view, PublishedView):
            return replace(view, link=fresh(view.link))
        return view

    def _direct(self, place: Place, user: str, view: View) -> None:
        """A message in the person's 1:1 chat with the bot (started first when there is none)."""
        self._direct_activity(place, user, self._activity(view, place))

    def _direct_activity(self, place: Place, user: str, activity: dict) -> None:
        channel = conversations.find(self.db, place.workspace, place.channel)
        if channel is not None and channel.removed:  # about a channel goedwerk was removed from: not any more
            raise _NotSent(UNREACHABLE)
        chat = conversations.personal_chat(self.db, place.workspace, user)
        if chat is None:
            known = channel or conversations.any_in_tenant(self.db, place.workspace)
            if known is None:
                raise _NotSent(UNREACHABLE)
            created = self.connector.create_conversation(known.service_url, place.workspace, {
                "isGroup": False, "tenantId": place.workspace, "members": [{"id": user}],
                "channelData": {"tenant": {"id": place.workspace}},
                **({"bot": {"id": known.bot}} if known.bot else {})})
            chat = ConversationRef(place.workspace, str(created.get("id", "")), known.service_url, "personal",
                                   user=user, bot=known.bot)
            if not chat.conversation:
                raise _NotSent("no chat id in Teams' answer")
            conversations.remember(self.db, chat, self.clock.now())
        self.connector.send(chat.service_url, chat.tenant, chat.conversation, activity)


def _files_activity(comment: str, picture: tuple[str, str] | None, links: list[tuple[str, str]]) -> dict:
    summary, content = cards.shared_files(comment, picture, links)
    activity = Activity(type="message", summary=summary,
                        attachments=[Attachment(content_type=cards.CONTENT_TYPE, content=content)])
    return activity.model_dump(mode="json", by_alias=True, exclude_none=True)


def display_names(db: Database, tenant: str) -> cards.Names:
    """Names of the tenant's people as goedwerk last saw them (from their own activities)."""
    def name_of(user: str) -> str | None:
        with db.transaction() as session:
            return session.scalar(select(Person.display_name).join(Workspace, Person.workspace_id == Workspace.id)
                                  .where(Workspace.platform == "teams", Workspace.external_id == tenant,
                                         Person.external_id == user))
    return name_of


def channel_language(db: Database, place: Place, default: str) -> str:
    """The language the channel speaks (``default`` until it chose one)."""
    with db.transaction() as session:
        language = session.scalar(
            select(Channel.language).join(Workspace, Channel.workspace_id == Workspace.id)
            .where(Workspace.platform == place.platform, Workspace.external_id == place.workspace,
                   Channel.external_id == place.channel))
    return language or default


class _NotSent(Exception):
    """An effect that cannot be sent on Teams; ``str()`` names why (a neutral outcome)."""
