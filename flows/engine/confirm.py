"""Requests that wait for ``bevestig`` (confirm): a plan that departs from the method, and
closing a round before its staart.

The request is stored (one per person and channel; a newer one replaces it) before the
person is asked, so ``bevestig`` works from any process and after a restart. It is
valid for :data:`VALID_FOR`; after that ``bevestig`` finds nothing to confirm.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select

from flows.content.schema import ContentPack
from flows.effects import Effect, Ephemeral
from flows.engine.plan import PLAN_FORM, Plan
from flows.engine.scope import Refusal, Scope
from flows.engine.shape import Concern
from flows.engine.topics import label
from flows.i18n import N_, join
from flows.store.models import PendingConfirmation
from flows.views import Choice, Notice

START = "start"
CLOSE = "close"
ACTION = "confirm"
"""The button that does what ``bevestig`` does."""
VALID_FOR = timedelta(hours=24)


def ask(scope: Scope, kind: str, payload: dict[str, Any]) -> None:
    """Store what ``bevestig`` will do for the actor in this channel (replacing an older request)."""
    scope.session.execute(delete(PendingConfirmation).where(
        PendingConfirmation.channel_id == scope.channel.id, PendingConfirmation.user_id == scope.actor.user))
    scope.session.add(PendingConfirmation(channel_id=scope.channel.id, user_id=scope.actor.user, kind=kind,
                                          payload=payload, created_at=scope.now))
    scope.session.flush()


def take(scope: Scope) -> PendingConfirmation:
    """The actor's waiting request in this channel, removed; a refusal when there is none."""
    row = scope.session.scalars(select(PendingConfirmation).where(
        PendingConfirmation.channel_id == scope.channel.id,
        PendingConfirmation.user_id == scope.actor.user)).first()
    if row is None or row.created_at + VALID_FOR < scope.now:
        raise Refusal(N_("There is nothing waiting for your confirmation here."))
    scope.session.delete(row)
    scope.session.flush()
    return row


def explain_plan(scope: Scope, content: ContentPack, plan: Plan, found: list[Concern]) -> list[Effect]:
    """Tell the facilitator how the plan departs from the method and how to start it anyway."""
    lines = [scope.t(N_("This plan leaves out part of the method:"))]
    for concern in found:
        params = dict(concern.params)
        if "perspectives" in params:
            params["perspectives"] = join(scope.language, [label(content, scope.language, key)
                                                           for key in params["perspectives"]])
        lines.append("• " + scope.t(concern.msgid, **params))
    lines.append(scope.t(N_("To start it anyway, type '/goedwerk confirm'. To follow the method, start again without "
                            "plan= or with a plan such as {plan}."),
                         plan=PLAN_FORM))
    return [_asking(scope, "\n".join(lines), N_("Start anyway"))]


def explain_close(scope: Scope) -> list[Effect]:
    """Tell the facilitator that closing now skips the staart, and how to close anyway."""
    return [_asking(scope, scope.t(N_("The staart has not started yet. If you close the round now, the staart is "
                                      "skipped: the team does not get to bring its insights together into an image of "
                                      "good work, and the draft is made from what is there. To close anyway, type "
                                      "'/goedwerk confirm'.")),
                    N_("Close anyway"))]


def _asking(scope: Scope, text: str, button: str) -> Effect:
    return Ephemeral(scope.place, scope.actor.user,
                     Notice(scope.language, text, choices=(Choice(scope.t(button), ACTION, "", primary=True),)))
