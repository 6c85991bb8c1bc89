"""The engine's one entry point: ``Engine.handle(event) -> effects``.

Each event runs in one transaction. A :class:`Refusal` rolls back what the handler
wrote and becomes an ephemeral notice; an unexpected error is logged (without any
contribution text) and becomes a polite ephemeral apology — never a crash.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from flows.clock import Clock
from flows.content.schema import ContentPack
from flows.effects import Effect, Ephemeral, OpenForm, Place
from flows.engine import (
    anonymity,
    checkback,
    commands,
    confirm,
    contributions,
    image,
    presenters,
    privacy,
    reminders,
    retention,
    rounds,
    traits,
    weekly,
    weekly_fanout,
)
from flows.engine.catalog import help_view, situation_card, situation_list
from flows.engine.defaults import Defaults
from flows.engine.forms import contribution_form, edit_form
from flows.engine.home import home_view
from flows.engine.scope import Refusal, Scope, open_scope, scope_for_channel
from flows.events import (
    Actor,
    Choose,
    Command,
    Contribute,
    DeleteContribution,
    DueAction,
    EditContribution,
    EditImage,
    Event,
)
from flows.i18n import N_, t
from flows.scheduling import actions
from flows.store import queries
from flows.store.db import Database
from flows.store.models import Channel, Round
from flows.views import HomeView, Notice

log = logging.getLogger("goedwerk.engine")
MembersOf = Callable[[Place], list[str]]
"""The platform's member list of a channel (bots excluded); None: the members we have seen."""


class HandledElsewhere(Exception):
    """Raised by an adapter's ``within`` callback of :meth:`Engine.handle` when the request is
    no longer its own to finish (another process took it over): the event's writes roll back."""


