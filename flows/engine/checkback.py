"""Checking back: some weeks after publication, does the image of good work still hold?

One message in the channel asks what still holds and what people did differently;
answers (``checkback <text>``) are kept with the published image. A channel can
switch this off (``checkback off``).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from flows.effects import Effect, Post
from flows.engine import keys
from flows.engine.scope import Refusal, Scope
from flows.i18n import N_
from flows.scheduling import actions
from flows.store.models import PublishedImage

CHECKBACK = "checkback"
DEFAULT_DAYS = 21
MAX_ANSWER = 3000


def schedule(scope: Scope, record: PublishedImage, days: int) -> None:
    """Queue the check-back for a just-published image (when the channel wants it)."""
    if scope.channel.checkback_enabled and days > 0:
        actions.schedule(scope.session, kind=CHECKBACK, dedupe_key=f"checkback:{record.id}",
                         due_at=scope.now + timedelta(days=days), now=scope.now, workspace_id=scope.workspace.id,
                         channel_id=scope.channel.id, payload={"image_id": record.id})


def ask(scope: Scope, image_id: int) -> list[Effect]:
    """The check-back message itself (run by the dispatcher)."""
    record = scope.session.get(PublishedImage, image_id)
    if record is None or record.removed_at is not None or record.channel_id != scope.channel.id:
        return []
    if not scope.channel.checkback_enabled:
        return []
    text = scope.t(N_("A few weeks ago this channel published its image of good work “{title}”. Does it still hold? "
                      "What did you do differently since? Answer with '/goedwerk checkback <your answer>' — the "
                      "answers are kept with the image."),
                   title=record.title)
    return [Post(scope.place, scope.notice_text(text), key=keys.checkback(record.id))]


def command(scope: Scope, argument: str | None) -> list[Effect]:
    """``checkback on|off`` for the channel, or an answer to the latest check-back."""
    word = (argument or "").strip()
    if word.lower() in ("aan", "on", "uit", "off"):
        scope.channel.checkback_enabled = word.lower() in ("aan", "on")
        return [scope.tell(N_("Check-backs are on for this channel.") if scope.channel.checkback_enabled
                           else N_("Check-backs are off for this channel."))]
    if not word:
        raise Refusal(N_("Use: checkback on | off, or checkback <your answer>"))
    if len(word) > MAX_ANSWER:
        raise Refusal(N_("Your text has {length} characters; the limit is {limit}. Nothing was stored."),
                      length=len(word), limit=MAX_ANSWER)
    record = scope.session.scalars(
        select(PublishedImage).where(PublishedImage.channel_id == scope.channel.id,
                                     PublishedImage.removed_at.is_(None))
        .order_by(PublishedImage.published_at.desc())).first()
    if record is None:
        raise Refusal(N_("This channel has no published image of good work yet."))
    answers = list((record.content or {}).get("checkback", []))
    answers.append({"text": word, "at": scope.now.isoformat()})
    record.content = {**(record.content or {}), "checkback": answers}
    return [scope.tell(N_("Thank you; your answer is kept with “{title}”."), title=record.title)]
