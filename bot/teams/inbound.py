"""One inbound Teams activity: checked, remembered, turned into an engine event, answered.

:func:`handle_activity` is the seam between HTTP and the rest: the raw body and the
``Authorization`` header in, a :class:`Reply` (HTTP status and JSON body) out. It is
synchronous: the engine's effects are sent before it returns (the durable request inbox
will take that part over). Nothing is stored and nothing is done for an activity whose
token or tenant is refused (:mod:`bot.teams.auth`); only the reason is logged.

What comes in:

- a ``message`` with text: a command. In a channel (or group chat) only when it mentions
  the bot, the text after that mention (as its mention entity marks it); in the 1:1 chat
  the person is pointed to their team channel, except for ``overzicht``/``overview``: their
  overview (active rounds, own contributions with edit and delete, the team's images), which
  is also what a person gets when they add goedwerk for themselves;
- a ``message`` with ``value`` and no text: a card button (``Action.Submit``), the
  engine's ``Choose``;
- an ``invoke`` ``task/fetch`` (a button that opens a form) or ``task/submit`` (the
  form sent): answered with the dialog (:mod:`bot.teams.dialogs`);
- goedwerk added to a team, chat or personal scope (``conversationUpdate`` naming the bot
  among ``membersAdded``, or ``installationUpdate`` ``add``): a short welcome there; removed
  (``membersRemoved``, ``installationUpdate`` ``remove``): nothing is sent there any more, and
  when no team or chat of the tenant has goedwerk left, the tenant's data is purged after the
  same grace period as a Slack workspace's that uninstalled goedwerk;
- anything else (other conversation updates, reactions, unknown invokes): remembered and
  answered with an empty 202 (200 for an invoke), never an error.
"""

from __future__ import annotations

import html
import json
import logging
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from microsoft_agents.activity import Activity
from pydantic import ValidationError
from sqlalchemy import select

from bot.teams import actors, cards, conversations, dialogs
from bot.teams.auth import ActivityAuth, Refused
from bot.teams.sender import TeamsSender, Turn, channel_language
from flows.clock import Clock
from flows.effects import DirectMessage, Ephemeral, Place, Post
from flows.engine import retention
from flows.engine.core import Engine
from flows.engine.defaults import Defaults
from flows.engine.presenters import CONTRIBUTE
from flows.events import Choose, Command, Contribute, EditContribution
from flows.i18n import N_, fill_moments, t, when
from flows.store.db import Database
from flows.store.models import Workspace
from flows.views import ContributionForm, Notice

log = logging.getLogger("goedwerk.teams")
MAX_BODY = 256 * 1024
"""The largest activity accepted (Teams' messages are capped far below this)."""
WELCOME = N_("Hello, I am goedwerk. I help a team talk for a week about a tricky collaboration situation and write "
             "down together what good work is. Mention me in a channel to begin, for example '@goedwerk start'; "
             "'@goedwerk help' lists everything I can do.")
USE_IN_CHANNEL = N_("goedwerk works in a team channel: mention me there, for example '@goedwerk start'.")
OVERVIEW_WORDS = frozenset({"overzicht", "overview"})
NOT_IN_TEAMS = N_("This form is not in Teams yet; type the command after @goedwerk instead (see @goedwerk help).")


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict | None = None


@dataclass
class TeamsServices:
    """What inbound handling needs, in one place."""

    db: Database
    engine: Engine
    auth: ActivityAuth
    sender: TeamsSender
    defaults: Defaults
    clock: Clock

    def language_of(self, actor) -> str:
        """The channel's language (for texts shown before the engine is asked)."""
        return channel_language(self.db, Place(actor.platform, actor.workspace, actor.channel),
                                self.defaults.language)