class Engine:
    """Runs the conversation. Holds no state of its own beyond its collaborators."""

    def __init__(self, db: Database, content: ContentPack, clock: Clock, defaults: Defaults | None = None,
                 rng: random.Random | None = None, members_of: MembersOf | None = None) -> None:
        self.db = db
        self.members_of = members_of
        self.content = content
        self.clock = clock
        self.defaults = defaults or Defaults()
        self.rng = rng or random.Random()
        self._wake_listeners: list[Callable[[], None]] = []
        self._unreachable_listeners: list[Callable[..., Any]] = []
        self._forgotten_listeners: list[Callable[..., Any]] = []
        self._described_listeners: list[Callable[..., dict[str, Any]]] = []
        self.on_channel_unreachable(weekly.pause_unreachable)

    def on_schedule(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` after a transaction that may have queued timed actions."""
        self._wake_listeners.append(listener)

    def scheduled(self) -> None:
        """Tell the :meth:`on_schedule` listeners that timed actions may have been queued
        (by this engine, or by another process working for this one)."""
        for listener in self._wake_listeners:
            listener()

    # -- entry points -------------------------------------------------------------------

    def handle(self, event: Event, within: Callable[[Session, list[Effect]], None] | None = None) -> list[Effect]:
        """Run ``event`` in one transaction; its effects for the adapter to deliver.

        ``within(session, effects)``, when given, runs in that same transaction just before
        it commits, so an adapter can record that the event was handled (and what remains
        to send) atomically with the event's own writes. When it raises
        :class:`HandledElsewhere`, everything is rolled back and that error propagates.
        """
        if isinstance(event, DueAction):
            raise TypeError("due actions go through run_action()")
        try:
            with self.db.transaction() as session:
                scope = open_scope(session, event.actor, self.clock.now(), self.defaults.language,
                                   self.defaults.timezone)
                scope.checkback_days = self.defaults.checkback_days
                try:
                    with session.begin_nested():
                        effects = self._route(scope, event)
                except Refusal as refusal:  # logged without the person's words: the reason's id only
                    log.info("refused %s in %s/%s: %s", type(event).__name__, event.actor.workspace,
                             event.actor.channel, refusal.msgid[:60])
                    effects = [scope.tell(refusal.msgid, error=True, **refusal.params)]
                except commands.CommandError as error:  # the one usage line, and where to find the rest
                    text = scope.t(error.msgid, **error.params) + "\n" + scope.t(
                        N_("All commands and what they do: '/goedwerk help'."))
                    effects = [Ephemeral(scope.place, event.actor.user, Notice(scope.language, text, error=True))]
                if within is not None:
                    within(session, effects)
        except HandledElsewhere:
            raise
        except Exception:
            log.exception("event %s in %s/%s failed", type(event).__name__, event.actor.workspace,
                          event.actor.channel)
            return [self._apology(event.actor)]
        self.scheduled()
        return effects

    def run_weekly_prompts(self, action_ids: list[int], owner: str) -> dict[int, list[Effect] | None]:
        """Run claimed weekly prompts together (:mod:`flows.engine.weekly_fanout`), in one transaction.

        The effects to send per action id; None for a moot one; ids no longer ours are left out.
        """
        with self.db.transaction() as session:
            now = self.clock.now()
            rows = actions.reserve_many(session, action_ids, owner, now, kind=weekly.WEEKLY_PROMPT)
            return weekly_fanout.run_prompts(session, self.content, self.defaults, self.rng, rows, owner, now)

    def run_action(self, action_id: int, owner: str) -> list[Effect] | None:
        """Run a claimed scheduled action. None when it was no longer ours or is moot."""
        with self.db.transaction() as session:
            now = self.clock.now()
            row = actions.reserve(session, action_id, owner, now)
            if row is None:
                return None
            if row.kind == weekly.WEEKLY_PROMPT:  # a channel's weekly prompt: no round behind it
                return weekly.run_prompt(session, self.content, self.defaults, self.rng, row, owner, now)
            if row.kind in retention.KINDS:  # purges: nothing to send, settled by retention.run
                retention.run(session, row, action_id, owner, now)
                return None
            if row.kind == checkback.CHECKBACK:  # after publication: no round needed
                channel = session.get(Channel, row.channel_id) if row.channel_id else None
                effects = checkback.ask(scope_for_channel(session, channel, now, self.defaults.language,
                                                          self.defaults.timezone), int(row.payload["image_id"])) \
                    if channel is not None else []
                if not effects:
                    actions.settle(session, action_id, owner, actions.SKIPPED, now, error="moot")
                    return None
                return effects
            round_row = session.get(Round, row.round_id) if row.round_id else None
            if round_row is None:
                actions.settle(session, action_id, owner, actions.SKIPPED, now, error="round gone")
                return None
            scope = scope_for_channel(session, round_row.channel, now, self.defaults.language,
                                      self.defaults.timezone)
            scope.checkback_days = self.defaults.checkback_days
            resend = row.attempts > 1
            if row.kind == rounds.OPEN_STEP:
                effects = rounds.open_step(scope, self.content, round_row, int(row.payload["index"]), resend=resend)
            elif row.kind == rounds.CLOSE_ROUND:
                effects = rounds.close(scope, self.content, round_row, by_hand=False, resend=resend)
            elif row.kind == reminders.REMIND_STEP:
                effects = reminders.remind_step(scope, self.content, round_row, int(row.payload["index"]),
                                                self._members(scope))
            elif row.kind == image.CONSENT_REQUEST:
                effects = image.consent_request(scope, self.content, round_row, str(row.payload["user"]))
            elif row.kind == image.CONSENT_DEADLINE:
                effects = image.consent_deadline(scope, self.content, round_row)
            elif row.kind == reminders.REMIND_USER:
                effects = reminders.remind_user(scope, self.content, round_row, int(row.payload["index"]),
                                                str(row.payload["user"]))
            else:
                log.error("unknown scheduled action kind %s (id %s)", row.kind, action_id)
                effects = []
            if not effects:
                actions.settle(session, action_id, owner, actions.SKIPPED, now, error="moot")
                return None
            return effects

    def home(self, platform: str, workspace: str, user: str, language: str | None = None) -> HomeView:
        """The person's overview: their active rounds, own contributions and the team's images."""
        with self.db.transaction() as session:
            return home_view(session, self.content, language or self.defaults.language, platform, workspace, user)

    def channel_unreachable(self, session: Session, action_id: int, reason: str) -> None:
        """The platform refused the channel of a timed action for good: log it (and let
        channel-level automations such as the weekly prompt pause themselves)."""
        log.warning("channel of scheduled action %s unreachable: %s", action_id, reason)
        for listener in self._unreachable_listeners:
            listener(session, action_id, reason)

    def on_channel_unreachable(self, listener: Callable[..., Any]) -> None:
        self._unreachable_listeners.append(listener)

    def queue_daily_sweep(self) -> None:
        """Make sure the daily retention sweep is queued (a dispatching process calls this as
        it starts, so the sweep runs even where no round has closed since an upgrade)."""
        with self.db.transaction() as session:
            retention.schedule_sweep(session, self.clock.now())

    def on_person_forgotten(self, listener: Callable[..., Any]) -> None:
        """``listener(session, platform, workspace, user)`` runs in the transaction that erases a
        person, so an adapter erases what it stored about them too (Slack: an installer's id)."""
        self._forgotten_listeners.append(listener)

    def on_person_described(self, listener: Callable[..., dict[str, Any]]) -> None:
        """``listener(session, platform, workspace, user)`` returns what an adapter stores about a
        person (JSON-ready, keyed by what it is); the person's data export lists it under
        ``also_erased``. Pair it with :meth:`on_person_forgotten`, which erases the same."""
        self._described_listeners.append(listener)

    def _adapter_records(self, scope: Scope) -> dict[str, Any]:
        records: dict[str, Any] = {}
        for listener in self._described_listeners:
            records.update(listener(scope.session, scope.workspace.platform, scope.workspace.external_id,
                                    scope.actor.user))
        return records

    def _forget(self, scope: Scope) -> list[Effect]:
        effects = privacy.forget(scope, self.content)
        for listener in self._forgotten_listeners:
            listener(scope.session, scope.workspace.platform, scope.workspace.external_id, scope.actor.user)
        return effects

    def _members(self, scope: Scope) -> list[str]:
        if self.members_of is not None:
            try:
                return self.members_of(scope.place)
            except Exception as error:  # the platform would not say: remind the people we know of
                log.warning("member list of %s unavailable (%s)", scope.place.channel, type(error).__name__)
        return queries.members(scope.session, scope.channel)

    def declare_members(self, actor: Actor, users: list[str]) -> None:
        """Set a channel's members (the console's ``/members``; Slack reads its own)."""
        with self.db.transaction() as session:
            scope = open_scope(session, actor, self.clock.now(), self.defaults.language, self.defaults.timezone)
            queries.set_members(session, scope.channel, users, scope.now)

    # -- routing ------------------------------------------------------------------------

    def _route(self, scope: Scope, event: Event) -> list[Effect]:
        content = self.content
        if isinstance(event, Command):
            return self._command(scope, commands.parse(event.text))
        if isinstance(event, Contribute):
            anonymous, text = anonymity.in_form(event.text, event.anonymous)
            return contributions.contribute(
                scope, content, topic=event.topic, text=text, anonymous=anonymous,
                passed=event.passed, virtues=event.virtues, idempotency_key=event.idempotency_key,
                round_id=event.round_id)
        if isinstance(event, EditContribution):
            return contributions.edit(scope, content, event.contribution_id, event.text, event.anonymous,
                                      event.virtues)
        if isinstance(event, DeleteContribution):
            return contributions.delete(scope, content, event.contribution_id)
        if isinstance(event, Choose):
            return self._choice(scope, event)
        if isinstance(event, EditImage):
            return image.submit(scope, content, event)
        raise TypeError(f"unknown event {type(event).__name__}")

    def _command(self, scope: Scope, parsed: commands.Parsed) -> list[Effect]:
        content, args = self.content, parsed.args
        match parsed.name:
            case "start":
                if traits.COMMAND_TRAITS["start"].opens_form(args):
                    if queries.active_round(scope.session, scope.channel) is None:
                        return [OpenForm(scope.place, scope.actor.user, situation_list(scope, content, True))]
                return rounds.start(scope, content, self.defaults, situation=args["situation"],
                                    plan_text=args["plan"], rng=self.rng, confirmed=args["confirmed"])
            case "status":
                return rounds.status(scope, content)
            case "bijdrage":
                if args["doubtful"]:
                    return [anonymity.ask_first(scope, args["doubtful"], args["topic"])]
                return contributions.contribute(scope, content, topic=args["topic"], text=args["text"],
                                                anonymous=args["anonymous"], virtues=args["virtues"])
            case "pas":
                return contributions.pass_step(scope, content, args["topic"])
            case "bewerk":
                return contributions.edit(scope, content, args["contribution"], args["text"],
                                          virtues=args["virtues"])
            case "verwijder":
                return contributions.delete(scope, content, args["contribution"])
            case "volgende":
                return rounds.next_step(scope, content)
            case "sluit":
                return rounds.close_by_hand(scope, content)
            case "bevestig":
                return rounds.confirmed(scope, content, self.defaults, self.rng)
            case "stop":
                return rounds.cancel(scope, content)
            case "samenvatting":
                return rounds.summary(scope, content)
            case "situaties":
                return [Ephemeral(scope.place, scope.actor.user, situation_list(scope, content, False))]
            case "toon":
                return [Ephemeral(scope.place, scope.actor.user, situation_card(scope, content, args["situation"]))]
            case "ervaring":
                return rounds.pick_experience(scope, content, args["contribution"])
            case "begeleider":
                return rounds.hand_over(scope, content, args["user"])
            case "beeldbouwer":
                return image.name_builder(scope, content, args["user"])
            case "beeld":
                if args["field"] is None:
                    return image.show(scope, content)
                return image.edit(scope, content, args["field"], args["value"])
            case "stem":
                return image.vote(scope, content, args["choice"])
            case "publiceer":
                return image.publish(scope, content)
            case "terugblik":
                return checkback.command(scope, args["argument"])
            case "collectie":
                return image.collection(scope, args["argument"])
            case "herinneringen":
                person = queries.person(scope.session, scope.workspace, scope.actor.user)
                person.reminders_enabled = args["on"]
                return [scope.tell(N_("You will get a private reminder when a step is about to end and you have not "
                                      "taken part.")
                                   if args["on"] else N_("You will get no more reminders. Turn them back on with "
                                                         "'/goedwerk reminders on'."))]
            case "wekelijks":
                return weekly.command(scope, content, args, self.rng)
            case "mijn-gegevens":
                if args["mode"] == "delete-confirm":
                    return self._forget(scope)
                if args["mode"] == "export":
                    return privacy.export(scope, self._adapter_records(scope))
                return privacy.command(scope, content, args["mode"])
            case "bewaartermijn":
                return retention.command(scope, args["days"], args["confirmed"])
            case "taal":
                scope.channel.language = args["language"]
                scope.language = args["language"]
                return [scope.tell(N_("This channel now speaks English."))]
            case _:
                return [Ephemeral(scope.place, scope.actor.user, help_view(scope))]

    def _choice(self, scope: Scope, event: Choose) -> list[Effect]:
        content = self.content
        if event.action == "start":
            value = event.value.strip().lower()
            number = int(value) if value.isdigit() and len(value) <= 6 else None
            return rounds.start(scope, content, self.defaults, situation=number, plan_text=None, rng=self.rng)
        if event.action in (presenters.CONTRIBUTE, presenters.PASS):
            round_id, _, topic = event.value.partition(":")
            round_number = int(round_id) if round_id.isdigit() else -1
            if event.action == presenters.PASS:
                return contributions.pass_step(scope, content, topic, round_id=round_number)
            return [OpenForm(scope.place, scope.actor.user, contribution_form(scope, content, round_number, topic))]
        if event.action == "status":
            return rounds.status(scope, content)
        if event.action == confirm.ACTION:
            return rounds.confirmed(scope, content, self.defaults, self.rng)
        if event.action == "publish":
            return image.publish(scope, content)
        if event.action == "open_image":
            number = int(event.value) if event.value.isdigit() and len(event.value) <= 12 else -1
            return [Ephemeral(scope.place, scope.actor.user, image.open_image(scope, number))]
        if event.action in ("image_text", "image_vote", "image_picture"):
            part = event.action.removeprefix("image_")
            return [OpenForm(scope.place, scope.actor.user, image.form(scope, content, part, event.value))]
        if event.action == "consent":
            return image.answer_consent(scope, content, event.value)
        if event.action == retention.CONFIRM_ACTION:
            days = int(event.value) if event.value.isdigit() and len(event.value) <= 6 else -1
            return retention.command(scope, days, confirmed=True)
        if event.action == privacy.CONFIRM_ACTION:
            return self._forget(scope)
        if event.action in ("edit", "delete"):
            number = int(event.value) if event.value.isdigit() and len(event.value) <= 12 else -1
            if event.action == "delete":
                return contributions.delete(scope, content, number)
            return [OpenForm(scope.place, scope.actor.user, edit_form(scope, content, number))]
        raise Refusal(N_("That button is no longer in use."))

    def _apology(self, actor: Actor) -> Effect:
        text = t(self.defaults.language, N_("Something went wrong on our side. Nothing you wrote was lost; please try "
                                            "again in a moment."))
        return Ephemeral(Place(actor.platform, actor.workspace, actor.channel), actor.user,
                         Notice(self.defaults.language, text, error=True))