def handle_activity(services: TeamsServices, authorization: str | None, body: bytes) -> Reply:
    """Check, remember and act on one activity (see the module's docstring)."""
    if len(body) > MAX_BODY:
        return Reply(413)
    try:
        raw = json.loads(body)
    except ValueError:
        log.warning("teams activity refused (400): not JSON")
        return Reply(400)
    if not isinstance(raw, dict):
        log.warning("teams activity refused (400): not an object")
        return Reply(400)
    try:
        claims = services.auth.check(authorization, raw)
    except Refused as refused:
        log.warning("teams activity refused (%s): %s", refused.status, refused.reason)
        return Reply(refused.status)
    try:
        activity = Activity.model_validate(raw)
    except ValidationError as error:
        log.warning("teams activity refused (400): %d field(s) of the wrong shape", error.error_count())
        return Reply(400)
    where = actors.conversation_of(activity, claims.tenant)
    if where is None:
        log.info("teams activity without a conversation ignored")
        return _empty(activity)
    conversations.remember(services.db, where, services.clock.now())
    if activity.type == "message":
        _message(services, activity, where)
        return Reply(202)
    if activity.type in ("conversationUpdate", "installationUpdate"):
        _lifecycle(services, activity, where)
        return Reply(202)
    if activity.type == "invoke" and activity.name in ("task/fetch", "task/submit"):
        value = activity.value if isinstance(activity.value, dict) else {}
        given = value.get("data")
        data: dict = given if isinstance(given, dict) else {}
        if activity.name == "task/fetch":
            return _open_dialog(services, activity, where, data)
        return _dialog_sent(services, activity, where, data)
    return _empty(activity)


def _empty(activity: Activity) -> Reply:
    """The answer to an activity goedwerk does nothing with: 200 for an invoke, else 202."""
    return Reply(200) if activity.type == "invoke" else Reply(202)


def _message(services: TeamsServices, activity: Activity, where: conversations.ConversationRef) -> None:
    turn = Turn(where, actors.user_of(activity))
    value = activity.value if isinstance(activity.value, dict) else None
    if value is not None and not (activity.text or "").strip():
        _click(services, activity, where, value, turn)
        return
    if where.kind == "personal" and (activity.text or "").strip().lower() in OVERVIEW_WORDS:
        _overview(services, where)
        return
    if where.kind == "personal":
        language = services.defaults.language
        note = Notice(language, t(language, USE_IN_CHANNEL), error=True)
        services.sender.deliver([Ephemeral(Place(actors.PLATFORM, where.tenant, where.conversation),
                                           turn.user, note)], turn)
        return
    if not activity.is_recipient_mentioned():
        return  # channel chatter that does not address us (Teams sends it only with extra permissions)
    text = " ".join(html.unescape(activity.remove_recipient_mention()).split())
    who = actors.actor(activity, where)
    services.sender.deliver(services.engine.handle(Command(who, text)), turn)


def _click(services: TeamsServices, activity: Activity, where: conversations.ConversationRef, value: dict,
           turn: Turn) -> None:
    """A card button: ``value`` names the engine's action (untrusted; the engine checks it)."""
    action, choice = value.get(cards.ACTION), value.get(cards.VALUE, "")
    if not isinstance(action, str) or not isinstance(choice, str) or len(action) > 64 or len(choice) > 200:
        log.info("card submit without an action of ours ignored")
        return
    channel = value.get(cards.CHANNEL) if where.kind == "personal" else None
    if where.kind == "personal" and not isinstance(channel, str):
        log.info("card submit in a 1:1 chat without its channel ignored")
        return
    who = actors.actor(activity, where, channel=channel)
    services.sender.deliver(services.engine.handle(Choose(who, action, choice)), turn)


def _channel_of(where: conversations.ConversationRef, data: dict) -> str | None:
    """The team channel a button or dialog acts in: the conversation's, or in a 1:1 chat the one
    its data names (untrusted: the engine checks the person may act there)."""
    if where.kind != "personal":
        return where.conversation
    channel = data.get(cards.CHANNEL)
    return channel if isinstance(channel, str) and channel else None


def _open_dialog(services: TeamsServices, activity: Activity, where: conversations.ConversationRef,
                 data: dict) -> Reply:
    """``task/fetch``: the engine's answer to the button, as a dialog (or a short message)."""
    action, choice, channel = data.get(cards.ACTION), data.get(cards.VALUE, ""), _channel_of(where, data)
    if not isinstance(action, str) or not isinstance(choice, str) or channel is None:
        log.info("dialog request without an action of ours ignored")
        return Reply(200)
    turn = Turn(where, actors.user_of(activity), in_dialog=True)
    who = actors.actor(activity, where, channel=channel)
    services.sender.deliver(services.engine.handle(Choose(who, action[:64], choice[:200])), turn)
    return Reply(200, _dialog_answer(services, turn, channel))


def _dialog_sent(services: TeamsServices, activity: Activity, where: conversations.ConversationRef,
                 data: dict) -> Reply:
    """``task/submit``: store the contribution (or keep the dialog open with what is wrong)."""
    submitted = dialogs.read(data) if data.get(cards.ACTION) == dialogs.FORM else None
    channel = _channel_of(where, {cards.CHANNEL: submitted.channel} if submitted else {})
    if submitted is None or channel is None:
        log.info("dialog submission of an unexpected shape ignored")
        return Reply(200)
    who = actors.actor(activity, where, channel=channel)
    turn = Turn(where, who.user, in_dialog=True)
    problem = dialogs.field_problem(services.language_of(who), submitted)
    if problem is not None:  # show the form again, with the reason and the person's text
        again = Choose(who, "edit", str(submitted.contribution_id)) if submitted.contribution_id is not None \
            else Choose(who, CONTRIBUTE, f"{submitted.round_id}:{submitted.topic}")
        services.sender.deliver(services.engine.handle(again), turn)
        if isinstance(turn.form, ContributionForm):
            form = replace(turn.form, text=submitted.text, anonymous=submitted.anonymous,
                           chosen_virtues=submitted.virtues)
            return Reply(200, dialogs.contribution_dialog(form, channel, problem))
        return Reply(200, _dialog_answer(services, turn, channel))
    event: EditContribution | Contribute
    if submitted.contribution_id is not None:
        event = EditContribution(who, submitted.contribution_id, submitted.text, submitted.anonymous,
                                 submitted.virtues)
    else:
        event = Contribute(who, submitted.topic, submitted.text, anonymous=submitted.anonymous,
                           passed=submitted.passed, virtues=submitted.virtues,
                           idempotency_key=f"teams-dialog:{activity.id}"[:128], round_id=submitted.round_id)
    services.sender.deliver(services.engine.handle(event), turn)
    return Reply(200, _dialog_answer(services, turn, channel))


def _dialog_answer(services: TeamsServices, turn: Turn, channel: str) -> dict | None:
    """The dialog for a form the engine opened, else its notices as a closing message."""
    if isinstance(turn.form, ContributionForm):
        return dialogs.contribution_dialog(turn.form, channel)
    if turn.form is not None:
        return dialogs.message(t(turn.form.language, NOT_IN_TEAMS))
    texts = [_filled(view, services.sender.zone) for view in turn.notices if isinstance(view, Notice)]
    return dialogs.message(" ".join(texts)) if texts else None


def _filled(notice: Notice, zone: ZoneInfo) -> str:
    """A notice's text with its moments written out in its language and the given time zone."""
    return fill_moments(notice.text, lambda moment: when(notice.language, moment, zone))


def _lifecycle(services: TeamsServices, activity: Activity, where: conversations.ConversationRef) -> None:
    """goedwerk added to or removed from a team, chat or personal scope (see the module's docstring)."""
    bot = activity.recipient.id if activity.recipient else None
    added = any(member.id == bot for member in activity.members_added or []) or activity.action in ("add",)
    removed = any(member.id == bot for member in activity.members_removed or []) or activity.action == "remove"
    if removed:
        still_installed = conversations.mark_removed(services.db, where.tenant, where.conversation, where.team,
                                                     services.clock.now())
        log.warning("goedwerk was removed from a %s in tenant %s", where.kind, where.tenant)
        if not still_installed:
            _tenant_uninstalled(services, where.tenant)
    elif added and where.kind == "personal":
        _overview(services, where)
    elif added:
        language = services.defaults.language
        place = Place(actors.PLATFORM, where.tenant, where.conversation)
        services.sender.deliver([Post(place, Notice(language, t(language, WELCOME)))])


def _tenant_uninstalled(services: TeamsServices, tenant: str) -> None:
    """No team or chat of the tenant has goedwerk any more: queue its purge, as a Slack uninstall does."""
    with services.db.transaction() as session:
        workspace = session.scalars(select(Workspace).where(Workspace.platform == actors.PLATFORM,
                                                            Workspace.external_id == tenant)).first()
        if workspace is not None:
            retention.workspace_uninstalled(session, workspace, services.clock.now())


def _overview(services: TeamsServices, where: conversations.ConversationRef) -> None:
    """The person's overview (Slack's App Home) as a card in their 1:1 chat."""
    home = services.engine.home(actors.PLATFORM, where.tenant, where.user or "")
    services.sender.deliver([DirectMessage(Place(actors.PLATFORM, where.tenant, where.conversation),
                                           where.user or "", home)])
